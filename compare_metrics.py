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
from collections.abc import Sequence
from dataclasses import dataclass
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


def log_loss(ps: Sequence[float], ys: Sequence[int], weights: Sequence[float] | None = None) -> float:
    if not ps:
        return math.nan
    total = 0.0
    weight_sum = 0.0
    for i, (p, y) in enumerate(zip(ps, ys)):
        p = min(max(p, EPSILON), 1 - EPSILON)
        w = 1.0 if weights is None else weights[i]
        total -= w * (math.log(p) if y else math.log(1 - p))
        weight_sum += w
    return total / weight_sum


def rmse_bins(
    ps: Sequence[float], ys: Sequence[int], bins: Sequence[tuple[int, int, int]], weights: Sequence[float] | None = None
) -> float:
    if not ps:
        return math.nan
    groups: dict[tuple[int, int, int], list[float]] = {}
    for i, (p, y, key) in enumerate(zip(ps, ys, bins)):
        group = groups.get(key)
        if group is None:
            group = groups[key] = [0.0, 0.0, 0, 0.0]
        group[0] += p
        group[1] += y
        group[2] += 1
        group[3] += 1.0 if weights is None else weights[i]
    squared = sum((g[0] / g[2] - g[1] / g[2]) ** 2 * g[3] for g in groups.values())
    return math.sqrt(squared / sum(g[3] for g in groups.values()))


def auc(ps: Sequence[float], ys: Sequence[int]) -> float:
    """ROC AUC with tied predictions ranked by their average rank; NaN when only one outcome occurs."""
    positives = sum(1 for y in ys if y)
    negatives = len(ys) - positives
    if not positives or not negatives:
        return math.nan
    order = sorted(range(len(ps)), key=ps.__getitem__)
    rank_sum = 0.0
    i = 0
    while i < len(order):
        j = i
        value = ps[order[i]]
        while j + 1 < len(order) and ps[order[j + 1]] == value:
            j += 1
        average_rank = (i + j) / 2 + 1  # 1-based ranks i+1 .. j+1
        rank_sum += average_rank * sum(1 for k in range(i, j + 1) if ys[order[k]])
        i = j + 1
    return (rank_sum - positives * (positives + 1) / 2) / (positives * negatives)


@dataclass(frozen=True)
class Metrics:
    """The benchmark's figures plus log loss / RMSE (bins) weighted as Anki's Evaluate weighs them."""

    predictions: int
    log_loss: float
    rmse_bins: float
    auc: float
    anki_log_loss: float
    anki_rmse_bins: float


def metrics(predictions: Sequence[Prediction]) -> Metrics:
    ordered = sorted(predictions, key=lambda item: item.time)
    ps = [item.p for item in ordered]
    ys = [item.y for item in ordered]
    bins = [item.bin for item in ordered]
    weights = recency_weights(len(ordered))
    return Metrics(
        predictions=len(ordered),
        log_loss=log_loss(ps, ys),
        rmse_bins=rmse_bins(ps, ys, bins),
        auc=auc(ps, ys),
        anki_log_loss=log_loss(ps, ys, weights),
        anki_rmse_bins=rmse_bins(ps, ys, bins, weights),
    )
