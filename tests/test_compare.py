"""Compare schedulers: metrics against hand-computed values, FSRS figures against Anki's own evaluation, the
simulation against closed-form expectations, determinism, "if applied now", and the headless tool."""

from __future__ import annotations

import hashlib
import json
import math
import random
import subprocess
import sys
import time
from pathlib import Path

import pytest
from anki.collection import Collection
from compare_helpers import crafted_history
from engine_helpers import DAY, Rev, add_card, add_revlog, set_card
from gui_helpers import write_plugin

from polar_bridge.compare import compare, deck_card_ids, table_lines, winners
from polar_bridge.compare_metrics import Prediction, auc, bin_key, log_loss, metrics, recency_weights, rmse_bins
from polar_bridge.compare_sim import STUDY_OFFSET, AnswerProfile, StartCard, simulate
from polar_bridge.scheduler import AnkiDays, SchedulerError
from polar_bridge.schedulers import fsrs_memory, load_scheduler
from polar_bridge.schedulers._vendor.fsrs import DEFAULT_PARAMETERS

REPO = Path(__file__).resolve().parent.parent
TRAINED = [
    0.4,
    1.2,
    3.1,
    15.7,
    7.2,
    0.53,
    1.46,
    0.005,
    1.55,
    0.12,
    1.02,
    1.94,
    0.11,
    0.3,
    2.27,
    0.23,
    2.99,
    0.52,
    0.66,
    0.1,
    0.2,
]


# --- metrics on small logs, by hand ---


def test_log_loss_is_the_mean_binary_cross_entropy() -> None:
    expected = -(math.log(0.9) + math.log(1 - 0.2) + math.log(0.6)) / 3
    assert log_loss([0.9, 0.2, 0.6], [1, 0, 1]) == pytest.approx(expected, rel=1e-12)
    # a certain wrong prediction is clipped, not infinite
    assert math.isfinite(log_loss([1.0], [0]))


def test_auc_counts_pairs_and_half_counts_ties() -> None:
    assert auc([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1]) == pytest.approx(0.75)
    # positives 0.5, 0.9 vs negatives 0.5, 0.2: 0.5 (tie) + 1 + 1 + 1 of 4 pairs
    assert auc([0.5, 0.5, 0.2, 0.9], [1, 0, 0, 1]) == pytest.approx(0.875)
    assert math.isnan(auc([0.3, 0.7], [1, 1]))
    # more positives than negatives, and the other way round (each side looked up in the other): one tie each
    assert auc([0.2, 0.5, 0.9, 0.95, 0.5], [1, 1, 1, 1, 0]) == 2.5 / 4
    assert auc([0.2, 0.5, 0.9, 0.95, 0.5], [0, 0, 0, 0, 1]) == 1.5 / 4


def test_rmse_bins_groups_by_the_benchmarks_bins() -> None:
    # delta 10 days: 2.48 * 3.62 = 8.9776 -> 898; 3 long-term reviews -> length 4 -> 1.99 * 1.89^2 = 7.1 -> 7;
    # 2 lapses -> 1.65 * 1.73 = 2.85 -> 3
    assert bin_key(10, 3, 2) == (898, 7, 3)
    assert bin_key(1, 1, 0) == (248, 4, 0)
    assert bin_key(2, 1, 0) == bin_key(3, 1, 0)  # same bin (3.62 ** 0 .. 3.62 ** 1)
    a, b = bin_key(1, 1, 0), bin_key(10, 3, 2)
    # bin a: mean p 0.8 vs mean y 0.5 (2 predictions); bin b: 0.6 vs 1 (1 prediction)
    expected = math.sqrt((0.3**2 * 2 + 0.4**2 * 1) / 3)
    assert rmse_bins([0.9, 0.7, 0.6], [1, 0, 1], [a, a, b]) == pytest.approx(expected, rel=1e-12)
    weights = [1.0, 3.0, 2.0]  # Anki weighs each bin by its predictions' weights
    assert rmse_bins([0.9, 0.7, 0.6], [1, 0, 1], [a, a, b], weights) == pytest.approx(
        math.sqrt((0.09 * 4 + 0.16 * 2) / 6), rel=1e-12
    )


def test_recency_weights_follow_ankis_evaluate() -> None:
    assert recency_weights(5) == pytest.approx([0.25, 0.25 + 0.75 / 64, 0.25 + 0.75 / 8, 0.25 + 0.75 * 27 / 64, 1.0])
    ordered = metrics([Prediction(2.0, 0.6, 1, (1, 1, 0)), Prediction(1.0, 0.9, 0, (1, 1, 0))])
    # sorted by time: (0.9, y=0) first with weight 0.25, then (0.6, y=1) with weight 1
    assert ordered.anki_log_loss == pytest.approx((-0.25 * math.log(0.1) - math.log(0.6)) / 1.25)
    # answers on the same day keep their order: the two of day 1 get the first two weights, day 2's the last
    tied = metrics(
        [Prediction(2.0, 0.6, 1, (1, 1, 0)), Prediction(1.0, 0.9, 0, (1, 1, 0)), Prediction(1.0, 0.7, 1, (1, 1, 0))]
    )
    weights = (1.0, 0.25, 0.25 + 0.75 / 8)
    losses = (-math.log(0.6), -math.log(0.1), -math.log(0.7))
    assert tied.anki_log_loss == pytest.approx(sum(w * x for w, x in zip(weights, losses)) / sum(weights))


# --- crafted collections ---


def set_preset_params(col: Collection, params: list[float]) -> None:
    config = col.decks.config_dict_for_deck_id(1)
    config["fsrsParams6"] = params
    col.decks.update_config(config)


@pytest.mark.parametrize("params", [None, TRAINED], ids=["default-parameters", "preset-parameters"])
def test_fsrs_figures_agree_with_ankis_own_evaluation(col: Collection, tmp_path: Path, params) -> None:
    crafted_history(col, 250)
    if params is not None:
        set_preset_params(col, params)
    anki = col._backend.evaluate_params_legacy(
        params=params or list(DEFAULT_PARAMETERS), search="", ignore_revlogs_before_ms=0
    )
    fsrs = load_scheduler("fsrs", tmp_path)
    result = compare(col, [fsrs], days=5)
    for figures in (result.reference, result.schedulers[0].quality):
        assert figures is not None and figures.predictions > 2000
        assert figures.anki_log_loss == pytest.approx(anki.log_loss, rel=0.01)
        assert figures.anki_rmse_bins == pytest.approx(anki.rmse_bins, rel=0.01)
    # the built-in's recall is the reference model itself
    assert result.schedulers[0].quality.log_loss == pytest.approx(result.reference.log_loss, rel=1e-9)


RECORDING_PLUGIN = """
    SEEN = []
    COLUMNS = []

    def interval(card):
        return 10 * 86400.0

    def recall(card, elapsed_seconds):
        SEEN.append((card.card_id, len(card.reviews), card.reviews[-1].time, elapsed_seconds))
        columns, reviews = card.answer_columns, card.reviews
        COLUMNS.append(
            (
                list(columns.ratings) == [r.ease for r in reviews],
                list(columns.elapsed_days) == [0] + [r.elapsed_days for r in reviews[1:]],
                list(columns.kinds) == [int(r.kind) for r in reviews],
                (columns.last_time, columns.last_day) == (reviews[-1].time, reviews[-1].day),
            )
        )
        return 0.1 * min(len(card.reviews), 9)
"""


def test_each_prediction_sees_only_the_reviews_before_it(col: Collection, tmp_path: Path) -> None:
    now = time.time()
    card = add_card(col)
    # learn (Good), same-day step (Good), +3 days Good, +5 days Again, same day relearn Good, +10 days Good
    log = [
        Rev(ago=30 * DAY, ease=3, kind=0),
        Rev(ago=30 * DAY - 600, ease=3, kind=0),
        Rev(ago=27 * DAY, ease=3),
        Rev(ago=22 * DAY, ease=1),
        Rev(ago=22 * DAY - 600, ease=3, kind=2),
        Rev(ago=12 * DAY, ease=3),
    ]
    add_revlog(col, card, log, now)
    set_card(col, card, type=2, queue=2, due=col.sched.today + 5, ivl=10)
    write_plugin(tmp_path, "recorder", RECORDING_PLUGIN)
    plugin = load_scheduler("recorder:interval", tmp_path)
    result = compare(col, [plugin], days=3, now=now)
    quality = result.schedulers[0].quality
    # predicted: the 3rd (2 reviews before it), 4th (3 before) and 6th answer (5 before); not the first answer,
    # not the same-day ones
    assert quality.predictions == 3
    expected = -(math.log(0.2) + math.log(1 - 0.3) + math.log(0.5)) / 3
    assert quality.log_loss == pytest.approx(expected, rel=1e-12)
    seen = sys.modules[plugin.recall.__module__].SEEN
    # the answer columns are those of the same answers
    assert sys.modules[plugin.recall.__module__].COLUMNS == [(True, True, True, True)] * 3
    times = [now - r.ago for r in log]
    assert [(n, round(last), round(elapsed)) for _cid, n, last, elapsed in seen] == [
        (2, round(times[1]), round(times[2] - times[1])),
        (3, round(times[2]), round(times[3] - times[2])),
        (5, round(times[4]), round(times[5] - times[4])),
    ]


def test_a_scheduler_without_recall_gets_no_prediction_figures(col: Collection, tmp_path: Path) -> None:
    crafted_history(col, 20)
    result = compare(col, [load_scheduler("example", tmp_path), load_scheduler("fsrs", tmp_path)], days=10)
    assert result.schedulers[0].quality is None
    assert result.winners["logLoss"] == "fsrs"
    assert "-" in table_lines(result)[2]  # example's log loss cell


def test_recall_gets_trained_params_when_it_takes_them(col: Collection, tmp_path: Path) -> None:
    crafted_history(col, 30)
    default = compare(col, [load_scheduler("fsrs", tmp_path)], days=2).schedulers[0].quality
    trained = compare(col, [load_scheduler("fsrs", tmp_path, {"params": TRAINED})], days=2).schedulers[0].quality
    assert trained.log_loss != pytest.approx(default.log_loss)
    set_preset_params(col, TRAINED)
    preset = compare(col, [load_scheduler("fsrs", tmp_path)], days=2).schedulers[0].quality
    assert preset.log_loss == pytest.approx(trained.log_loss, rel=1e-9)


# --- simulation ---


CONSTANT = """
    def interval(card):
        return 10 * 86400.0
"""


def test_simulation_matches_closed_form_for_a_constant_interval(col: Collection, tmp_path: Path) -> None:
    """Every card reviewed exactly every 10 days whatever the answer: reviews/day is deterministic; the recall
    probability of the first simulated review is FSRS-6's R(elapsed, S) of the history; the share of passed
    answers (seen in the minutes, since passing and failing take different times) follows it."""
    days = AnkiDays.from_collection(col)
    start_day = days.today - 10
    n = 3000
    model = fsrs_memory.model(DEFAULT_PARAMETERS)
    session = days.day_start(days.today) + STUDY_OFFSET
    last = days.day_start(start_day) + STUDY_OFFSET
    write_plugin(tmp_path, "constant", CONSTANT)
    scheduler = load_scheduler("constant:interval", tmp_path)
    start = []
    from polar_bridge.scheduler import CardHistory, Review, ReviewKind

    for i in range(n):
        history = CardHistory(
            card_id=i + 1,
            note_id=i + 1,
            deck_id=1,
            ordinal=0,
            created=0.0,
            type=2,
            queue=2,
            due=days.today,
            interval_days=10,
            factor=2500,
            reps=1,
            lapses=0,
            reviews=(Review(last, 3, 10 * DAY, 0.0, 2500, 5.0, ReviewKind.LEARN),),
            days=days,
        )
        start.append(StartCard(history, model, model.first(3), last + 10 * DAY, 1))
    profile = AnswerProfile(pass_ratings=(0.0, 1.0, 0.0), seconds={("review", 3): 10.0, ("review", 1): 30.0})
    result = simulate(start, scheduler.interval, scheduler.name, profile, days, {}, n_days=30, seed=7)
    assert result.reviews_per_day == [n if d % 10 == 0 else 0 for d in range(30)]
    p = model.retrievability(DEFAULT_PARAMETERS[2], (session - last) / DAY)
    assert result.retention_per_day[0] == pytest.approx(p, rel=1e-9)
    passed = (n * 30 - result.minutes_per_day[0] * 60) / 20  # minutes = (30 n - 20 passed) / 60
    assert abs(passed / n - p) < 4 * math.sqrt(p * (1 - p) / n)
    assert result.average_reviews == pytest.approx(n * 3 / 30)


def test_same_seed_same_numbers_other_seed_other_numbers(col: Collection, tmp_path: Path) -> None:
    crafted_history(col, 60)
    for _ in range(20):
        add_card(col)
    schedulers = [load_scheduler("fsrs", tmp_path), load_scheduler("example", tmp_path)]
    now = time.time()
    first = compare(col, schedulers, days=60, seed=11, now=now).to_json()
    again = compare(col, schedulers, days=60, seed=11, now=now).to_json()
    other = compare(col, schedulers, days=60, seed=12, now=now).to_json()
    assert first == again
    assert first["schedulers"][0]["simulation"] != other["schedulers"][0]["simulation"]
    assert sum(first["schedulers"][0]["simulation"]["reviewsPerDay"]) > 0


BUILTIN_AS_PLUGIN = """
    from polar_bridge.schedulers import example, fsrs_builtin

    def fsrs(card, params):
        return fsrs_builtin.interval(card, params)

    def example_interval(card):
        return example.interval(card)
"""


@pytest.mark.parametrize(
    ("builtin", "as_plugin", "params"),
    [("fsrs", "fsrs", None), ("fsrs", "fsrs", TRAINED), ("example", "example_interval", None)],
    ids=["fsrs-preset", "fsrs-trained", "example"],
)
def test_simulated_builtin_gives_what_its_interval_gives_the_grown_histories(
    col: Collection, tmp_path: Path, builtin: str, as_plugin: str, params
) -> None:
    """The simulation asks the `fsrs` and `example` built-ins for their intervals without a history per answer;
    the same function run as a plug-in gets a history per answer: the two simulations agree number for number
    (learning and relearning steps, new cards, histories starting mid-way from an SM-2 state, preset and trained
    parameters)."""
    crafted_history(col, 40)
    now = time.time()
    for _ in range(10):  # logs that start mid-history (no learning answers): Anki's inferred starting state
        cid = add_card(col)
        add_revlog(col, cid, [Rev(ago=40 * DAY, ease=3, ivl=12, factor=2300), Rev(ago=9 * DAY, ease=1)], now)
        set_card(col, cid, type=2, queue=2, due=col.sched.today + 2, ivl=12, factor=2300, reps=2, lapses=1)
    for _ in range(15):
        add_card(col)
    write_plugin(tmp_path, "as_plugin", BUILTIN_AS_PLUGIN)
    trained = {"params": params} if params else None
    schedulers = [
        load_scheduler(builtin, tmp_path, params=trained),
        load_scheduler(f"as_plugin:{as_plugin}", tmp_path, params=trained),
    ]
    result = compare(col, schedulers, days=120, seed=5, now=now).to_json()
    simulated = [scheduler["simulation"] for scheduler in result["schedulers"]]
    assert simulated[0]["totalReviews"] > 100
    assert simulated[0] == simulated[1]


def test_new_cards_come_in_at_the_presets_daily_limit(col: Collection, tmp_path: Path) -> None:
    config = col.decks.config_dict_for_deck_id(1)
    config["new"]["perDay"] = 7
    col.decks.update_config(config)
    for _ in range(30):
        add_card(col)
    result = compare(col, [load_scheduler("example", tmp_path)], days=6)
    sim = result.schedulers[0].simulation
    assert sim.new_per_day == [7, 7, 7, 7, 2, 0]  # until the 30 cards are used up
    assert all(reviews >= new for reviews, new in zip(sim.reviews_per_day, sim.new_per_day))
    assert 0 < sim.known_at_end <= 30


# --- if applied now ---


def test_applied_now_counts_cards_moved_earlier_and_later(col: Collection, tmp_path: Path) -> None:
    now = time.time()
    today = col.sched.today
    early = add_card(col)
    add_revlog(col, early, [Rev(ago=2 * DAY, ease=3, kind=0)], now)
    set_card(col, early, type=2, queue=2, due=today + 20, ivl=22)
    late = add_card(col)
    add_revlog(col, late, [Rev(ago=2 * DAY, ease=3, kind=0)], now)
    set_card(col, late, type=2, queue=2, due=today, ivl=2)
    write_plugin(tmp_path, "constant", CONSTANT)  # 10 days after the last review: due in 8 days
    result = compare(col, [load_scheduler("constant:interval", tmp_path)], days=2, now=now)
    applied = result.schedulers[0].applied
    assert (applied.rescheduled, applied.moved_earlier, applied.moved_later) == (2, 1, 1)
    assert applied.due_today == (1, 0)
    assert applied.due_week == (1, 0)
    assert applied.due_month == (2, 2)


def test_winners_pick_low_or_high_per_measure(col: Collection, tmp_path: Path) -> None:
    crafted_history(col, 40)
    result = compare(col, [load_scheduler("fsrs", tmp_path), load_scheduler("example", tmp_path)], days=30)
    table = {row["name"]: row for row in result.to_json()["schedulers"]}
    for key, pick in (("averageReviewsPerDay", min), ("knownAtEnd", max)):
        best = pick(table, key=lambda name: table[name]["simulation"][key])
        expected_key = {"averageReviewsPerDay": "reviewsPerDay", "knownAtEnd": "knownAtEnd"}[key]
        assert winners(result.schedulers)[expected_key] == best


# --- headless tool ---


def run_tool(*args: object) -> subprocess.CompletedProcess:
    command = [sys.executable, str(REPO / "tools" / "compare_schedulers.py"), *map(str, args)]
    return subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)


def test_tool_compares_on_a_copy_and_prints_json(tmp_path: Path) -> None:
    path = tmp_path / "collection.anki2"
    col = Collection(str(path))
    crafted_history(col, 30)
    col.close()
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    user_files = tmp_path / "user_files"
    write_plugin(user_files, "constant", CONSTANT)
    out = run_tool(
        path,
        "--scheduler",
        "fsrs",
        "--scheduler",
        "constant:interval",
        "--days",
        "20",
        "--json",
        "--user-files",
        user_files,
    )
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert [s["name"] for s in data["schedulers"]] == ["fsrs", "constant:interval"]
    assert len(data["schedulers"][1]["simulation"]["reviewsPerDay"]) == 20
    assert data["winners"]["logLoss"] == "fsrs"
    assert hashlib.sha256(path.read_bytes()).hexdigest() == digest, "the original collection was not touched"
    table = run_tool(path, "--scheduler", "fsrs", "--scheduler", "nope:interval", "--user-files", user_files)
    assert table.returncode == 2 and "nope" in table.stderr


def test_a_deck_scope_compares_only_that_decks_cards(col: Collection, tmp_path: Path) -> None:
    deck = col.decks.id('Lang "A"::Verbs')  # quotes and subdecks: the scope escapes the name
    for _ in range(3):
        add_card(col, deck)
    crafted_history(col, 5)  # in Default
    result = compare(col, [load_scheduler("example", tmp_path)], deck_card_ids(col, ['Lang "A"']), days=3)
    assert (result.cards, result.reviewed_cards) == (3, 0)
    everything = compare(col, [load_scheduler("example", tmp_path)], days=3)
    assert (everything.cards, everything.reviewed_cards) == (8, 5)


def test_remembered_replay_steps_exactly_as_a_full_replay() -> None:
    """The evaluation and simulation grow histories one answer at a time; the remembered state must be the state
    a full replay gives (same ratings and Anki days, same start)."""
    rng = random.Random(5)
    model = fsrs_memory.Fsrs6(TRAINED)
    fresh = fsrs_memory.Fsrs6(TRAINED)
    for card_id in range(50):
        ratings = [rng.choice([1, 2, 3, 4])]
        elapsed = [0]
        start = None if card_id % 2 else (3.0, 6.5)
        for _ in range(25):
            grown = rng.choice([1, 1, 2, 3])  # one answer at a time, or several (learning steps skip a call)
            ratings = [*ratings, *(rng.choice([1, 2, 3, 3, 3, 4]) for _ in range(grown))]
            elapsed = [*elapsed, *(rng.choice([0, 0, 1, 3, 9, 40]) for _ in range(grown))]
            first = 0 if start is None else 1
            assert model.remembered_replay(card_id, ratings, elapsed, first, start) == fsrs_memory.replay_answers(
                fresh, ratings, elapsed, first, start
            )


PARTIAL = """
    def interval(card):
        return 5 * 86400.0

    def recall(card, elapsed_seconds):
        if len(card.reviews) % 2:
            return None  # no opinion on this one
        return 0.7
"""

BROKEN = """
    def interval(card):
        return 5 * 86400.0

    def recall(card, elapsed_seconds):
        return 1.5
"""


def test_recall_may_abstain_but_not_return_nonsense(col: Collection, tmp_path: Path) -> None:
    crafted_history(col, 20)
    write_plugin(tmp_path, "partial", PARTIAL)
    write_plugin(tmp_path, "broken", BROKEN)
    result = compare(col, [load_scheduler("partial:interval", tmp_path), load_scheduler("fsrs", tmp_path)], days=3)
    partial, fsrs = result.schedulers
    assert 0 < partial.quality.predictions < fsrs.quality.predictions
    with pytest.raises(SchedulerError, match="broken:interval.*1.5"):
        compare(col, [load_scheduler("broken:interval", tmp_path)], days=3)
