"""Prediction-quality metrics as the open FSRS benchmark defines them (open-spaced-repetition/srs-benchmark).

Every prediction is a probability ``p`` that a review is passed, the label ``y`` is 1 for Hard/Good/Easy and 0
for Again. Pure Python (Anki bundles no numpy); linear or ``n log n`` in the number of predictions.

- **log loss**: mean of ``-(y ln p + (1 - y) ln(1 - p))`` (sklearn ``log_loss``; ``p`` clipped to machine epsilon).
- **RMSE (bins)**: predictions are grouped by (elapsed days bin, review count bin, lapse count bin) -- the
  benchmark's ``rmse_matrix`` / fsrs-rs ``FSRSItem::r_matrix_index`` -- and the RMSE between each group's mean
  prediction and mean outcome is taken with the groups weighted by their size.
- **AUC**: area under the ROC curve (sklearn ``roc_auc_score``: the Mann-Whitney statistic, ties count half).

Anki's own Evaluate (deck options > FSRS) weighs the same log loss and RMSE (bins) by recency: the i-th of n
predictions in time order counts ``0.25 + 0.75 * (i / (n - 1)) ** 3`` (fsrs-rs ``recency_weighted_fsrs_items``).
`recency_weights` gives those weights, so figures can be put next to Anki's.
"""

from __future__ import annotations

import math
import operator
from array import array
from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import compress, repeat
from typing import NamedTuple

EPSILON = 2.220446049250313e-16  # float64 machine epsilon, sklearn's clip for log loss


class Prediction(NamedTuple):
    """One predicted review: time (for ordering), p, outcome and the RMSE-bin key."""

    time: float
    p: float
    y: int
    bin: tuple[int, int, int]


def _log_floor_bin(value: float, base: float, scale: float) -> float:
    return scale * base ** math.floor(math.log(value) / math.log(base))


def bin_key(delta_days: int, long_term_reviews: int, lapses: int) -> tuple[int, int, int]:
    """The benchmark's RMSE bin of a prediction.

    delta_days: Anki days since the previous answer (> 0); long_term_reviews: answers of the card so far that came
    on a later day than the one before (this one included); lapses: earlier such answers that were Again.
    """
    delta_bin = round(_log_floor_bin(max(delta_days, 1e-6), 3.62, 2.48) * 100)
    length_bin = round(_log_floor_bin(long_term_reviews + 1, 1.89, 1.99))
    lapse_bin = round(_log_floor_bin(lapses, 1.73, 1.65)) if lapses else 0
    return delta_bin, length_bin, lapse_bin


def recency_weights(count: int) -> list[float]:
    """Anki's Evaluate weights for ``count`` predictions in time order (oldest first)."""
    span = max(count - 1, 1)
    return [0.25 + 0.75 * (i / span) ** 3 for i in range(count)]


def recency_weights_of(times: Sequence[float]) -> list[float]:
    """Each prediction's Anki Evaluate weight (`recency_weights`) from its place in time order, ties in the order
    given (a stable sort's ranks). Times are Anki days, a few hundred distinct ones: each time's first rank comes
    from counting them, then the predictions take their ranks in one pass (no sort of the predictions)."""
    following: dict[float, int] = {}
    rank = 0
    for time, count in sorted(Counter(times).items()):
        following[time] = rank
        rank += count
    span = max(len(times) - 1, 1)
    weights: list[float] = []
    add = weights.append
    for time in times:
        rank = following[time]
        following[time] = rank + 1
        add(0.25 + 0.75 * (rank / span) ** 3)
    return weights


def _losses(ps: Sequence[float], ys: Sequence[int]) -> list[float]:
    """``-(y ln p + (1 - y) ln(1 - p))`` per prediction, ``p`` clipped."""
    log, low, high = math.log, EPSILON, 1 - EPSILON
    clipped = [low if p < low else high if p > high else p for p in ps]
    return [-log(p) if y else -log(1 - p) for p, y in zip(clipped, ys)]


def log_loss(ps: Sequence[float], ys: Sequence[int], weights: Sequence[float] | None = None) -> float:
    if not ps:
        return math.nan
    losses = _losses(ps, ys)
    if weights is None:
        return sum(losses) / len(losses)
    return sum(map(operator.mul, weights, losses)) / sum(weights[: len(losses)])


def _rmse_pair(
    ps: Sequence[float], ys: Sequence[int], bins: Sequence[tuple[int, int, int]], weights: Sequence[float]
) -> tuple[float, float]:
    """RMSE (bins) with every bin counting its predictions, and with every bin counting their weights (Anki's
    Evaluate): one pass for both."""
    groups: dict[tuple[int, int, int], list[float]] = {}
    for p, y, key, w in zip(ps, ys, bins, weights):
        group = groups.get(key)
        if group is None:
            group = groups[key] = [0.0, 0.0, 0.0, 0.0]
        group[0] += p
        group[1] += y
        group[2] += 1.0
        group[3] += w
    plain = sum((g[0] / g[2] - g[1] / g[2]) ** 2 * g[2] for g in groups.values()) / len(ps)
    weighted = sum((g[0] / g[2] - g[1] / g[2]) ** 2 * g[3] for g in groups.values()) / sum(weights[: len(ps)])
    return math.sqrt(plain), math.sqrt(weighted)


def rmse_bins(
    ps: Sequence[float], ys: Sequence[int], bins: Sequence[tuple[int, int, int]], weights: Sequence[float] | None = None
) -> float:
    if not ps:
        return math.nan
    plain, weighted = _rmse_pair(ps, ys, bins, [1.0] * len(ps) if weights is None else weights)
    return plain if weights is None else weighted


def auc(ps: Sequence[float], ys: Sequence[int]) -> float:
    """ROC AUC with tied predictions ranked by their average rank; NaN when only one outcome occurs.

    The Mann-Whitney statistic: each pair of a positive and a negative counts 1 when the positive is predicted
    higher, 1/2 when both are predicted the same (whole and half numbers: exact in any order). Each class is
    sorted once, and each prediction of the smaller class is looked up in the larger one."""
    positives = sorted(compress(ps, ys))
    negatives = sorted(compress(ps, [not y for y in ys]))
    if not positives or not negatives:
        return math.nan
    if len(positives) <= len(negatives):
        # per positive: the negatives predicted lower, plus the ones predicted the same (twice the pairs' count)
        twice = sum(map(bisect_left, repeat(negatives, len(positives)), positives))
        twice += sum(map(bisect_right, repeat(negatives, len(positives)), positives))
    else:
        # per negative: the positives predicted higher, plus the ones predicted the same
        twice = 2 * len(positives) * len(negatives)
        twice -= sum(map(bisect_left, repeat(positives, len(negatives)), negatives))
        twice -= sum(map(bisect_right, repeat(positives, len(negatives)), negatives))
    return twice / 2 / (len(positives) * len(negatives))


@dataclass(frozen=True)
class Metrics:
    """The benchmark's figures plus log loss / RMSE (bins) weighted as Anki's Evaluate weighs them."""

    predictions: int
    log_loss: float
    rmse_bins: float
    auc: float
    anki_log_loss: float
    anki_rmse_bins: float


class Predictions:
    """Predictions as columns (what `Prediction` holds, one array per field), appended one by one: millions of
    them stay compact (plain numbers, next to each other in memory) and are scored without one object each."""

    __slots__ = ("times", "ps", "ys", "bins")

    def __init__(
        self,
        times: array | None = None,
        ps: array | None = None,
        ys: array | None = None,
        bins: list[tuple[int, int, int]] | None = None,
    ) -> None:
        """Empty, or the given columns (shared, not copied)."""
        self.times = array("d") if times is None else times
        self.ps = array("d") if ps is None else ps
        self.ys = array("b") if ys is None else ys
        self.bins: list[tuple[int, int, int]] = [] if bins is None else bins

    def __len__(self) -> int:
        return len(self.ps)

    def append(self, time: float, p: float, y: int, bin: tuple[int, int, int]) -> None:
        self.times.append(time)
        self.ps.append(p)
        self.ys.append(y)
        self.bins.append(bin)


def metrics(predictions: Sequence[Prediction] | Predictions, weights: Sequence[float] | None = None) -> Metrics:
    """The figures of ``predictions``. ``weights``: their recency weights when already known (`recency_weights_of`
    their times: predictions of several models on the same answers share them)."""
    if not isinstance(predictions, Predictions):
        columns = Predictions()
        for prediction in predictions:
            columns.append(*prediction)
        predictions = columns
    count = len(predictions)
    ps, ys = predictions.ps, predictions.ys
    if weights is None:
        weights = recency_weights_of(predictions.times)
    losses = _losses(ps, ys)
    rmse, anki_rmse = _rmse_pair(ps, ys, predictions.bins, weights) if count else (math.nan, math.nan)
    return Metrics(
        predictions=count,
        log_loss=sum(losses) / count if count else math.nan,
        rmse_bins=rmse,
        auc=auc(ps, ys),
        anki_log_loss=sum(map(operator.mul, weights, losses)) / sum(weights) if count else math.nan,
        anki_rmse_bins=anki_rmse,
    )
