"""Due-day shaping: choose the day of a day-granular reschedule the way Anki's own "reschedule cards on change" does.

Pure domain logic on a `Collection` (no aqt). The engine (`reschedule.plan_reschedule(due_day=...)`) hands every
card whose plug-in interval is longer than two days to :meth:`DueShaper.due_day` with the exact day the interval
lands on; the shaper returns the day to write:

- **fuzz** (Anki ``rslib/src/scheduler/states/fuzz.rs``: ``fuzz_delta``, ``constrained_fuzz_bounds``,
  ``with_review_fuzz``), seeded per card exactly as Anki seeds a reschedule (``rslib/src/scheduler/answering/mod.rs``
  ``get_fuzz_seed(card, for_reschedule=true)`` = card id + reps - 1, fed to ``StdRng::seed_from_u64`` and
  ``random_range(0.0..1.0)``); reproduced bit for bit, so a card gets the very day ``col.fuzz_delta`` gives;
- **load balancer** when it is on in Anki's preferences (``col.load_balancer_enabled``), following Anki's
  rescheduler (``rslib/src/scheduler/fsrs/rescheduler.rs`` ``Rescheduler::find_interval``): cards due per preset and
  day, weights ``(1/cards)^2 * (1/interval)`` (``load_balancer.rs`` ``select_weighted_interval``), drawn with the
  card's fuzz seed, never into the past;
- **Easy Days** of the card's preset (``load_balancer.rs`` ``calculate_easy_days_modifiers``); like Anki, only
  through the load balancer.

With shaping off (``shape=False``) the exact day is kept. Either way cards whose day has already passed are put on
today and remembered in :attr:`DueShaper.backlog`, so the preview can offer to spread them
(:func:`spread_backlog`).
"""

from __future__ import annotations

import functools
import math
import struct
from array import array
from bisect import bisect_right
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import accumulate
from operator import mul
from typing import TYPE_CHECKING, Any, NamedTuple

from .anki_compat import sched_timing_today
from .card_reader import int_columns

if TYPE_CHECKING:
    from anki.collection import Collection

CARD_TYPE_REV = 2
QUEUE_SUSPENDED = -1
DEFAULT_MAX_INTERVAL = 36_500
MINIMUM_INTERVAL = 1  # Anki's reschedule passes 1 as the minimum to with_review_fuzz / find_interval

_M32 = 0xFFFF_FFFF
_M64 = (1 << 64) - 1
_CHACHA_CONSTANTS = (0x61707865, 0x3320646E, 0x79622D32, 0x6B206574)  # "expand 32-byte k"


# Anki's random numbers: rand's StdRng (ChaCha12) seeded from a u64
##########################################################################


def first_random_u32(seed: int) -> int:
    """The first ``next_u32()`` of ``StdRng::seed_from_u64(seed)``: word 0 of ChaCha12 block 0 (counter 0,
    stream 0). Both of Anki's draws here (the fuzz factor and the load balancer's weighted pick) consume exactly
    this one word. One seed of `first_random_u32_many`."""
    return _first_random_u32_batch([seed])[0]


_BATCH = 1024  # seeds per big-integer pass (numbers that stay in the CPU cache)


def _lanes(values: Sequence[int]) -> int:
    """``values`` (each < 2**64) as one integer, one value per 128-bit lane (two 64-bit words), lane 0 lowest: a
    lane-wise 64-bit PCG state times a 64-bit constant stays inside its lane."""
    words = array("Q", [0]) * (2 * len(values))
    words[0::2] = array("Q", values)
    return int.from_bytes(words.tobytes(), "little")


def _from_lanes(number: int, count: int) -> list[int]:
    words = array("Q")
    words.frombytes(number.to_bytes(16 * count, "little"))
    return words[0::2].tolist()


def _lanes64(values: Sequence[int]) -> int:
    """``values`` (each < 2**32) as one integer, one value per 64-bit lane, lane 0 lowest."""
    return int.from_bytes(array("Q", values).tobytes(), "little")


def _from_lanes64(number: int, count: int) -> list[int]:
    words = array("Q")
    words.frombytes(number.to_bytes(8 * count, "little"))
    return words.tolist()


def first_random_u32_many(seeds: Sequence[int]) -> list[int]:
    """`first_random_u32` of many seeds at once (about 5 µs a seed instead of 50 one at a time): every seed is a
    128-bit lane of one big integer, so each PCG and ChaCha step (add, xor, rotate, masked to the lane) runs on all
    seeds in one C-level integer operation; the PCG's per-seed rotation goes one bit of the amount at a time."""
    result: list[int] = []
    for start in range(0, len(seeds), _BATCH):
        result += _first_random_u32_batch(seeds[start : start + _BATCH])
    return result


def _first_random_u32_batch(seeds: Sequence[int]) -> list[int]:
    count = len(seeds)
    if not count:
        return []
    ones = _lanes([1] * count)
    m32, m64 = _M32 * ones, _M64 * ones
    state = _lanes([seed & _M64 for seed in seeds])
    increment = 11634580027462260723 * ones
    states = []
    for _ in range(8):  # rand_core's ``seed_from_u64``: the 32-byte key is filled with PCG32 outputs
        state = (state * 6364136223846793005 + increment) & m64
        states.append(state)
    # The rest works on 32-bit words, or 64-bit states shifted right: 64-bit lanes leave room for an addition's
    # carry and a rotation's left half, and half the width makes each big-integer step about twice as fast
    ones = _lanes64([1] * count)
    m32 = _M32 * ones
    m46, m5 = (2**46 - 1) * ones, 31 * ones  # a right shift brings the next lane's low bits into the top bits
    key = []
    for state in map(_lanes64, (_from_lanes(state, count) for state in states)):
        word = ((((state >> 18) & m46) ^ state) >> 27) & m32
        rotation = (state >> 59) & m5
        for bit in range(5):
            chosen = ((rotation >> bit) & ones) * _M32  # lanes whose rotation has this bit
            step = 1 << bit
            word ^= (word ^ (((word >> step) | (word << (32 - step))) & m32)) & chosen
        key.append(word)

    def quarter(a: int, b: int, c: int, d: int) -> tuple[int, int, int, int]:
        a = (a + b) & m32
        d ^= a
        d = ((d << 16) | (d >> 16)) & m32
        c = (c + d) & m32
        b ^= c
        b = ((b << 12) | (b >> 20)) & m32
        a = (a + b) & m32
        d ^= a
        d = ((d << 8) | (d >> 24)) & m32
        c = (c + d) & m32
        b ^= c
        b = ((b << 7) | (b >> 25)) & m32
        return a, b, c, d

    x0, x1, x2, x3 = (constant * ones for constant in _CHACHA_CONSTANTS)
    x4, x5, x6, x7, x8, x9, x10, x11 = key
    x12 = x13 = x14 = x15 = 0
    for _ in range(6):  # 12 rounds = 6 double rounds (column round, then diagonal round)
        x0, x4, x8, x12 = quarter(x0, x4, x8, x12)
        x1, x5, x9, x13 = quarter(x1, x5, x9, x13)
        x2, x6, x10, x14 = quarter(x2, x6, x10, x14)
        x3, x7, x11, x15 = quarter(x3, x7, x11, x15)
        x0, x5, x10, x15 = quarter(x0, x5, x10, x15)
        x1, x6, x11, x12 = quarter(x1, x6, x11, x12)
        x2, x7, x8, x13 = quarter(x2, x7, x8, x13)
        x3, x4, x9, x14 = quarter(x3, x4, x9, x14)
    return _from_lanes64((x0 + _CHACHA_CONSTANTS[0] * ones) & m32, count)


_F32 = struct.Struct("<f")


def _f32(value: float) -> float:
    """Round to the nearest f32, as Anki's Rust arithmetic does after every operation."""
    return _F32.unpack(_F32.pack(value))[0]


def _unit_f32(seed: int) -> float:
    return _unit_from_word(first_random_u32(seed))


def _unit_from_word(word: int) -> float:
    # rand's UniformFloat<f32>: the top 23 bits of one u32 as the mantissa of a number in [1, 2), minus 1
    return (word >> 9) / 8_388_608.0


def reschedule_fuzz_seed(card_id: int, reps: int) -> int:
    """``get_fuzz_seed(card, for_reschedule=true)`` (answering/mod.rs): card id + (reps - 1), i.e. the seed of the
    review that produced the card's current state. For an answer not yet given, pass reps + 1."""
    return (card_id + max(reps - 1, 0)) & _M64


def fuzz_factor(seed: int) -> float:
    """``get_fuzz_factor``: ``StdRng::seed_from_u64(seed).random_range(0.0..1.0)``."""
    return _unit_f32(seed)


# fuzz.rs
##########################################################################

# (start, end, factor) of FUZZ_RANGES in fuzz.rs
_FUZZ_RANGES = ((2.5, 7.0, 0.15), (7.0, 20.0, 0.1), (20.0, math.inf, 0.05))


def _round_half_away(value: float) -> int:
    """Rust's ``f32::round`` (halves away from zero) then ``as u32`` (saturating at 0)."""
    return max(0, math.floor(value + 0.5))


def fuzz_delta(interval: float) -> float:
    """fuzz.rs ``fuzz_delta``: no fuzz below 2.5 days, else 1 day plus a share of the days in each range."""
    if interval < 2.5:
        return 0.0
    delta = 1.0
    for start, end, factor in _FUZZ_RANGES:
        delta = _f32(delta + _f32(factor * max(min(interval, end) - start, 0.0)))
    return delta


@functools.lru_cache(maxsize=65_536)  # the same few thousand (interval, limits) come up for every card of a run
def constrained_fuzz_bounds(interval: float, minimum: int, maximum: int) -> tuple[int, int]:
    """fuzz.rs ``constrained_fuzz_bounds``: the fuzz range within [minimum, maximum], at least two days wide when
    the limits allow it."""
    minimum = min(minimum, maximum)
    interval = min(max(interval, float(minimum)), float(maximum))
    delta = fuzz_delta(interval)
    lower = min(max(_round_half_away(_f32(interval - delta)), minimum), maximum)
    upper = min(max(_round_half_away(_f32(interval + delta)), minimum), maximum)
    if upper == lower and 2 < upper < maximum:
        upper = lower + 1
    return lower, upper


def with_review_fuzz(factor: float | None, interval: float, minimum: int, maximum: int) -> int:
    """fuzz.rs ``with_review_fuzz``: a day of the fuzz range picked by ``factor`` (uniformly over the range)."""
    if factor is None:
        return min(max(_round_half_away(interval), minimum), maximum)
    lower, upper = constrained_fuzz_bounds(interval, minimum, maximum)
    return math.floor(_f32(lower + _f32(factor * (1 + upper - lower))))


# load_balancer.rs: Easy Days and the weighted pick
##########################################################################

EASY_NORMAL, EASY_REDUCED, EASY_MINIMUM = "normal", "reduced", "minimum"
# EasyDay::load_modifier; Minimum is not 0 so that a range of only minimum days still balances
_LOAD_MODIFIER = {EASY_NORMAL: 1.0, EASY_REDUCED: 0.5, EASY_MINIMUM: _f32(0.0001)}


def easy_day_kinds(percentages: Sequence[float] | None) -> tuple[str, ...]:
    """``build_easy_days_percentages``: a preset's 7 easyDaysPercentages (Monday first) -> normal/reduced/minimum
    (1.0 normal, 0.0 minimum, anything else reduced); none stored means all normal."""
    if not percentages or len(percentages) != 7:
        return (EASY_NORMAL,) * 7
    return tuple(EASY_NORMAL if p == 1.0 else EASY_MINIMUM if p == 0.0 else EASY_REDUCED for p in percentages)


def easy_days_modifiers(kinds: Sequence[str], weekdays: Sequence[int], review_counts: Sequence[int]) -> list[float]:
    """``calculate_easy_days_modifiers``: normal days weigh 1, minimum days almost 0, and a reduced day counts as
    minimum when its share of the range's cards (normalised by its 50 %) exceeds that of the other days."""
    if all(kinds[weekday] == EASY_NORMAL for weekday in weekdays):
        return [1.0] * len(weekdays)  # no Easy Days in this range
    total_reviews = sum(review_counts)
    total_percents = 0.0
    for weekday in weekdays:
        total_percents = _f32(total_percents + _LOAD_MODIFIER[kinds[weekday]])
    modifiers = []
    for weekday, count in zip(weekdays, review_counts):
        kind = kinds[weekday]
        if kind == EASY_REDUCED:
            other_reviews = float(total_reviews - count)
            other_percents = _f32(total_percents - 0.5)
            normalized = _f32(count / 0.5)
            # f32 division by zero gives inf or NaN in Rust; either way the comparison below is false
            threshold = _f32(other_reviews / other_percents) if other_percents else math.inf
            kind = EASY_MINIMUM if normalized > threshold else EASY_NORMAL
        modifiers.append(_LOAD_MODIFIER[kind])
    return modifiers


_INVERSE_SQUARES: list[float] = []  # cards due on a day -> f32(f32(1/cards)^2) (index 0 unused)
_INVERSES: list[float] = []  # interval -> f32(1/interval) (1/1 for 0)


def _inverse_square(count: int) -> float:
    return _f32(1.0 / max(count, 1)) ** 2


def _inverse(interval: int) -> float:
    return 1.0 / max(interval, 1)


def _grow(table: list[float], size: int, value: Callable[[int], float]) -> list[float]:
    """The table, extended to at least ``size`` entries (the tables serve every card of every run)."""
    if len(table) < size:
        table += array("f", [value(k) for k in range(len(table), max(size, 2 * len(table)))]).tolist()
    return table


def select_weighted_interval(
    first_interval: int,
    review_counts: Sequence[int],
    modifiers: Sequence[float] | None,
    unit: float | None,
    squares: Sequence[float] | None = None,
) -> int | None:
    """``select_weighted_interval`` + rand's ``WeightedIndex`` sampling, in f32 like Anki. The candidates are the
    intervals ``first_interval``, ``first_interval + 1``, ... with ``review_counts`` cards due on their days and
    Easy Days ``modifiers`` (None: all 1). An empty day weighs 1, else (1/cards)^2 * (1/interval) * modifier,
    each step rounded to f32 as in Rust; ``unit`` is the card's uniform draw in [0, 1) (`_unit_f32` of its fuzz
    seed). None when there is no draw or no positive weight (Anki then falls back to plain fuzz).

    The running sums are first taken in f64 (in C, `accumulate`; in the usual case, no Easy Days and no empty
    day, over the f64 products of the f32 factors, each within 2^-24 of Anki's f32 weight), which picks Anki's day
    unless the draw falls within rounding error of a boundary between two days (about one card in a thousand):
    only then are Anki's f32 weights summed one f32 addition at a time. ``squares``: the days' f32(1/cards)^2 when
    the caller keeps them (`DayLoads`), else looked up here."""
    if unit is None or not review_counts:
        return None
    if modifiers is None and 0 not in review_counts:
        cumulative = list(accumulate(_products(first_interval, review_counts, squares)))
    else:
        cumulative = list(accumulate(_weights(first_interval, review_counts, modifiers)))
    total = cumulative.pop()
    if total <= 0.0:
        return None
    chosen = unit * total
    index = bisect_right(cumulative, chosen)
    # Each weight is within 2^-24 of its f32 value and each of the n f32 additions within 2^-24 of the sum so far;
    # the draw's scale and rounding add a few more ulps
    margin = (3 * len(review_counts) + 8) * total * 2.0**-24
    if (index and chosen - cumulative[index - 1] <= margin) or (
        index < len(cumulative) and cumulative[index] - chosen <= margin
    ):
        return _select_weighted_f32(first_interval, _weights(first_interval, review_counts, modifiers), unit)
    return first_interval + index


def _products(
    first_interval: int, review_counts: Sequence[int], squares: Sequence[float] | None = None
) -> Iterator[float]:
    """f32(f32(1/cards)^2) * f32(1/interval) of each candidate day, in f64 (exact: two f32 factors)."""
    last = first_interval + len(review_counts)
    inverses = _grow(_INVERSES, last, _inverse)[first_interval:last]
    if squares is not None:
        return map(mul, squares, inverses)
    table = inverse_squares(max(review_counts))
    return map(mul, map(table.__getitem__, review_counts), inverses)


def inverse_squares(largest_count: int) -> list[float]:
    """The table count -> f32(f32(1/count)^2), covering ``largest_count``."""
    return _grow(_INVERSE_SQUARES, largest_count + 1, _inverse_square)


def _square_of(count: int) -> float:
    """f32(f32(1/count)^2) from the table (grown when needed)."""
    return _INVERSE_SQUARES[count] if count < len(_INVERSE_SQUARES) else inverse_squares(count)[count]


def _weights(first_interval: int, review_counts: Sequence[int], modifiers: Sequence[float] | None) -> list[float]:
    """``select_weighted_interval``'s weights, each rounded to f32: an empty day 1, else (1/cards)^2 *
    (1/interval) * the Easy Days modifier."""
    # f32 * f32 is exact in f64, so the one array("f") conversion rounds each product as Rust does
    weights = array("f", list(_products(first_interval, review_counts))).tolist()
    if modifiers is not None:
        weights = array("f", list(map(mul, weights, modifiers))).tolist()
    if 0 in review_counts:
        for position, count in enumerate(review_counts):
            if count == 0:
                weights[position] = 1.0
    return weights


def _select_weighted_f32(first_interval: int, weights: Sequence[float], unit: float) -> int | None:
    """rand's ``WeightedIndex`` exactly as Rust computes it: running sums and the draw rounded to f32 at each
    step."""
    cumulative = []
    total = weights[0]
    f32 = array("f", [0.0])  # assigning to an f32 array rounds like Rust's f32 addition
    for weight in weights[1:]:
        cumulative.append(total)
        f32[0] = total + weight
        total = f32[0]
    if total <= 0.0:
        return None
    # Uniform::new(0, total): shrink the scale until the largest draw stays below total
    scale = total
    max_unit = 1.0 - 2.0**-23
    while _f32(scale * max_unit) >= total:
        scale = struct.unpack("<f", struct.pack("<I", struct.unpack("<I", struct.pack("<f", scale))[0] - 1))[0]
    chosen = _f32(unit * scale)
    return first_interval + bisect_right(cumulative, chosen)  # partition_point(|w| w <= chosen)


# The shaper the engine calls
##########################################################################


@dataclass(frozen=True)
class PresetRules:
    """What of a deck options preset shapes due days: maximum interval, Easy Days, reviews per day."""

    preset_id: int
    name: str
    maximum_interval: int = DEFAULT_MAX_INTERVAL
    easy_days: tuple[str, ...] = (EASY_NORMAL,) * 7
    reviews_per_day: int = 200

    @functools.cached_property
    def has_easy_days(self) -> bool:
        """Some weekday is not normal (asked for every card the load balancer places)."""
        return any(kind != EASY_NORMAL for kind in self.easy_days)


class BacklogCard(NamedTuple):  # one per overdue card of a run: a tuple is built in a fraction of a dataclass's time
    """A card whose planned day had already passed (so it was put on today): it may be spread."""

    card_id: int
    day: int  # the day before clamping to today (smaller = more overdue)
    last_review_day: int
    preset_id: int
    in_filtered_deck: bool = False


def preset_rules(col: Collection) -> tuple[dict[int, PresetRules], dict[int, int]]:
    """(preset id -> rules, deck id -> preset id of every normal deck)."""
    presets: dict[int, PresetRules] = {}
    for conf in col.decks.all_config():
        rev = conf.get("rev", {})
        presets[int(conf["id"])] = PresetRules(
            preset_id=int(conf["id"]),
            name=str(conf.get("name", "")),
            maximum_interval=max(1, int(rev.get("maxIvl", DEFAULT_MAX_INTERVAL))),
            easy_days=easy_day_kinds(conf.get("easyDaysPercentages")),
            reviews_per_day=max(0, int(rev.get("perDay", 200))),
        )
    deck_presets = {}
    for deck in col.decks.all():
        if not deck.get("dyn"):
            deck_presets[int(deck["id"])] = int(deck.get("conf", 1))
    return presets, deck_presets


class DayLoads:
    """One preset's review cards due per day (the load balancer's counts, ``update_due_cnt_per_day``), kept as the
    weighted pick reads them: days from today on in lists indexed by day - today, so a candidate range is two
    slices (the counts and each day's f32(1/cards)^2), earlier days in a dict; ``by_today``: the cards due today
    or earlier (Anki counts them all as today's load)."""

    def __init__(self, today: int, due_days: dict[int, int]) -> None:
        self.today = today
        self.past = {day: count for day, count in due_days.items() if day < today}
        self.by_today = sum(count for day, count in due_days.items() if day <= today)
        later = {day - today: count for day, count in due_days.items() if day >= today}
        size = max(later, default=0) + 1
        self.counts = [0] * size
        for offset, count in later.items():
            self.counts[offset] = count
        table = inverse_squares(max(self.counts))
        self.squares = [table[count] for count in self.counts]

    def get(self, day: int) -> int:
        if day < self.today:
            return self.past.get(day, 0)
        offset = day - self.today
        return self.counts[offset] if offset < len(self.counts) else 0

    def window(self, first_day: int, size: int) -> tuple[list[int], list[float]]:
        """Counts and f32(1/cards)^2 of ``size`` days from ``first_day`` (today or later)."""
        start = first_day - self.today
        end = start + size
        if end > len(self.counts):
            self._grow(end)
        return self.counts[start:end], self.squares[start:end]

    def add(self, day: int) -> None:
        """A card now due on ``day``."""
        offset = day - self.today
        if offset <= 0:
            self.by_today += 1
            if offset < 0:
                self.past[day] = self.past.get(day, 0) + 1
                return
        counts = self.counts
        if offset >= len(counts):
            self._grow(offset + 1)
        count = counts[offset] = counts[offset] + 1
        self.squares[offset] = _square_of(count)

    def remove(self, day: int) -> None:
        """A card no longer due on ``day`` (nothing if none was counted there)."""
        offset = day - self.today
        if offset < 0:
            count = self.past.get(day, 0)
            if count > 0:
                self.past[day] = count - 1
                self.by_today -= 1
            return
        counts = self.counts
        if offset < len(counts) and counts[offset] > 0:
            count = counts[offset] = counts[offset] - 1
            self.squares[offset] = _square_of(count)
            if offset == 0:
                self.by_today -= 1

    def _grow(self, size: int) -> None:
        extra = max(size, 2 * len(self.counts)) - len(self.counts)
        self.counts += [0] * extra
        self.squares += [inverse_squares(0)[0]] * extra


class DueShaper:
    """Chooses each card's due day (see the module docstring). One instance per run: it keeps the load balancer's
    per-day counts up to date as cards are planned, like Anki's ``Rescheduler::update_due_cnt_per_day``."""

    def __init__(
        self,
        *,
        today: int,
        next_day_at: int,
        presets: dict[int, PresetRules],
        deck_presets: dict[int, int],
        shape: bool = True,
        load_balance: bool = False,
        due_counts: dict[int, dict[int, int]] | None = None,
        reviewed_today: dict[int, int] | None = None,
    ) -> None:
        self.today = today
        self.next_day_at = next_day_at
        self.presets = presets
        self.deck_presets = deck_presets
        self.shape = shape
        self.load_balance = load_balance and shape
        self.loads = {preset: DayLoads(today, days) for preset, days in (due_counts or {}).items()}
        self.reviewed_today = reviewed_today or {}
        self.backlog: list[BacklogCard] = []
        self._weekdays: dict[int, int] = {}
        self._random_words: dict[int, int] = {}  # fuzz seed -> its first random u32 (`prepare_cards`)
        # Anki's own fuzz of a stored card (col.fuzz_delta: the same seed and rule as fuzz_factor/with_review_fuzz,
        # computed in Rust, faster than one ChaCha12 draw here) for cards not drawn in `prepare_cards`; None outside
        # a collection
        self.anki_fuzz_delta: Callable[..., int] | None = None

    @classmethod
    def from_collection(cls, col: Collection, *, shape: bool = True) -> DueShaper:
        timing = sched_timing_today(col)
        presets, deck_presets = preset_rules(col)
        load_balance = shape and bool(col.load_balancer_enabled)
        due_counts: dict[int, dict[int, int]] = {}
        reviewed: dict[int, int] = {}
        db = col.db
        assert db is not None, "the collection is closed"
        if load_balance:
            # storage/card/deck_due_counts.sql: review cards (not suspended) by home deck and home due day (read as
            # columns and counted here: SQL's GROUP BY of the whole table took longer, while nothing else can run)
            dids, odids, dues, odues = int_columns(
                col, ("did", "odid", "due", "odue"), "cards where type = 2 and queue != -1"
            )
            home_decks = [odid or did for did, odid in zip(dids, odids)]
            homes = Counter(zip(home_decks, [odue if odid else due for due, odue, odid in zip(dues, odues, odids)]))
            for (did, due), count in homes.items():
                preset = deck_presets.get(did)
                if preset is not None:
                    days = due_counts.setdefault(preset, {})
                    days[due] = days.get(due, 0) + count
            # storage/revlog/studied_today_by_deck.sql: cards answered today, by home deck
            start_ms = (timing.next_day_at - 86_400) * 1000
            for did, count in db.all(
                "select case when c.odid = 0 then c.did else c.odid end, count(distinct r.cid) from revlog r "
                "join cards c on r.cid = c.id where r.id > ? and r.ease > 0 and (r.type < 3 or r.factor != 0) "
                "group by 1",
                start_ms,
            ):
                preset = deck_presets.get(did)
                if preset is not None:
                    reviewed[preset] = reviewed.get(preset, 0) + count
        shaper = cls(
            today=timing.days_elapsed,
            next_day_at=timing.next_day_at,
            presets=presets,
            deck_presets=deck_presets,
            shape=shape,
            load_balance=load_balance,
            due_counts=due_counts,
            reviewed_today=reviewed,
        )
        shaper.anki_fuzz_delta = col.fuzz_delta
        return shaper

    # --- the hook ---

    def prepare_cards(self, cards: Sequence[Sequence[Any]]) -> None:
        """Called by the engine with each chunk of card rows before it plans them: draws the random numbers of the
        load balancer and fuzz for all of them at once (`first_random_u32_many`, about 5 µs a card; one at a time
        costs about 50, and a call of Anki's col.fuzz_delta, which loads the card and its preset, about 19)."""
        if not self.shape:
            return
        seeds = [reschedule_fuzz_seed(card[0], card[10]) for card in cards]
        self._random_words = dict(zip(seeds, first_random_u32_many(seeds)))

    def _unit(self, seed: int) -> float:
        word = self._random_words.get(seed)
        return _unit_f32(seed) if word is None else _unit_from_word(word)

    def due_day(self, card: Sequence[Any], exact_day: int, last_review_day: int) -> int:
        """The day to write for one card row (the engine's card columns) whose plug-in interval lands on
        ``exact_day``. Never before today; cards whose day has passed are remembered in ``backlog``."""
        card_id, _nid, did, _ord, _mod, ctype, queue, due, _ivl, _factor, reps = card[:11]
        odue, odid = card[13], card[14]
        preset_id = self.deck_presets.get(odid or did, 1)
        loads = self._loads(preset_id) if self.load_balance and queue != QUEUE_SUSPENDED else None
        if loads is not None and ctype == CARD_TYPE_REV:
            # The card leaves its old day before its new one is chosen (update_due_cnt_per_day moves it after
            # the choice; a card never competes with itself here, so the answer buttons, which preview the choice
            # before Anki's answer has put the card anywhere, show the day the reschedule really picks).
            loads.remove(odue if odid else due)
        day = self._choose(card_id, reps, preset_id, exact_day, last_review_day, stored_reps=True)
        today = self.today
        if loads is not None:
            loads.add(day if day > today else today)
        if day < today:
            self.backlog.append(BacklogCard(card_id, day, last_review_day, preset_id, bool(odid)))
            day = today
        return day

    __call__ = due_day  # the engine's due-day hook (`reschedule.DueDayChooser`)

    def preview_day(self, card_id: int, reps_after_answer: int, deck_id: int, exact_day: int) -> int:
        """The day an answer given now would get (answer buttons), the same day :meth:`due_day` picks when the
        answered card is rescheduled; changes nothing."""
        preset_id = self.deck_presets.get(deck_id, 1)
        return max(self._choose(card_id, reps_after_answer, preset_id, exact_day, self.today), self.today)

    # --- Anki's rules ---

    def _choose(
        self, card_id: int, reps: int, preset_id: int, exact_day: int, last_review_day: int, stored_reps: bool = False
    ) -> int:
        """``rescheduled_interval_days``: the load balancer's day if it finds one, else the fuzzed day.
        ``stored_reps``: ``reps`` is the card's stored count, so Anki's backend can fuzz it by card id."""
        if not self.shape:
            return exact_day
        rules = self.presets.get(preset_id) or PresetRules(preset_id, "")
        interval = float(max(exact_day - last_review_day, 0))
        seed = reschedule_fuzz_seed(card_id, reps)
        chosen = None
        if self.load_balance:
            chosen = self._find_interval(interval, rules, max(self.today - last_review_day, 0), seed)
        if chosen is None:
            drawn = seed in self._random_words
            if not drawn and stored_reps and self.anki_fuzz_delta is not None and interval >= MINIMUM_INTERVAL:
                chosen = int(interval) + self.anki_fuzz_delta(card_id, int(interval))
            else:
                chosen = with_review_fuzz(self._unit(seed), interval, MINIMUM_INTERVAL, rules.maximum_interval)
        return last_review_day + chosen

    def _find_interval(self, interval: float, rules: PresetRules, days_elapsed: int, seed: int) -> int | None:
        """rescheduler.rs ``Rescheduler::find_interval``."""
        lower, upper = constrained_fuzz_bounds(interval, MINIMUM_INTERVAL, rules.maximum_interval)
        if upper < days_elapsed:
            return min(lower, upper)  # overdue beyond the whole fuzz range: the nearest day (then today)
        if lower < days_elapsed:
            lower = days_elapsed  # never into the past
        loads = self._loads(rules.preset_id)
        first_day = self.today - days_elapsed  # the day of interval 0
        review_counts, squares = loads.window(first_day + lower, upper - lower + 1)
        if lower == days_elapsed:  # the candidate "today" (lower is never below it) weighs all of today's load
            today_load = review_counts[0] = loads.by_today + self.reviewed_today.get(rules.preset_id, 0)
            squares[0] = _square_of(today_load)
        modifiers = None
        if rules.has_easy_days:
            weekdays = [self._weekday(first_day + ivl) for ivl in range(lower, upper + 1)]
            modifiers = easy_days_modifiers(rules.easy_days, weekdays, review_counts)
        return select_weighted_interval(lower, review_counts, modifiers, self._unit(seed), squares)

    def _weekday(self, day: int) -> int:
        """Monday = 0 of Anki day ``day`` (interval_to_weekday: the local date at that day's start)."""
        weekday = self._weekdays.get(day)
        if weekday is None:
            moment = self.next_day_at + (day - self.today - 1) * 86_400
            weekday = self._weekdays[day] = datetime.fromtimestamp(moment).weekday()
        return weekday

    def _loads(self, preset_id: int) -> DayLoads:
        loads = self.loads.get(preset_id)
        if loads is None:
            loads = self.loads[preset_id] = DayLoads(self.today, {})
        return loads

    def day_load(self, preset_id: int, day: int) -> int:
        loads = self.loads.get(preset_id)
        return 0 if loads is None else loads.get(day)


# Spreading an overdue backlog
##########################################################################


def suggested_spread_days(backlog: Sequence[BacklogCard], presets: dict[int, PresetRules]) -> int:
    """Days to spread a backlog over by default: enough that no day gets more overdue cards than the smallest
    "maximum reviews/day" of the presets involved (at least 1, at most a year)."""
    if not backlog:
        return 1
    limits = [presets[c.preset_id].reviews_per_day for c in backlog if c.preset_id in presets]
    per_day = max(1, min(limits) if limits else 200)
    return max(1, min(365, math.ceil(len(backlog) / per_day)))


def spread_offsets(count: int, days: int) -> list[int]:
    """Day offsets (0 = today) for ``count`` cards sorted oldest-overdue first, as evenly as possible."""
    days = max(1, days)
    return [k * days // count for k in range(count)] if count else []


def spread_backlog(plan: Any, backlog: Iterable[BacklogCard], days: int, today: int) -> dict[int, int]:
    """Move the backlog's planned cards from today onto today .. today+days-1, oldest-overdue first, by rewriting
    their planned due (``odue`` for cards in a filtered deck) and interval in ``plan`` before it is applied (so it
    is the same undo step). Returns card id -> new due day for the cards moved."""
    index = {cid: i for i, cid in enumerate(plan.card_ids)}
    cards = sorted((c for c in backlog if c.card_id in index), key=lambda c: (c.day, c.card_id))
    moved: dict[int, int] = {}
    for card, offset in zip(cards, spread_offsets(len(cards), days)):
        i = index[card.card_id]
        new_due = today + offset
        if card.in_filtered_deck:
            plan.odues[i] = new_due  # the home schedule of a card in a filtered deck is in odue
        else:
            plan.dues[i] = new_due
        plan.ivls[i] = max(1, new_due - card.last_review_day)
        moved[card.card_id] = new_due
    return moved
