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


def fresh_copy(source: Path, copy: Path, memo_from: Path | None = None) -> Path:
    """A copy of the collection as the source has it: no original-schedule snapshot, and no history memo unless
    ``memo_from`` (a copy rescheduled before) lends its own: a repeated run (same logs, schedule as at first)."""
    shutil.copy(source, copy)
    copy.with_name(copy.stem + ".polar-bridge-original-schedule.bin").unlink(missing_ok=True)
    memo = copy.with_name(copy.stem + ".polar-bridge-history-memo.bin")
    memo.unlink(missing_ok=True)
    if memo_from is not None:
        shutil.copy(memo_from.with_name(memo_from.stem + ".polar-bridge-history-memo.bin"), memo)
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
    variants = [(shaping, repeated) for repeated in (False, True) for shaping in (True, False)]
    ours_runs: dict[tuple[bool, bool], list[tuple[float, dict]]] = {variant: [] for variant in variants}
    anki_intervals: dict[int, int] = {}
    for _ in range(args.rounds):
        first = out / "ours-first.anki2"
        for shaping, repeated in variants:
            copy = fresh_copy(source, out / "ours-copy.anki2", first) if repeated else fresh_copy(source, first)
            ours_runs[shaping, repeated].append(addon_reschedule(copy, shaping))
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
    labels = {True: "dueShaping on (the default: fuzz, load balancer, Easy Days)", False: "exact days"}
    for shaping, repeated in variants:
        runs = ours_runs[shaping, repeated]
        label = labels[shaping] + (
            ", repeated run (history memo of an earlier run; schedule as at first)" if repeated else ", first run"
        )
        ours_seconds, parts = min(runs, key=lambda run: run[0])
        ours_cpu = min(run[1]["cpu"] for run in runs)
        print(
            f"add-on Tools > Reschedule with fsrs, {label}: {ours_seconds:.2f} s (plan + preview {parts['plan']:.2f} s"
            f" + original-schedule snapshot {parts['snapshot']:.2f} s + apply {parts['apply']:.2f} s, "
            f"{parts['cards']} cards written; runs: {', '.join(f'{t:.2f}' for t, _ in runs)})"
        )
        print(
            f"  ratio add-on / Anki: {ours_seconds / anki_seconds:.2f} (target <= 1.5); without the first run's "
            f"snapshot: {(ours_seconds - parts['snapshot']) / anki_seconds:.2f}; CPU {ours_cpu:.2f} s, ratio "
            f"{ours_cpu / min(anki_cpu):.2f}"
        )


if __name__ == "__main__":
    main()
