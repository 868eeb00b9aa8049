"""Benchmark: full reschedule of a big collection vs Anki's own Rust reschedule of the same cards.

    .venv/bin/python bench/bench_reschedule.py [--cards 100000 --revlogs 1000000]

Builds a temp collection with bulk SQL, reopens it, then times (same process, same collection):
- engine, trivial scheduler (constant interval; never reads histories): plan + apply;
- engine, history scheduler (the ``example`` built-in, reads every card's reviews): plan + apply;
- baseline: Anki's Rust ``col.sched.set_due_date(all card ids, "1-30")``.
Peak memory growth is measured from the kernel's peak-RSS counter (VmHWM; reset through /proc/self/clear_refs
before each run) because tracemalloc cannot see memory used by Anki's Rust backend.
Targets (100k cards / 1M revlogs): engine <= 3x baseline, engine < 3 s, memory growth < 300 MB.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))
sys.path.insert(0, str(REPO / "tools"))


def _register_package() -> None:
    from anki_env import register_package

    register_package()


def _status_kb(key: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    return 0


def _reset_peak() -> bool:
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


class Peak:
    """Peak RSS growth (MB) during a block."""

    def __enter__(self) -> Peak:
        self.exact = _reset_peak()
        self.start = _status_kb("VmRSS")
        return self

    def __exit__(self, *exc: object) -> None:
        self.growth_mb = (_status_kb("VmHWM") - self.start) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cards", type=int, default=100_000)
    parser.add_argument("--revlogs", type=int, default=None, help="default: 10 per card")
    args = parser.parse_args()
    revlogs = args.revlogs if args.revlogs is not None else 10 * args.cards

    _register_package()
    from anki.collection import Collection
    from engine_helpers import build_bulk_collection

    from polar_bridge.reschedule import apply_plan, plan_reschedule
    from polar_bridge.scheduler import LoadedScheduler
    from polar_bridge.schedulers import load_scheduler

    with tempfile.TemporaryDirectory() as tmp:
        path = str(Path(tmp) / "bench.anki2")
        col = Collection(path)
        started = time.perf_counter()
        build_bulk_collection(col, args.cards, revlogs)
        print(f"built {args.cards:,} cards / {revlogs:,} revlogs in {time.perf_counter() - started:.1f} s")
        col.close()
        col = Collection(path)
        card_ids = col.db.list("select id from cards")

        def engine_run(scheduler: LoadedScheduler) -> tuple[float, float, float, Peak]:
            with Peak() as peak:
                t0 = time.perf_counter()
                plan = plan_reschedule(col, scheduler)
                t1 = time.perf_counter()
                apply_plan(col, plan)
                t2 = time.perf_counter()
            assert plan.report.rescheduled == args.cards, plan.report
            return t1 - t0, t2 - t1, t2 - t0, peak

        trivial = LoadedScheduler("trivial", lambda card: 5 * 86_400.0)
        plan_s, apply_s, trivial_s, trivial_peak = engine_run(trivial)
        print(
            f"engine, trivial scheduler: {trivial_s:.2f} s (plan {plan_s:.2f} + apply {apply_s:.2f}), "
            f"peak memory growth {trivial_peak.growth_mb:.0f} MB"
        )
        history = load_scheduler("example", Path(tmp))
        plan_s, apply_s, history_s, history_peak = engine_run(history)
        print(
            f"engine, history scheduler: {history_s:.2f} s (plan {plan_s:.2f} + apply {apply_s:.2f}), "
            f"peak memory growth {history_peak.growth_mb:.0f} MB"
        )

        with Peak() as rust_peak:
            t0 = time.perf_counter()
            col.sched.set_due_date(card_ids, "1-30")
            rust_s = time.perf_counter() - t0
        print(f"baseline, Anki set_due_date: {rust_s:.2f} s, peak memory growth {rust_peak.growth_mb:.0f} MB")
        col.close()

    ratio = trivial_s / rust_s
    print(f"ratio engine/baseline: trivial {ratio:.2f}x (target <= 3x), history {history_s / rust_s:.2f}x")
    time_target = 3.0 * max(1, args.cards // 100_000) if args.cards <= 100_000 else 30.0
    worst_peak = max(trivial_peak.growth_mb, history_peak.growth_mb)
    print(
        f"targets: engine < {time_target:.0f} s: {'met' if trivial_s < time_target else 'MISSED'}; "
        f"ratio <= 3x: {'met' if ratio <= 3 else 'MISSED'}; "
        f"memory < 300 MB: {'met' if worst_peak < 300 else 'MISSED'}"
        + ("" if trivial_peak.exact else " (peak counter could not be reset: growth is an upper bound)")
    )


if __name__ == "__main__":
    main()
