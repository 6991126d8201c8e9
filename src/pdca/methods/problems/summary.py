"""One row per candidate problem: its size, the hours it cost, its words and examples.

tickets
    Tickets in the cluster.
hours_lost
    Sum over the cluster's tickets of their resolution time in hours (opened to final
    resolution); an open ticket counts from its opening to the reference time ``now`` (the end
    of the log), and ``open_tickets`` says how many did.
cohesion
    Mean cosine similarity of the cluster's tickets to its centroid (after the SVD): near 1 when
    they say nearly the same thing; a loose cluster (below about 0.5) is weak evidence.
reopened_share
    Share of the cluster's tickets reopened at least once (empty when reopens are unknown).
top_words
    The terms with the highest mean TF-IDF over the cluster.
examples
    The three tickets nearest the cluster's centroid: ``id: text`` (text cut at 80 characters).
rank_volume, rank_hours
    Rank by tickets and by hours lost (1 = first); ties share the better rank.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from pdca.methods.problems.clusters import NOISE, TextClusters

EXAMPLE_CHARS = 80
"""Characters of a representative ticket's text shown in the table."""
RANKINGS = ("volume", "hours")
"""What the table can be ordered by."""


@dataclass(frozen=True)
class TicketInfo:
    """What the summary knows of each clustered ticket, row for row with the documents."""

    ids: pd.Series
    texts: pd.Series
    hours: pd.Series | None = None
    """Resolution hours (open tickets: to the reference time); None when unknown."""
    still_open: pd.Series | None = None
    reopened: pd.Series | None = None


def one_line(text: object, limit: int = EXAMPLE_CHARS) -> str:
    """The text on one line, cut at ``limit`` characters (with an ellipsis)."""
    flat = " ".join(str(text).split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def cluster_table(model: TextClusters, info: TicketInfo, *, rank: str = "volume") -> pd.DataFrame:
    """The clusters of a fitted model, ranked by ``rank`` (``volume`` or ``hours``)."""
    labels = model.labels_
    total = len(labels)
    rows = []
    for cluster in range(model.n_clusters_):
        members = np.flatnonzero(labels == cluster)
        row: dict[str, object] = {
            "cluster": cluster,
            "tickets": len(members),
            "share": len(members) / total,
            "cohesion": model.cohesion(cluster),
        }
        if info.hours is not None:
            row["hours_lost"] = float(np.nansum(info.hours.to_numpy(dtype=float)[members]))
        if info.still_open is not None:
            row["open_tickets"] = int(info.still_open.to_numpy(dtype=bool)[members].sum())
        if info.reopened is not None:
            flags = info.reopened.to_numpy(dtype=float)[members]
            known = flags[~np.isnan(flags)]
            row["reopened_share"] = float(known.mean()) if len(known) else float("nan")
        row["top_words"] = ", ".join(model.top_words(cluster))
        for k, pos in enumerate(model.representatives(cluster), start=1):
            row[f"example_{k}"] = f"{info.ids.iloc[pos]}: {one_line(info.texts.iloc[pos])}"
        rows.append(row)
    frame = pd.DataFrame(rows)
    if frame.empty:
        return frame
    frame.insert(0, "rank_volume", frame["tickets"].rank(ascending=False, method="min"))
    if "hours_lost" in frame:
        frame.insert(1, "rank_hours", frame["hours_lost"].rank(ascending=False, method="min"))
    key = "hours_lost" if rank == "hours" and "hours_lost" in frame else "tickets"
    frame = frame.sort_values([key, "cluster"], ascending=[False, True], kind="stable")
    for col in ("rank_volume", "rank_hours"):
        if col in frame:
            frame[col] = frame[col].astype("int64")
    return frame.reset_index(drop=True)


def unclustered(model: TextClusters) -> int:
    """Tickets in no cluster (HDBSCAN's noise)."""
    return int((model.labels_ == NOISE).sum())
