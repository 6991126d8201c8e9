"""How well clusters agree with known labels (assignment group, category): purity and AMI.

purity
    Each cluster is given its most frequent label; purity is the share of clustered tickets
    whose label is that of their cluster (unclustered tickets left out).
baseline
    The share of the most frequent label among the same clustered tickets: the purity of
    putting them all in one cluster.
AMI
    Adjusted mutual information (scikit-learn): 0 for clusters no better than chance given the
    cluster sizes, 1 for clusters that match the labels exactly.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from sklearn.metrics import adjusted_mutual_info_score  # type: ignore[import-untyped, unused-ignore]

from pdca.methods.problems.clusters import NOISE


def agreement(
    labels: Sequence[int] | np.ndarray, truth: Sequence[Any] | np.ndarray
) -> dict[str, Any]:
    """Purity, its baseline and AMI of ``labels`` against ``truth`` over the clustered tickets."""
    lab = np.asarray(labels)
    known = np.asarray(truth, dtype=object)
    keep = (lab != NOISE) & pd.notna(known)
    n = int(keep.sum())
    if n == 0:
        return {"n": 0, "purity": float("nan"), "baseline": float("nan"), "ami": float("nan")}
    table = pd.crosstab(lab[keep], known[keep].astype(str))
    purity = float(table.max(axis=1).sum() / n)
    baseline = float(table.sum(axis=0).max() / n)
    ami = float(adjusted_mutual_info_score(known[keep].astype(str), lab[keep]))
    return {"n": n, "purity": purity, "baseline": baseline, "ami": ami}
