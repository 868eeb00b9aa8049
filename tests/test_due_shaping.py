"""Due-day shaping against Anki itself: fuzz per card as Anki's backend computes it, the load balancer and Easy
Days compared with Anki's own "reschedule cards on change" (FSRS) of the same 10,000 cards, exact days when off."""

from __future__ import annotations

import shutil
import time
from collections import Counter
from pathlib import Path

import pytest
import sample_collection
from anki.collection import Collection
from anki.deck_config_pb2 import UpdateDeckConfigsRequest

from polar_bridge.due_shaping import (
    BacklogCard,
    DueShaper,
    constrained_fuzz_bounds,
    first_random_u32,
    first_random_u32_many,
    fuzz_factor,
    reschedule_fuzz_seed,
    select_weighted_interval,
    spread_backlog,
    suggested_spread_days,
    with_review_fuzz,
)
from polar_bridge.reschedule import apply_plan, plan_reschedule
from polar_bridge.scheduler import AnkiDays, LoadedScheduler

DAY = 86_400
CARDS = 10_000
# Every card: learned 60 days ago, Good after 10 days, Good 20 days ago (interval 30). Anki's FSRS gives them all
# the same memory state, so its reschedule-on-change gives them one interval (73 days with default parameters).
LAST_REVIEW_DAYS_AGO = 20
HISTORY = ((60, -600, 0), (59, 10, 1), (LAST_REVIEW_DAYS_AGO, 30, 1))
PLUGIN_DAYS = 73


def build_identical_cards(path: Path, cards: int = CARDS) -> tuple[list[int], float]:
    """A collection of `cards` review cards with identical histories (bulk SQL). Returns (card ids, now)."""
    col = Collection(str(path))
    try:
        now = time.time()
        today = col.sched.today
        mid = col.models.by_name("Basic")["id"]
        base = int(now) * 1000 - 10**9
        notes, card_rows, revlogs = [], [], []
        for n in range(cards):
            cid = base + n
            notes.append((cid, f"g{n}", mid, int(now), -1, "", f"front {n}\x1fback", f"front {n}", 0, 0, ""))
            card_rows.append(
                (cid, cid, 1, 0, int(now), -1, 2, 2, today + 10, 30, 2500, len(HISTORY), 0, 0, 0, 0, 0, "{}")
            )
            for ago, ivl, kind in HISTORY:
                revlogs.append((int((now - ago * DAY) * 1000) + n, cid, -1, 3, ivl, 0, 2500, 4000, kind))

        col.db.transact(lambda: sample_collection.insert_rows(col, notes, card_rows, revlogs))
        return [r[0] for r in card_rows], now
    finally:
        col.close()


def constant_days(days: int) -> LoadedScheduler:
    """A plug-in that puts every card `days` days after its last review (on that day, whatever the hour)."""

    def interval(card):
        last = card.last_review
        return card.days.day_start(card.days.day_of(last.time) + days) + 3600 - last.time

    return LoadedScheduler(name=f"every {days} days", interval=interval)


def set_easy_days(col: Collection, percentages: list[float]) -> None:
    conf = col.decks.config_dict_for_deck_id(1)
    conf["easyDaysPercentages"] = percentages
    col.decks.update_config(conf)


def anki_fsrs_reschedule(col: Collection) -> None:
    """Anki's own "Reschedule cards on change": turn FSRS on for the Default preset with rescheduling."""
    update = col.decks.get_deck_configs_for_update(1)
    col.decks.update_deck_configs(
        UpdateDeckConfigsRequest(
            target_deck_id=1,
            configs=[c.config for c in update.all_config],
            fsrs=True,
            fsrs_reschedule=True,
            limits=update.current_deck.limits,
        )
    )


def intervals_after(col: Collection, last_day: int) -> list[int]:
    return [due - last_day for (due,) in col.db.all("select due from cards order by id")]


def our_reschedule(col: Collection, shape: bool = True) -> DueShaper:
    shaper = DueShaper.from_collection(col, shape=shape)
    apply_plan(col, plan_reschedule(col, constant_days(PLUGIN_DAYS), due_day=shaper))
    return shaper


@pytest.fixture(scope="module")
def identical(tmp_path_factory) -> tuple[Path, float]:
    path = tmp_path_factory.mktemp("identical") / "collection.anki2"
    _ids, now = build_identical_cards(path)
    return path, now


def copy_of(source: Path, tmp_path: Path) -> Collection:
    tmp_path.mkdir(parents=True, exist_ok=True)
    target = tmp_path / "collection.anki2"
    shutil.copy(source, target)
    return Collection(str(target))


def test_fuzz_is_the_day_ankis_backend_gives_each_card(identical, tmp_path: Path) -> None:
    """With the load balancer off, each card lands on exactly the day Anki's own fuzz (col.fuzz_delta, seeded by
    card id and reps like a reschedule) gives, for every interval length."""
    col = copy_of(identical[0], tmp_path)
    try:
        rows = col.db.all("select id, reps from cards order by id limit 2000")
        for reps_delta, interval in ((0, 3), (0, 7), (5, 13), (11, 40), (3, 73), (0, 120), (7, 400)):
            for cid, reps in rows:
                col.db.execute("update cards set reps = ? where id = ?", reps + reps_delta, cid)
                ours = with_review_fuzz(
                    fuzz_factor(reschedule_fuzz_seed(cid, reps + reps_delta)), float(interval), 1, 36_500
                )
                assert ours - interval == col.fuzz_delta(cid, interval), (cid, interval)
                col.db.execute("update cards set reps = ? where id = ?", reps, cid)
        col.load_balancer_enabled = False
        last_day = col.sched.today - LAST_REVIEW_DAYS_AGO
        expected = [
            PLUGIN_DAYS + col.fuzz_delta(cid, PLUGIN_DAYS) for (cid,) in col.db.all("select id from cards order by id")
        ]
        our_reschedule(col)
        assert intervals_after(col, last_day) == expected
        assert len(set(expected)) > 5, "the fuzz spreads cards"
    finally:
        col.close()


def test_load_balancer_matches_ankis_own_reschedule_of_the_same_cards(identical, tmp_path: Path) -> None:
    anki_col = copy_of(identical[0], tmp_path / "anki")
    ours_col = copy_of(identical[0], tmp_path / "ours")
    try:
        assert anki_col.load_balancer_enabled and ours_col.load_balancer_enabled  # Anki's default
        last_day = anki_col.sched.today - LAST_REVIEW_DAYS_AGO
        anki_fsrs_reschedule(anki_col)
        anki_ivls = intervals_after(anki_col, last_day)
        our_reschedule(ours_col)
        our_ivls = intervals_after(ours_col, last_day)
    finally:
        anki_col.close()
        ours_col.close()
    lower, upper = constrained_fuzz_bounds(float(PLUGIN_DAYS), 1, 36_500)
    # both stay in (and use all of) the same fuzz range
    assert set(anki_ivls) == set(range(lower, upper + 1))
    assert set(our_ivls) == set(range(lower, upper + 1))
    anki_load, our_load = Counter(anki_ivls), Counter(our_ivls)
    print(f"\ncards per day, Anki: {sorted(anki_load.items())}\ncards per day, ours: {sorted(our_load.items())}")
    # no day carries more than the load balancer lets Anki put there: peak and spread within 10 % of Anki's
    assert max(our_load.values()) <= 1.1 * max(anki_load.values())
    anki_spread = max(anki_load.values()) - min(anki_load.values())
    assert max(our_load.values()) - min(our_load.values()) <= 1.1 * anki_spread + 5
    for day in range(lower, upper + 1):
        neighbours = [our_load[d] for d in (day - 1, day + 1) if lower <= d <= upper]
        assert our_load[day] <= 1.25 * max(neighbours)


def test_easy_days_are_respected_like_anki_does(identical, tmp_path: Path) -> None:
    anki_col = copy_of(identical[0], tmp_path / "anki")
    ours_col = copy_of(identical[0], tmp_path / "ours")
    try:
        last_day = anki_col.sched.today - LAST_REVIEW_DAYS_AGO
        days = AnkiDays.from_collection(ours_col)
        weekday_of = {ivl: time.localtime(days.day_start(last_day + ivl) + 3600).tm_wday for ivl in range(60, 90)}
        # Monday first: Sunday minimum (0.0), Saturday reduced (0.5), the rest normal
        for col in (anki_col, ours_col):
            set_easy_days(col, [1.0, 1.0, 1.0, 1.0, 1.0, 0.5, 0.0])
        anki_fsrs_reschedule(anki_col)
        our_reschedule(ours_col)
        per_weekday = {}
        for name, col in (("anki", anki_col), ("ours", ours_col)):
            load = Counter(weekday_of[i] for i in intervals_after(col, last_day))
            per_weekday[name] = load
    finally:
        anki_col.close()
        ours_col.close()
    print(f"\ncards per weekday (Mon=0): {per_weekday}")
    ours, anki = per_weekday["ours"], per_weekday["anki"]
    normal = [ours[d] for d in range(5) if ours[d]]
    assert ours[6] <= max(2, 1.1 * anki[6]), "Sunday (minimum) gets no more than Anki puts there"
    assert ours[5] <= 0.6 * (sum(normal) / len(normal)), "Saturday (reduced) gets at most about half"
    assert ours[5] <= 1.2 * anki[5] + 5


def test_shaping_off_puts_every_card_on_its_exact_day(identical, tmp_path: Path) -> None:
    col = copy_of(identical[0], tmp_path)
    try:
        last_day = col.sched.today - LAST_REVIEW_DAYS_AGO
        our_reschedule(col, shape=False)
        assert set(intervals_after(col, last_day)) == {PLUGIN_DAYS}
    finally:
        col.close()


def test_overdue_backlog_is_recorded_and_spread_oldest_first(identical, tmp_path: Path) -> None:
    col = copy_of(identical[0], tmp_path)
    try:
        today = col.sched.today
        shaper = DueShaper.from_collection(col, shape=True)
        plan = plan_reschedule(col, constant_days(5), due_day=shaper.due_day)  # 5 days after 20 days ago: overdue
        assert len(shaper.backlog) == CARDS
        assert all(plan.dues[i] == today for i in range(len(plan)))
        days = suggested_spread_days(shaper.backlog, shaper.presets)
        assert days == CARDS // 200  # the preset's 200 reviews a day
        moved = spread_backlog(plan, shaper.backlog, days, today)
        apply_plan(col, plan)
        load = Counter(due for (due,) in col.db.all("select due from cards"))
        assert sorted(load) == list(range(today, today + days))
        assert max(load.values()) <= 200
        oldest = sorted(shaper.backlog, key=lambda c: (c.day, c.card_id))
        assert moved[oldest[0].card_id] == today and moved[oldest[-1].card_id] == today + days - 1
        ivl = col.db.scalar("select ivl from cards where id = ?", oldest[-1].card_id)
        assert ivl == today + days - 1 - (today - LAST_REVIEW_DAYS_AGO)
    finally:
        col.close()


def test_random_numbers_drawn_many_at_once_are_the_ones_drawn_one_by_one() -> None:
    """The load balancer draws every card's random number of a chunk at once, each seed a lane of one big integer:
    no lane may leak into another, so each number is the one its seed gives alone (and that one is Anki's: the fuzz
    and load-balancer tests above compare the days with Anki's own)."""
    import random

    rng = random.Random(4)
    seeds = [0, 1, 2**64 - 1, 2**63] + [rng.getrandbits(64) for _ in range(3000)]
    seeds += [1_700_000_000_000 + k for k in range(1500)]  # card ids + reps, as the shaper seeds them
    assert first_random_u32_many(seeds) == [first_random_u32(seed) for seed in seeds]
    assert first_random_u32_many([]) == []


def test_load_balancer_day_is_the_one_anki_f32_arithmetic_picks_even_at_a_boundary() -> None:
    """The weighted pick sums in f64 first and redoes the sums in f32 only near a boundary between two days: for
    random loads, Easy Days modifiers and draws, and for draws placed within a few f32 steps of each boundary
    (where f64 and f32 sums disagree), it picks the day Rust's f32 ``WeightedIndex`` picks."""
    import random
    import struct

    from polar_bridge.due_shaping import _select_weighted_f32, _weights

    def f32_neighbours(value: float) -> list[float]:
        bits = struct.unpack("<I", struct.pack("<f", value))[0]
        return [struct.unpack("<f", struct.pack("<I", bits + step))[0] for step in range(-3, 4) if bits + step > 0]

    rng = random.Random(11)
    checked = near_boundary = 0
    for _ in range(400):
        first = rng.randint(1, 400)
        counts = [rng.choice([0, rng.randint(1, 9), rng.randint(50, 5000)]) for _ in range(rng.randint(2, 90))]
        modifiers = [rng.choice([1.0, 0.5, 0.0001]) for _ in counts] if rng.random() < 0.3 else None
        weights = _weights(first, counts, modifiers)
        units = [(rng.getrandbits(32) >> 9) / 8_388_608.0 for _ in range(20)]
        running = 0.0
        f32_sum = struct.Struct("<f")
        for weight in weights[:-1]:  # draws right at each f32 running sum, in units of the f32 total
            running = f32_sum.unpack(f32_sum.pack(running + weight))[0]
            total = sum(weights)
            units += [u for u in f32_neighbours(running / total) if 0.0 <= u < 1.0]
        for unit in units:
            expected = _select_weighted_f32(first, weights, unit)
            assert select_weighted_interval(first, counts, modifiers, unit) == expected, (first, counts, unit)
            checked += 1
        near_boundary += len(units) - 20
    assert checked > 10_000 and near_boundary > 5_000


def test_spread_suggestion_follows_the_backlog_size() -> None:
    from polar_bridge.due_shaping import PresetRules

    presets = {1: PresetRules(1, "Default", reviews_per_day=100)}
    backlog = [BacklogCard(i, -i, -30, 1) for i in range(250)]
    assert suggested_spread_days(backlog, presets) == 3
    assert suggested_spread_days(backlog[:50], presets) == 1


def test_answer_buttons_preview_the_day_the_after_review_reschedule_writes(identical, tmp_path: Path) -> None:
    """The buttons show DueShaper.preview_day; after the answer, the reschedule of that card writes that day (same
    seed, same load), with the load balancer on and 10,000 other cards in the preset."""
    from gui_helpers import answer

    from polar_bridge.reschedule import answer_intervals
    from polar_bridge.reschedule_ops import reschedule_answered_card

    col = copy_of(identical[0], tmp_path)
    try:
        today = col.sched.today
        card_ids = col.db.list("select id from cards order by id limit 40")
        col.db.execute(f"update cards set due = {today} where id in ({','.join(map(str, card_ids))})")
        scheduler = constant_days(30)
        shown_days = []
        for cid in card_ids:
            card = col.get_card(cid)
            days = AnkiDays.from_collection(col)
            good = answer_intervals(col, cid, scheduler)[3]
            shown = DueShaper.from_collection(col).preview_day(
                cid, card.reps + 1, card.did, days.day_of(days.now + good)
            )
            answer(col, [cid], 3)
            reschedule_answered_card(col, scheduler, cid, shaping=True)
            assert col.db.scalar("select due from cards where id = ?", cid) == shown
            shown_days.append(shown - today)
        lower, upper = constrained_fuzz_bounds(30.0, 1, 36_500)
        assert set(shown_days) <= set(range(lower, upper + 1)) and len(set(shown_days)) > 3
    finally:
        col.close()


def test_the_load_balancer_counts_each_review_card_on_its_home_deck_and_day(col: Collection) -> None:
    """The load balancer's starting counts are Anki's (storage/card/deck_due_counts.sql): review cards that are not
    suspended, by home deck preset and home due day; a card in a filtered deck counts on its home schedule."""
    from anki.decks import DeckId, FilteredDeckConfig

    sample_collection.fill_collection(col, 400, seed=2)
    col.decks.set_config_id_for_deck_dict(col.decks.get(col.decks.id("Other")), col.decks.add_config_returning_id("B"))
    for cid in col.find_cards("is:review")[:60]:
        card = col.get_card(cid)
        card.did = col.decks.id("Other")
        col.update_card(card)
    deck = col.sched.get_or_create_filtered_deck(DeckId(0))
    deck.name = "Cram"
    config: FilteredDeckConfig = deck.config
    config.reschedule = True
    del config.search_terms[:]
    config.search_terms.add(search="is:review", limit=80, order=FilteredDeckConfig.SearchTerm.Order.ADDED)
    col.sched.add_or_update_filtered_deck(deck)
    in_filtered = col.db.scalar("select count() from cards where odid != 0 and type = 2")
    assert in_filtered >= 40
    deck_presets = {int(d["id"]): int(d.get("conf", 1)) for d in col.decks.all() if not d.get("dyn")}
    expected: Counter[tuple[int, int]] = Counter()
    for did, due, count in col.db.all(
        "select case when odid = 0 then did else odid end, case when odid = 0 then due else odue end, count() "
        "from cards where type = 2 and queue != -1 group by 1, 2"
    ):
        expected[(deck_presets[did], due)] += count
    shaper = DueShaper.from_collection(col, shape=True)
    assert shaper.load_balance and len({preset for preset, _ in expected}) == 2
    assert {key: shaper.day_load(*key) for key in expected} == dict(expected)
