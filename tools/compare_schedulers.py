#!/usr/bin/env python3
"""Compare schedulers on a collection's review history outside Anki (for plug-in authors).

    .venv/bin/python tools/compare_schedulers.py COLLECTION --scheduler fsrs --scheduler my_file:interval \
        [--days 365] [--seed 0] [--deck NAME ...] [--user-files DIR] [--shaping] [--json]

COLLECTION is a collection file (``collection.anki2``). It is only read, in SQLite's read-only mode, to take a
consistent copy with SQLite's backup API (safe even while Anki has it open) into a temporary folder; Anki opens
and the comparison reads only that copy, which is deleted afterwards. ``module:function`` schedulers are loaded
from ``--user-files`` (default: the add-on's ``user_files`` folder), with the parameters their ``train`` stored in
``trained_params.json`` there.
Prints the same table as Tools > Compare schedulers, or with ``--json`` every figure and per-day series.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def copy_collection(source: Path, target: Path) -> None:
    """A consistent copy of a (possibly open) SQLite collection file; the source is opened read-only."""
    if not source.is_file():
        raise SystemExit(f"no collection file {source}")
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()


def trained_params(user_files: Path, spec: str) -> dict | None:
    path = user_files / "trained_params.json"
    if not path.is_file():
        return None
    try:
        stored = json.loads(path.read_text(encoding="utf-8"))
    except ValueError:
        return None
    params = stored.get(spec) if isinstance(stored, dict) else None
    return params if isinstance(params, dict) else None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("collection", type=Path)
    parser.add_argument(
        "--scheduler",
        action="append",
        required=True,
        help="a built-in (anki, fsrs, example) or module:function; give it two or more times",
    )
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--deck", action="append", default=[], help="limit to these decks (and their subdecks)")
    parser.add_argument("--user-files", type=Path, default=REPO / "user_files")
    parser.add_argument("--json", action="store_true", help="print every figure as JSON")
    parser.add_argument(
        "--shaping",
        action="store_true",
        help="'if applied now' with due-day shaping (fuzz, load balancing) as the dueShaping setting",
    )
    args = parser.parse_args(argv)
    if args.days < 1:
        parser.error("--days must be at least 1")

    from anki_env import register_package  # tools/ is this script's folder

    register_package()
    from anki.collection import Collection

    from polar_bridge.compare import compare, deck_card_ids, table_lines
    from polar_bridge.scheduler import SchedulerError, SchedulerLoadError
    from polar_bridge.schedulers import load_scheduler

    try:
        schedulers = [
            load_scheduler(spec, args.user_files, trained_params(args.user_files, spec)) for spec in args.scheduler
        ]
    except SchedulerLoadError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="compare-schedulers-") as tmp:
        copy = Path(tmp) / "collection.anki2"
        copy_collection(args.collection.resolve(), copy)
        col = Collection(str(copy))
        try:
            card_ids = None
            if args.deck:
                card_ids = deck_card_ids(col, args.deck)

            shown: dict[str, int] = {}

            def progress(phase: str, done: int, total: int) -> None:
                tenth = done * 10 // max(total, 1)
                if not args.json and shown.get(phase) != tenth:
                    shown[phase] = tenth
                    print(f"{phase}: {done}/{total}", file=sys.stderr, flush=True)

            started = time.perf_counter()
            try:
                result = compare(
                    col,
                    schedulers,
                    card_ids,
                    days=args.days,
                    seed=args.seed,
                    on_progress=progress,
                    shaping=args.shaping,
                )
            except SchedulerError as exc:
                print(f"\nerror: {exc}", file=sys.stderr)
                return 1
            elapsed = time.perf_counter() - started
        finally:
            col.close()
    if args.json:
        print(json.dumps(result.to_json(), indent=1))
    else:
        print("\n".join(table_lines(result)))
        print(f"({elapsed:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
