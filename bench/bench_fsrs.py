"""The `fsrs` built-in against Anki's own FSRS on a realistic collection: agreement and speed, in one run.

Builds (once, cached under bench/out/) a collection with mixed realistic histories (`tools/sample_collection.py`:
learning steps, lapses, Hard/Easy, reviews at all hours, Forget/reset, cram and rescheduling filtered decks, Set
Due Date and FSRS-reschedule entries, logs that start mid-history), then on fresh copies:

- Anki: turn FSRS on with "Reschedule cards on change" (what Anki does in the deck options), timed;
- the add-on: Tools > Reschedule with the `fsrs` built-in as the GUI runs it (plan, preview forecast, apply),
  timed;
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


def addon_reschedule(path: Path) -> tuple[float, dict]:
    from polar_bridge.reschedule import apply_plan, due_forecast, plan_reschedule, save_original_schedule
    from polar_bridge.schedulers import load_scheduler

    col = Collection(str(path))
    try:
        scheduler = load_scheduler("fsrs", ROOT / "user_files")
        started, cpu_started = time.perf_counter(), time.process_time()
        plan = plan_reschedule(col, scheduler)
        planned = time.perf_counter()
        due_forecast(col, plan)
        previewed = time.perf_counter()
        save_original_schedule(col)  # apply_plan does this first; timed apart: it happens on the first run only
        snapshot = time.perf_counter()
        apply_plan(col, plan)
        done = time.perf_counter()
        return done - started, {
            "plan": planned - started,
            "preview": previewed - planned,
            "snapshot": snapshot - previewed,
            "apply": done - snapshot,
            "cards": len(plan),
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
    ours_runs: list[tuple[float, dict]] = []
    anki_intervals: dict[int, int] = {}
    for _ in range(args.rounds):
        ours_copy = fresh_copy(source, out / "ours-copy.anki2")
        ours_runs.append(addon_reschedule(ours_copy))
        anki_copy = fresh_copy(source, out / "anki-copy.anki2")
        col = Collection(str(anki_copy))
        try:
            cpu_started = time.process_time()
            anki_runs.append(reference.enable_anki_fsrs(col, reschedule=True))
            anki_cpu.append(time.process_time() - cpu_started)
            anki_intervals = reference.anki_fsrs_intervals(col)
        finally:
            col.close()
    anki_seconds = min(anki_runs)
    ours_seconds, parts = min(ours_runs, key=lambda run: run[0])
    col = Collection(str(source))
    try:
        ours = reference.builtin_intervals(col)
    finally:
        col.close()
    agreement = reference.agreement(anki_intervals, ours)

    print(f"collection: {args.cards} cards, {revlogs} revlog rows (seed {args.seed})")
    print(
        f"agreement with Anki's FSRS on {agreement.cards} review cards: same day {100 * agreement.exact_share:.2f} %, "
        f"within 1 day {100 * agreement.within_one_share:.2f} %, worst {agreement.worst} days "
        f"(card {agreement.worst_card})"
    )
    print(
        f"Anki's own FSRS reschedule (deck options, reschedule cards on change): {anki_seconds:.2f} s "
        f"(runs: {', '.join(f'{t:.2f}' for t in anki_runs)})"
    )
    print(
        f"add-on Tools > Reschedule with fsrs (plan {parts['plan']:.2f} s + preview {parts['preview']:.2f} s + "
        f"original-schedule snapshot {parts['snapshot']:.2f} s + apply {parts['apply']:.2f} s, "
        f"{parts['cards']} cards written): {ours_seconds:.2f} s"
    )
    print(
        f"ratio add-on / Anki: {ours_seconds / anki_seconds:.2f} (target <= 1.5); without the first run's "
        f"snapshot: {(ours_seconds - parts['snapshot']) / anki_seconds:.2f}"
    )
    ours_cpu = min(run[1]["cpu"] for run in ours_runs)
    print(
        f"CPU time (steadier on a shared machine): add-on {ours_cpu:.2f} s, Anki {min(anki_cpu):.2f} s, "
        f"ratio {ours_cpu / min(anki_cpu):.2f}"
    )


if __name__ == "__main__":
    main()
