"""The `fsrs` built-in against Anki's own FSRS on a realistic collection: agreement and speed, in one run.

Builds (once, cached under bench/out/) a collection with mixed realistic histories (`tools/sample_collection.py`:
learning steps, lapses, Hard/Easy, reviews at all hours, Forget/reset, cram and rescheduling filtered decks, Set
Due Date and FSRS-reschedule entries, logs that start mid-history), then on fresh copies:

- Anki: turn FSRS on with "Reschedule cards on change" (what Anki does in the deck options), timed;
- the add-on: Tools > Reschedule with the `fsrs` built-in as the GUI runs it (plan, preview forecast, apply),
  timed, with the default ``dueShaping`` (Anki's fuzz, load balancer, Easy Days, as Anki's own reschedule) and
  with exact days;
- agreement: each review card's interval from the built-in vs Anki's unfuzzed interval from its own memory state.

    .venv/bin/python bench/bench_fsrs.py [--cards 100000] [--seed 7]
"""

from __future__ import annotations

import argparse
import shutil
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "tools"))
import anki_fsrs_reference as reference  # noqa: E402
import conftest  # noqa: E402,F401  (registers the add-on package as polar_bridge)
import sample_collection  # noqa: E402
from anki.collection import Collection  # noqa: E402


def build(path: Path, cards: int, seed: int) -> None:
    if path.exists():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.unlink(missing_ok=True)
    col = Collection(str(tmp))
    started = time.perf_counter()
    revlogs = sample_collection.fill_collection(col, cards, seed=seed, days=540)
    col.close()
    tmp.rename(path)
    print(f"built {cards} cards / {revlogs} revlog rows in {time.perf_counter() - started:.1f} s -> {path}")


def addon_reschedule(path: Path, shaping: bool) -> tuple[float, dict]:
    """Tools > Reschedule as the GUI runs it (`reschedule_ops`: plan with the preview's forecast, then apply as one
    undo step), ``shaping`` as the ``dueShaping`` setting (default on: Anki's fuzz, load balancer and Easy Days)."""
    from polar_bridge.reschedule import save_original_schedule
    from polar_bridge.reschedule_ops import apply_spread, plan_with_forecast
    from polar_bridge.schedulers import load_scheduler

    col = Collection(str(path))
    try:
        scheduler = load_scheduler("fsrs", ROOT / "user_files")
        started, cpu_started = time.perf_counter(), time.process_time()
        preview = plan_with_forecast(col, scheduler, None, shaping=shaping)
        previewed = time.perf_counter()
        save_original_schedule(col)  # apply does this first; timed apart: it happens on the first run only
        snapshot = time.perf_counter()
        apply_spread(col, preview, None)
        done = time.perf_counter()
        return done - started, {
            "plan": previewed - started,
            "snapshot": snapshot - previewed,
            "apply": done - snapshot,
            "cards": len(preview.plan),
            "cpu": time.process_time() - cpu_started,
        }
    finally:
        col.close()


def fresh_copy(source: Path, copy: Path) -> Path:
    shutil.copy(source, copy)
    copy.with_name(copy.stem + ".polar-bridge-original-schedule.bin").unlink(missing_ok=True)
    return copy


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cards", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    out = ROOT / "bench" / "out"
    source = out / f"fsrs-{args.cards}-{args.seed}.anki2"
    build(source, args.cards, args.seed)
    col = Collection(str(source))
    revlogs = col.db.scalar("select count() from revlog")
    col.close()

    # The machine is shared: each side runs --rounds times, alternating, on fresh copies; the fastest run counts.
    anki_runs: list[float] = []
    anki_cpu: list[float] = []
    ours_runs: dict[bool, list[tuple[float, dict]]] = {True: [], False: []}
    anki_intervals: dict[int, int] = {}
    for _ in range(args.rounds):
        for shaping in (True, False):
            ours_copy = fresh_copy(source, out / "ours-copy.anki2")
            ours_runs[shaping].append(addon_reschedule(ours_copy, shaping))
        anki_copy = fresh_copy(source, out / "anki-copy.anki2")
        col = Collection(str(anki_copy))
        try:
            cpu_started = time.process_time()
            anki_runs.append(reference.enable_anki_fsrs(col, reschedule=True))
            anki_cpu.append(time.process_time() - cpu_started)
            anki_intervals = reference.anki_fsrs_intervals(col)
            load_balancer = col.load_balancer_enabled
        finally:
            col.close()
    anki_seconds = min(anki_runs)
    col = Collection(str(source))
    try:
        ours = reference.builtin_intervals(col)
    finally:
        col.close()
    agreement = reference.agreement(anki_intervals, ours)

    print(
        f"collection: {args.cards} cards, {revlogs} revlog rows (seed {args.seed}); load balancer on: {load_balancer}"
    )
    print(
        f"agreement with Anki's FSRS on {agreement.cards} review cards: same day {100 * agreement.exact_share:.2f} %, "
        f"within 1 day {100 * agreement.within_one_share:.2f} %, worst {agreement.worst} days "
        f"(card {agreement.worst_card})"
    )
    print(
        f"Anki's own FSRS reschedule (deck options, reschedule cards on change; fuzz and load balancer): "
        f"{anki_seconds:.2f} s (runs: {', '.join(f'{t:.2f}' for t in anki_runs)}), CPU {min(anki_cpu):.2f} s"
    )
    for shaping, label in (
        (True, "dueShaping on (the default: fuzz, load balancer, Easy Days)"),
        (False, "exact days"),
    ):
        ours_seconds, parts = min(ours_runs[shaping], key=lambda run: run[0])
        ours_cpu = min(run[1]["cpu"] for run in ours_runs[shaping])
        print(
            f"add-on Tools > Reschedule with fsrs, {label}: {ours_seconds:.2f} s (plan + preview {parts['plan']:.2f} s"
            f" + original-schedule snapshot {parts['snapshot']:.2f} s + apply {parts['apply']:.2f} s, "
            f"{parts['cards']} cards written; runs: {', '.join(f'{t:.2f}' for t, _ in ours_runs[shaping])})"
        )
        print(
            f"  ratio add-on / Anki: {ours_seconds / anki_seconds:.2f} (target <= 1.5); without the first run's "
            f"snapshot: {(ours_seconds - parts['snapshot']) / anki_seconds:.2f}; CPU {ours_cpu:.2f} s, ratio "
            f"{ours_cpu / min(anki_cpu):.2f}"
        )


if __name__ == "__main__":
    main()
