"""Benchmark: what due-day shaping costs, against Anki's own "reschedule cards on change" of the same cards.

    .venv/bin/python bench/bench_shaping.py [--cards 100000]

Builds a temp collection of review cards with identical histories (tests/test_due_shaping.py's builder), then on
fresh copies times plan + apply of the engine with a constant-interval plug-in (73 days) three ways: exact days,
shaped with the load balancer off (fuzz only), shaped with it on (Anki's default); and, as the baseline measured
in the same run, Anki's Rust FSRS reschedule-on-change (load balancer on) of the same cards. Prints each time and
its ratio to the baseline, plus the largest day's load of both (the balancer's effect), and what setting up the
shaper costs (paid once per run, and once per answer when rescheduling after each review).
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))
sys.path.insert(0, str(REPO / "bench"))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cards", type=int, default=100_000)
    args = parser.parse_args()
    from bench_reschedule import _register_package

    _register_package()
    from anki.collection import Collection
    from test_due_shaping import (
        LAST_REVIEW_DAYS_AGO,
        PLUGIN_DAYS,
        anki_fsrs_reschedule,
        build_identical_cards,
        constant_days,
    )

    from polar_bridge.due_shaping import DueShaper
    from polar_bridge.reschedule import apply_plan, plan_reschedule

    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "source.anki2"
        build_identical_cards(source, args.cards)

        def fresh(name: str) -> Collection:
            target = Path(tmp) / f"{name}.anki2"
            shutil.copy(source, target)
            return Collection(str(target))

        def peak(col: Collection) -> int:
            last_day = col.sched.today - LAST_REVIEW_DAYS_AGO
            return max(Counter(due - last_day for (due,) in col.db.all("select due from cards")).values())

        col = fresh("setup")
        start = time.perf_counter()
        for _ in range(10):
            DueShaper.from_collection(col, shape=True)  # what each answer (and its buttons) pays with the balancer
        print(
            f"{args.cards} cards; DueShaper.from_collection with the load balancer on: "
            f"{(time.perf_counter() - start) * 100:.1f} ms"
        )
        col.close()
        col = fresh("anki")
        start = time.perf_counter()
        anki_fsrs_reschedule(col)
        baseline = time.perf_counter() - start
        anki_peak = peak(col)
        col.close()
        print(
            f"{args.cards} cards; baseline Anki FSRS reschedule on change (load balancer on): {baseline:.2f} s, "
            f"busiest day {anki_peak} cards"
        )
        for label, shape, balance in (
            ("exact days", False, False),
            ("fuzz only", True, False),
            ("fuzz + load balancer + Easy Days", True, True),
        ):
            col = fresh(label.split()[0])
            col.load_balancer_enabled = balance
            start = time.perf_counter()
            shaper = DueShaper.from_collection(col, shape=shape)
            apply_plan(col, plan_reschedule(col, constant_days(PLUGIN_DAYS), due_day=shaper))
            elapsed = time.perf_counter() - start
            print(
                f"engine, {label}: {elapsed:.2f} s = {elapsed / baseline:.1f}x baseline, busiest day {peak(col)} cards"
            )
            col.close()


if __name__ == "__main__":
    main()
