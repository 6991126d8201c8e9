"""Jira Service Management CSV export (one row per issue) -> canonical events
(``--source jira-csv``).

The file of JSM's issue search ("Filters" -> "Export" -> "Export CSV (all fields)"), whose real
header is kept in ``../shared/data/export_formats/jira_cloud_jsm`` (Atlassian support: "Export
your issues to CSV" / "Export issues from Jira Cloud"). A ticket list, not a history: each issue
gives up to four events, at

* ``Created`` -> ``Created`` (state new);
* ``Custom field ([CHART] Date of First Response)`` -> ``First response`` (in_progress);
* ``Resolved`` -> ``Resolved`` (resolved; the issue's current status instead when that status
  means cancelled);
* ``Status Category Changed`` (or the latest date above, if later) -> the current ``Status``,
  only when its state differs from the one the dates before it give (``Closed`` after
  ``Resolved``, ``Waiting for customer`` after the first response).

Group (``Custom field (Team)`` or another team/group column), assignee and priority are the
*current* values, carried on every event: reassignments, waits and reopenings are not in the
export. ``Custom field (Time to resolution)`` / ``(Time to first response)`` (``h:mm`` left when
the clock stopped, negative = breached) give ``made_sla`` (on the resolution and after it) and
``made_sla_first_response``; running clocks (unresolved issues) give no verdict. ``Custom field
([CHART] Time in Status)`` (``statusId_*:*_visits_*:*_milliseconds`` joined by ``_*|*_``) is
decoded into per-status totals kept as attributes ``time_in_status_<id>_hours`` and
``visits_in_status_<id>``: totals per status id only, never when a transition happened.

Dates: ``05/Mar/24 10:15 AM`` (English month names: the day/month order is unambiguous), also
``2024-03-05 10:15``; all-numeric dates such as ``05/03/24`` need ``--dayfirst`` or
``--monthfirst`` (never guessed). Times carry no zone: they are read in ``--timezone`` (the
exporting user's Jira profile zone; default UTC). Repeated header names (``Watchers``,
``Labels``, ``Comment``) are read as ``Name``, ``Name.1``, ….
"""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime
from pathlib import Path

import pandas as pd

from pdca.errors import AmbiguousDateError
from pdca.ingest import jira_fields as jf
from pdca.ingest.history import TIME_FORMAT, batch_from_frame, file_sha256
from pdca.ingest.options import LoadOptions
from pdca.ingest.reader import ROW, BadRow, read_delimited
from pdca.model.batch import ImportBatch
from pdca.model.schema import Col
from pdca.model.vocab import State

SIGNATURE: frozenset[str] = frozenset({"Issue key", "Issue id", "Status Category"})
CREATED, FIRST_RESPONSE, RESOLVED = "Created", "First response", "Resolved"
_EVENT_STATES: dict[str, State | str] = {
    CREATED: State.NEW,
    FIRST_RESPONSE: State.IN_PROGRESS,
    RESOLVED: State.RESOLVED,
}
_NAMED = ("%d/%b/%y %I:%M %p", "%d/%b/%Y %I:%M %p", "%d/%b/%y %H:%M", "%d/%b/%Y %H:%M")
_ISO = ("%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M")
_NUMERIC = re.compile(r"^\s*(\d{1,2})[/.-](\d{1,2})[/.-](\d{2,4})\b")
ROW_STRIDE = 100
"""An event's ``row`` is the file row times this, plus its rank (0 created … 3 status)."""
_SUFFIX = re.compile(r"\.\d+$")
_TIS_ENTRY = re.compile(r"^\s*([^_]+)_\*:\*_(\d+)_\*:\*_(\d+)\s*$")


def detect(path: Path) -> bool:
    """The header names ``Issue key``, ``Issue id`` and ``Status Category``."""
    try:
        if not path.is_file():
            return False
        with path.open("rb") as handle:
            head = handle.read(16384)
    except OSError:
        return False
    text = head.decode("utf-8", errors="replace").lstrip("\ufeff")
    try:
        header = next(csv.reader(io.StringIO(text)))
    except (StopIteration, csv.Error):
        return False
    return {h.strip() for h in header} >= SIGNATURE


def _plain(name: str) -> str:
    """``Custom field (Time to resolution).1`` -> ``time to resolution``."""
    name = _SUFFIX.sub("", name.strip())
    if name.startswith("Custom field (") and name.endswith(")"):
        name = name[len("Custom field (") : -1]
    return name.strip().lower()


def _column(frame: pd.DataFrame, *names: str) -> pd.Series:
    """The first column whose plain name is one of ``names`` (all missing when none)."""
    plain = {c: _plain(c) for c in frame.columns if c != ROW}
    for wanted in names:
        for column, name in plain.items():
            if name == wanted:
                return frame[column]
    return pd.Series(None, index=frame.index, dtype=object)


def _date_formats(options: LoadOptions) -> tuple[str, ...]:
    if options.dayfirst is None:
        return _NAMED + _ISO
    numeric: tuple[str, ...] = (
        "%d/%m/%y %I:%M %p", "%d/%m/%Y %I:%M %p", "%d/%m/%y %H:%M", "%d/%m/%Y %H:%M",
    )  # fmt: skip
    if not options.dayfirst:
        numeric = tuple(f.replace("%d/%m", "%m/%d") for f in numeric)
    return _NAMED + _ISO + numeric


def parse_dates(values: pd.Series, options: LoadOptions) -> pd.Series:
    """Jira CSV dates as UTC text (:data:`TIME_FORMAT`); unreadable values kept as given."""
    formats = _date_formats(options)
    text = values.astype(object).where(values.notna(), None)
    filled = text.dropna().astype(str).str.strip()
    filled = filled[filled != ""]
    if options.dayfirst is None and filled.str.match(_NUMERIC).any():
        sample = filled[filled.str.match(_NUMERIC)].iloc[0]
        raise AmbiguousDateError(
            f"dates such as {sample!r} do not say whether the day or the month comes first",
            "pass --dayfirst or --monthfirst (Jira writes them in the exporting user's format)",
        )
    parsed: dict[int, datetime] = {}
    for index, value in filled.items():
        for fmt in formats:
            try:
                parsed[int(str(index))] = datetime.strptime(value, fmt)  # noqa: DTZ007
                break
            except ValueError:
                continue
    out = text.copy()
    out[text.notna()] = filled.reindex(text.index[text.notna()])
    # what pandas' nanoseconds cannot hold (before 22 Sep 1677, from 11 Apr 2262) stays unreadable
    low, high = datetime(1677, 9, 22), datetime(2262, 4, 11)  # noqa: DTZ001 (naive, as parsed)
    parsed = {i: when for i, when in parsed.items() if low <= when < high}
    if parsed:
        stamps: pd.Series = pd.Series(parsed, dtype="datetime64[ns]")
        zone = options.timezone
        if zone and zone.upper() != "UTC":
            stamps = stamps.dt.tz_localize(zone, ambiguous="NaT", nonexistent="NaT")
            stamps = stamps.dt.tz_convert("UTC").dt.tz_localize(None)
        ok = stamps.notna()
        out.loc[stamps.index[ok]] = stamps[ok].dt.strftime(TIME_FORMAT)
    return out.where(out != "", None)


def time_in_status(text: str | None) -> dict[str, str]:
    """``[CHART] Time in Status`` decoded: per status id, visits and hours (as attributes)."""
    out: dict[str, str] = {}
    if not text or not str(text).strip():
        return out
    for entry in str(text).split("_*|*_"):
        match = _TIS_ENTRY.match(entry)
        if not match:
            out["time_in_status_unread"] = str(text)[:200]
            continue
        ident, visits, millis = match.groups()
        out[f"visits_in_status_{ident}"] = visits
        out[f"time_in_status_{ident}_hours"] = f"{int(millis) / 3_600_000:.6f}"
    return out


def _verdict(text: object) -> str | None:
    hours = _sla_hours(text if isinstance(text, str) else None)
    return None if hours is None else ("true" if hours >= 0 else "false")


def _sla_hours(text: str | None) -> float | None:
    """``h:mm`` (JSM), or decimal hours with a comma or a dot (``-3,5``)."""
    found = jf.sla_hours(text)
    if found is not None or text is None:
        return found
    cleaned = text.strip().replace(",", ".")
    return float(cleaned) if re.fullmatch(r"-?\d+(\.\d+)?", cleaned) else None


def load(path: Path, options: LoadOptions) -> ImportBatch:
    """A Jira Service Management CSV export (one row per issue)."""
    raw = read_delimited(
        path, encoding=options.encoding or "utf-8", delimiter=options.delimiter or ","
    )
    frame = raw.frame.replace("", None)
    chosen = jf.chosen_group_field(options.mapping)
    group_names = (chosen.lower(),) if chosen else jf.GROUP_FIELD_NAMES
    status = _column(frame, "status")
    category = _column(frame, "status category")
    base = pd.DataFrame(
        {
            Col.CASE_ID: _column(frame, "issue key"),
            Col.RESOURCE: _column(frame, "assignee"),
            Col.ASSIGNMENT_GROUP: _column(frame, *group_names),
            Col.SUPPORT_LEVEL: _column(frame, *jf.LEVEL_FIELD_NAMES),
            Col.PRIORITY: _column(frame, "priority"),
            "issue_id": _column(frame, "issue id"),
            "issue_type": _column(frame, "issue type"),
        }
    )
    base[Col.TICKET_TYPE] = base["issue_type"].map(lambda t: jf.ticket_type(t)[0].value)
    categories = {str(s): str(c) for s, c in zip(status, category, strict=True)
                  if s is not None and c is not None}  # fmt: skip
    states = jf.status_states({str(s) for s in status.dropna()}, categories)
    made = _column(frame, "time to resolution").map(_verdict)
    made_first = _column(frame, "time to first response").map(_verdict)
    decoded = _column(frame, "[chart] time in status").map(time_in_status)
    times = {
        CREATED: parse_dates(_column(frame, "created"), options),
        FIRST_RESPONSE: parse_dates(_column(frame, "[chart] date of first response"), options),
        RESOLVED: parse_dates(_column(frame, "resolved"), options),
        "changed": parse_dates(_column(frame, "status category changed"), options),
    }
    keep, bad = _row_checks(base, times, frame[ROW])
    kept = {k: v[keep] for k, v in times.items()}
    events = _events(
        base[keep], status[keep], states, kept, made=made[keep], made_first=made_first[keep]
    )
    extra = pd.DataFrame(list(decoded), index=frame.index)
    if len(extra.columns):
        events = events.join(extra, on="_source")
    events[ROW] = events["_source"].map(frame[ROW]).astype("int64") * ROW_STRIDE + events[
        Col.SEQ
    ].astype("int64")
    events = events.drop(columns="_source")
    all_states: dict[str, State | str] = {**_EVENT_STATES, **states}
    batch = batch_from_frame(
        events,
        source="jira-csv",
        states=all_states,
        path=path,
        options=options,
        sha256=file_sha256(path),
        bad_rows=[*raw.bad_rows, *bad],
        rows_read=raw.rows_read,
    )
    batch.details["ticket_list"] = {
        "rows": raw.rows_read,
        "rows_kept": int(keep.sum()),
        "rows_quarantined": len(bad) + len(raw.bad_rows),
        "events": len(events),
    }
    batch.details["notes"] = [
        (
            "a ticket list: reassignments, waits and reopenings are not in a Jira CSV export; "
            "group, assignee and priority are the current values"
        )
    ]
    return batch


def _row_checks(
    base: pd.DataFrame, times: dict[str, pd.Series], rows: pd.Series
) -> tuple[pd.Series, list[BadRow]]:
    """Which rows make events; the others quarantined with the reason (no key, no readable
    Created, a date present but unreadable, a date before Created)."""
    reason = pd.Series(None, index=base.index, dtype=object)
    parsed = {k: pd.to_datetime(v, format=TIME_FORMAT, errors="coerce") for k, v in times.items()}
    for name, label in (
        ("changed", "Status Category Changed"),
        (RESOLVED, "Resolved"),
        (FIRST_RESPONSE, "[CHART] Date of First Response"),
    ):
        late = parsed[name] < parsed[CREATED]
        reason = reason.where(~late, f"{label} is before Created")
        unread = times[name].notna() & parsed[name].isna()
        said = times[name].astype(str).map(repr)
        reason = reason.where(~unread, f"{label} " + said + " is not a date Jira writes")
    no_created = parsed[CREATED].isna()
    reason = reason.where(
        ~no_created,
        "Created " + times[CREATED].astype(str).map(repr) + " is missing or not a date Jira writes",
    )
    reason = reason.where(base[Col.CASE_ID].notna(), "missing Issue key")
    bad = [
        BadRow(None, f"row {int(rows[i])}: {reason[i]}", str(base.loc[i, Col.CASE_ID]))
        for i in reason.index[reason.notna()]
    ]
    return reason.isna(), bad


def _part(
    base: pd.DataFrame, mask: pd.Series, rank: int, columns: dict[str, pd.Series | str]
) -> pd.DataFrame:
    """The events of one kind (``rank``) for the issues in ``mask``."""
    part = base[mask].copy()
    for name, values in columns.items():
        part[name] = values if isinstance(values, str) else values[mask]
    part["_k"] = rank
    return part


def _events(
    base: pd.DataFrame,
    status: pd.Series,
    states: dict[str, State | str],
    times: dict[str, pd.Series],
    *,
    made: pd.Series,
    made_first: pd.Series,
) -> pd.DataFrame:
    """Up to four events per issue (see the module docstring), in time order per issue."""
    state_text = status.map(lambda s: None if pd.isna(s) else states.get(str(s)))
    state_text = state_text.map(lambda s: None if pd.isna(s) else State(s).value)
    everyone = pd.Series(data=True, index=base.index)
    has_first, has_resolved = times[FIRST_RESPONSE].notna(), times[RESOLVED].notna()
    label = pd.Series(RESOLVED, index=base.index).where(state_text != State.CANCELLED.value, status)
    implied = pd.Series(State.NEW.value, index=base.index)
    implied = implied.where(~has_first, State.IN_PROGRESS.value)
    label_state = label.map(lambda s: State(states.get(str(s), State.RESOLVED)).value)
    implied = implied.where(~has_resolved, label_state)
    stamps = {k: pd.to_datetime(v, format=TIME_FORMAT, errors="coerce") for k, v in times.items()}
    latest = pd.concat([stamps[CREATED], stamps[FIRST_RESPONSE], stamps[RESOLVED]], axis=1)
    latest_t = latest.max(axis=1)
    when = stamps["changed"].where(stamps["changed"] > latest_t, latest_t)
    final = status.notna() & when.notna() & (state_text != implied)
    when_text = when.dt.strftime(TIME_FORMAT)
    parts = [
        _part(base, everyone, 0, {Col.TIMESTAMP: times[CREATED], Col.ACTIVITY: CREATED}),
        _part(base, has_first, 1, {Col.TIMESTAMP: times[FIRST_RESPONSE],
              Col.ACTIVITY: FIRST_RESPONSE, "made_sla_first_response": made_first}),
        _part(base, has_resolved, 2, {Col.TIMESTAMP: times[RESOLVED], Col.ACTIVITY: label,
              "made_sla": made}),
        _part(base, final, 3, {Col.TIMESTAMP: when_text, Col.ACTIVITY: status,
              "made_sla": made.where(has_resolved)}),
    ]  # fmt: skip
    events = pd.concat(parts).rename_axis("_source").reset_index()
    events[Col.SEQ] = events["_k"].astype(str)
    events = events.sort_values(["_source", "_k"], kind="stable").drop(columns="_k")
    resolved_at = events[Col.ACTIVITY].eq(RESOLVED) | events["made_sla"].notna()
    events["made_sla"] = (
        events.groupby("_source")["made_sla"]
        .ffill()
        .where(resolved_at.groupby(events["_source"]).cummax())
    )
    return events.reset_index(drop=True)
