"""The problem-management API: candidate problems (text clusters) and bursts of similar tickets.

:func:`problems` clusters tickets by what they say — from a store (whatever text its source
kept, plus category, subcategory, service and configuration item as tokens) or from a CSV file
with a text column — and ranks the clusters by volume or by hours lost. :func:`bursts` scans
clusters, categories and configuration items for bursts of similar tickets in a short window.
See docs/problems.md.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from pdca.api.common import choose_log
from pdca.engine.store import Store
from pdca.errors import InputError
from pdca.methods.problems import (
    CODE_KEYS,
    NOISE,
    RANKINGS,
    TEXT_KEYS,
    BurstRule,
    TextClusters,
    TicketInfo,
    agreement,
    cluster_table,
    documents,
    scan_bursts,
    unclustered,
)
from pdca.model.schema import Col

MAX_TICKETS = 20_000
"""Default cap on tickets clustered (the most recent ones of a store; a file's first ones)."""
STORE_CODES = (Col.SERVICE, Col.CATEGORY, Col.SUBCATEGORY)
"""Canonical ticket attributes added to a store ticket's document as tokens."""
BURST_DIMENSIONS = ("cluster", Col.CATEGORY, "cmdb_ci")
"""What :func:`bursts` scans by default (each that the data has)."""


@dataclass(frozen=True)
class Tickets:
    """The tickets to cluster, whatever their source."""

    frame: pd.DataFrame
    """One row per ticket: ``id``, ``text`` (what is shown), and any of ``opened``, ``hours``,
    ``open``, ``reopened``, ``label`` and the code columns."""
    docs: pd.Series
    source: dict[str, Any]
    """Where they come from and which columns make the document."""
    notes: list[str] = field(default_factory=list)


@dataclass
class ProblemsResult:
    """Candidate problems: the ranked clusters, each ticket's cluster, and what was assumed."""

    clusters: pd.DataFrame
    assignments: pd.DataFrame
    facts: dict[str, Any]

    def lines(self) -> list[str]:
        """What a person reads under the table: sizes, the method, the assumptions."""
        f = self.facts
        out = [
            (
                f"n = {f['tickets']:,} tickets ({f['source']['kind']}); {f['clusters']} clusters "
                f"hold {f['clustered']:,}; {f['unclustered']:,} unclustered "
                f"({f['unclustered_share']:.0%}); ranked by {f['ranked_by']}"
            ),
            f"method: {f['method']}",
        ]
        agree = f.get("agreement")
        if agree:
            out.append(
                f"agreement with {agree['label']!s} over {agree['n']:,} clustered tickets: "
                f"purity {agree['purity']:.3f} (one-cluster baseline {agree['baseline']:.3f}), "
                f"AMI {agree['ami']:.3f}"
            )
        out += [f"assumption: {a}" for a in f["assumptions"]]
        return out


@dataclass
class BurstsResult:
    """Bursts of similar tickets (episodes), the groups scanned, and the rule."""

    episodes: pd.DataFrame
    scanned: pd.DataFrame
    facts: dict[str, Any]

    def lines(self) -> list[str]:
        f = self.facts
        rule = f["rule"]
        return [
            (
                f"{len(self.episodes)} bursts in {f['groups']} groups scanned "
                f"({', '.join(f['dimensions'])}) over {f['span_days']:.1f} days, "
                f"{f['tickets']:,} tickets"
            ),
            (
                f"rule: a window of {rule['window_hours']:g} h with at least {rule['min_count']} "
                f"tickets of a group, more than its share of the desk's tickets in that window "
                f"explains (binomial tail), significant in a permutation scan test "
                f"(seed {rule['seed']}, at least {rule['permutations']} permutations)"
            ),
            (
                f"false-alarm rate: {rule['false_alarms_per_year']:g} per group-year, "
                f"{f['alpha_span']:.4f} per group over this span; about "
                f"{f['expected_false_alarms']:.1f} false alarms expected among all groups"
            ),
            *(f"assumption: {a}" for a in f["assumptions"]),
        ]


# -- loading ------------------------------------------------------------------------------------
def _pick(keys: Sequence[str], wanted: Sequence[str]) -> list[str]:
    lower = {w.lower() for w in wanted}
    return [k for k in keys if k.lower() in lower]


def store_tickets(store: Path | str | None, log: str | None, max_tickets: int) -> Tickets:
    """The store's tickets: facts, and the text and codes their source kept."""
    with Store.open(store, read_only=True) as st:
        name = choose_log(st, log)
        facts = st.tickets(name).to_pandas()
        ev = st.events(name)
        kept = ev.filter(ev[Col.ATTRIBUTES].notnull())
        last = kept.group_by(Col.CASE_ID).aggregate(
            _attr=kept[Col.ATTRIBUTES].argmax(kept[Col.TIMESTAMP])
        )
        attrs = last.to_pandas()
    if facts.empty:
        raise InputError(f"the log {name!r} holds no tickets", "import data first")
    facts = facts.sort_values([Col.OPENED_AT, Col.CASE_ID], kind="stable")
    notes: list[str] = []
    if len(facts) > max_tickets:
        notes.append(f"the {max_tickets:,} most recent of {len(facts):,} tickets are clustered")
        facts = facts.tail(max_tickets)
    parsed = {
        str(c): json.loads(a) if isinstance(a, str) and a.startswith("{") else {}
        for c, a in zip(attrs[Col.CASE_ID], attrs["_attr"], strict=True)
    }
    keys = sorted({k for d in parsed.values() for k in d})
    text_keys, code_keys = _pick(keys, TEXT_KEYS), _pick(keys, CODE_KEYS)
    frame = pd.DataFrame({"id": facts[Col.CASE_ID].astype(str).to_numpy()})
    for k in (*text_keys, *code_keys):
        frame[k] = [parsed.get(c, {}).get(k) for c in frame["id"]]
    codes = [*code_keys]
    for col in STORE_CODES:
        values = facts[col].to_numpy()
        if pd.notna(values).any():
            frame[col] = values
            codes.append(col)
    frame["opened"] = pd.to_datetime(facts[Col.OPENED_AT]).to_numpy()
    hours, still_open, note = _hours(facts)
    frame["hours"], frame["open"] = hours, still_open
    frame["reopened"] = (facts[Col.REOPEN_COUNT].to_numpy() > 0).astype(float)
    notes.append(note)
    docs = documents(frame, text_keys, codes)
    shown = documents(frame, text_keys, []) if text_keys else docs
    frame["text"] = shown.to_numpy()
    if not text_keys:
        notes.append(
            "the log keeps no ticket text (short description, description, summary, subject): "
            "tickets are clustered by their codes only"
        )
    source = {"kind": f"store log {name}", "text": text_keys, "codes": codes}
    return Tickets(frame.reset_index(drop=True), docs.reset_index(drop=True), source, notes)


def _hours(facts: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, str]:
    """Resolution hours of each ticket; open ones to the end of the log."""
    end = pd.to_datetime(facts[Col.LAST_EVENT_AT]).max()
    opened = pd.to_datetime(facts[Col.OPENED_AT])
    done = pd.to_datetime(facts[Col.RESOLVED_AT])
    done = done.fillna(pd.to_datetime(facts[Col.CLOSED_AT]))
    still_open = facts[Col.IS_OPEN].fillna(value=False).to_numpy(dtype=bool)
    done = done.where(~still_open, end).fillna(pd.to_datetime(facts[Col.LAST_EVENT_AT]))
    hours = ((done - opened) / pd.Timedelta(hours=1)).to_numpy(dtype=float)
    note = (
        f"hours lost = opened to final resolution (else closure, else last event); "
        f"{int(still_open.sum()):,} open tickets counted to the end of the log ({end})"
    )
    return hours, still_open, note


def file_tickets(
    path: Path | str,
    text_columns: Sequence[str],
    *,
    id_column: str | None = None,
    code_columns: Sequence[str] = (),
    label_column: str | None = None,
    time_column: str | None = None,
    max_tickets: int = MAX_TICKETS,
) -> Tickets:
    """Tickets of a CSV file (gzip allowed) with one or more text columns."""
    if not text_columns:
        raise InputError("no text column given", "name it with --text-column COLUMN")
    try:
        raw = pd.read_csv(path, encoding="utf-8-sig", dtype=str, keep_default_na=False)
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise InputError(
            f"{path} cannot be read as CSV ({str(exc).splitlines()[0]})",
            "give a comma-separated UTF-8 file with a header row",
        ) from None
    wanted = [*text_columns, *code_columns, id_column, label_column, time_column]
    missing = [c for c in wanted if c is not None and c not in raw.columns]
    if missing:
        raise InputError(
            f"{path} has no column {', '.join(map(repr, missing))}",
            f"its columns are: {', '.join(map(str, raw.columns))}",
        )
    notes: list[str] = []
    if len(raw) > max_tickets:
        notes.append(f"the first {max_tickets:,} of {len(raw):,} rows are clustered")
        raw = raw.head(max_tickets)
    raw = raw.replace("", None)
    frame = pd.DataFrame(
        {"id": raw[id_column] if id_column else pd.Series(range(1, len(raw) + 1)).astype(str)}
    )
    for col in (*text_columns, *code_columns):
        frame[col] = raw[col].to_numpy()
    if label_column:
        frame["label"] = raw[label_column].to_numpy()
    if time_column:
        opened = pd.to_datetime(raw[time_column], errors="coerce", format="ISO8601")
        if opened.isna().all():
            raise InputError(
                f"column {time_column!r} holds no ISO 8601 time", "write times as 2025-03-01 14:05"
            )
        frame["opened"] = opened.to_numpy()
    docs = documents(frame, text_columns, code_columns)
    frame["text"] = documents(frame, text_columns, []).to_numpy()
    source = {"kind": f"file {Path(path).name}", "text": list(text_columns)}
    source["codes"] = list(code_columns)
    return Tickets(frame.reset_index(drop=True), docs.reset_index(drop=True), source, notes)


def _tickets(
    store: Path | str | None, log: str | None, file: Path | str | None, **options: Any
) -> Tickets:
    if file is not None:
        return file_tickets(file, **options)
    return store_tickets(store, log, options.get("max_tickets", MAX_TICKETS))


# -- problems -----------------------------------------------------------------------------------
def _fit(tickets: Tickets, min_size: int) -> TextClusters:
    return TextClusters(min_cluster_size=min_size).fit(tickets.docs.tolist())


def problems(
    store: Path | str | None = None,
    *,
    log: str | None = None,
    file: Path | str | None = None,
    text_columns: Sequence[str] = (),
    id_column: str | None = None,
    code_columns: Sequence[str] = (),
    label_column: str | None = None,
    min_size: int = 10,
    rank: str = "volume",
    max_tickets: int = MAX_TICKETS,
) -> ProblemsResult:
    """Candidate problems: tickets clustered by what they say, ranked by ``rank`` (``volume``:
    tickets; ``hours``: hours lost). ``file`` reads a CSV with ``text_columns`` instead of the
    store; ``label_column`` (a file's known group or category) adds purity and AMI."""
    if rank not in RANKINGS:
        raise InputError(f"unknown ranking {rank!r}", f"use one of: {', '.join(RANKINGS)}")
    options: dict[str, Any] = {"max_tickets": max_tickets}
    if file is not None:
        options |= {
            "text_columns": text_columns,
            "id_column": id_column,
            "code_columns": code_columns,
            "label_column": label_column,
        }
    tickets = _tickets(store, log, file, **options)
    model = _fit(tickets, min_size)
    frame = tickets.frame
    info = TicketInfo(
        ids=frame["id"],
        texts=frame["text"],
        hours=frame.get("hours"),
        still_open=frame.get("open"),
        reopened=frame.get("reopened"),
    )
    table = cluster_table(model, info, rank=rank)
    assignments = pd.DataFrame({"id": frame["id"], "cluster": model.labels_})
    noise = unclustered(model)
    facts: dict[str, Any] = {
        "tickets": len(frame),
        "clusters": model.n_clusters_,
        "clustered": len(frame) - noise,
        "unclustered": noise,
        "unclustered_share": noise / len(frame),
        "ranked_by": "hours lost" if rank == "hours" and "hours" in frame else "tickets",
        "source": tickets.source,
        "method": (
            f"TF-IDF (words and word pairs) → TruncatedSVD ({model.n_dimensions_} dimensions, "
            f"random_state {model.random_state}) → HDBSCAN (min cluster size "
            f"{model.min_cluster_size})"
        ),
        "parameters": model.parameters(),
        "assumptions": [
            *tickets.notes,
            "a cluster is a candidate problem, not a diagnosis: read its examples",
            (
                f"document = text of {', '.join(tickets.source['text']) or '(none)'} + codes "
                f"of {', '.join(tickets.source['codes']) or '(none)'}"
            ),
        ],
    }
    if "label" in frame:
        facts["agreement"] = {
            "label": label_column,
            **agreement(model.labels_, frame["label"].to_numpy()),
        }
        assignments["label"] = frame["label"]
    return ProblemsResult(table, assignments, facts)


# -- bursts -------------------------------------------------------------------------------------
def bursts(
    store: Path | str | None = None,
    *,
    log: str | None = None,
    file: Path | str | None = None,
    text_columns: Sequence[str] = (),
    id_column: str | None = None,
    code_columns: Sequence[str] = (),
    time_column: str | None = None,
    by: Sequence[str] = BURST_DIMENSIONS,
    window_hours: float = 4.0,
    false_alarms: float = 0.05,
    min_count: int = 3,
    min_size: int = 10,
    permutations: int = 999,
    max_tickets: int = MAX_TICKETS,
    step: Callable[[str], None] | None = None,
) -> BurstsResult:
    """Bursts of similar tickets per cluster and per category / configuration item (``by``),
    with a false-alarm rate of ``false_alarms`` per group-year (docs/problems.md)."""
    rule = BurstRule(
        window_hours=window_hours,
        false_alarms_per_year=false_alarms,
        min_count=min_count,
        permutations=permutations,
    )
    rule.check()
    if file is not None and time_column is None:
        raise InputError("bursts need each ticket's time", "name it with --time-column COLUMN")
    options: dict[str, Any] = {"max_tickets": max_tickets}
    if file is not None:
        options |= {
            "text_columns": text_columns,
            "id_column": id_column,
            "code_columns": code_columns,
            "time_column": time_column,
        }
    tickets = _tickets(store, log, file, **options)
    frame = tickets.frame
    groups: dict[str, pd.Series] = {}
    for dim in by:
        if dim == "cluster":
            labels = _fit(tickets, min_size).labels_
            named = [None if v == NOISE else str(v) for v in labels]
            groups["cluster"] = pd.Series(named, dtype="object")
        elif dim in frame.columns and dim not in {"id", "text", "opened", "hours", "open"}:
            groups[dim] = frame[dim]
    if not groups:
        raise InputError(
            f"none of {', '.join(by)} is in the data", "scan by cluster or by a code column"
        )
    episodes, scanned = scan_bursts(frame["opened"], groups, rule, step=step)
    opened = pd.to_datetime(frame["opened"])
    span_h = (opened.max() - opened.min()) / pd.Timedelta(hours=1)
    alpha = rule.alpha_for(float(span_h))
    facts = {
        "tickets": len(frame),
        "span_days": span_h / 24.0,
        "dimensions": list(groups),
        "groups": len(scanned),
        "alpha_span": alpha,
        "expected_false_alarms": alpha * len(scanned),
        "rule": rule.describe(),
        "source": tickets.source,
        "assumptions": [
            *(n for n in tickets.notes if not n.startswith("hours lost")),
            (
                "baseline: the group's share of all the desk's tickets, constant over the span "
                "(a group whose share follows the hour of day may alarm more often)"
            ),
            "a ticket counts at its opening time; windows end at a ticket of the group",
        ],
    }
    return BurstsResult(episodes, scanned, facts)
