"""Reading osTicket's table dumps (CSV, one file per table, as ``install-mysql.sql`` names the
columns) into lookups the osTicket connector uses."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from pdca.errors import InputError

EVENTS_1_11: dict[str, str] = {
    str(i + 1): name
    for i, name in enumerate(
        (
            "created",
            "closed",
            "reopened",
            "assigned",
            "released",
            "transferred",
            "referred",
            "overdue",
            "edited",
            "viewed",
            "error",
            "collab",
            "resent",
            "deleted",
        )
    )
}
"""The ``event`` table as osTicket 1.11's upgrade patch fills it (used when event.csv is absent)."""

MISSING = ("", "NULL", "\\N")


def _csv(path: Path, *, required: bool = False) -> pd.DataFrame | None:
    if not path.is_file():
        if required:
            raise InputError(
                f"{path.parent} has no {path.name}",
                "an osTicket export needs thread_event.csv, thread.csv and ticket.csv",
            )
        return None
    try:
        frame = pd.read_csv(
            path, dtype=str, keep_default_na=False, na_values=list(MISSING), encoding="utf-8-sig"
        )
    except (ValueError, pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read {path} as CSV: {exc}") from None
    if not isinstance(frame.index, pd.RangeIndex):  # pandas made the surplus fields an index
        raise InputError(
            f"cannot read {path} as CSV: its first data line has more fields than the header",
            "re-export the table",
        )
    frame.columns = [str(c).strip() for c in frame.columns]
    return frame.astype(object).where(frame.notna(), None)


def _need(frame: pd.DataFrame, columns: tuple[str, ...], path: Path) -> None:
    absent = [c for c in columns if c not in frame.columns]
    if absent:
        raise InputError(
            f"{path} is not an osTicket table dump: no column {', '.join(absent)}",
            "export the table with its column names in the first line",
        )


def _lookup(frame: pd.DataFrame | None, key: str, *labels: str) -> dict[str, str]:
    if frame is None or key not in frame.columns:
        return {}
    out: dict[str, str] = {}
    for record in frame.to_dict("records"):
        parts = [str(record.get(label) or "").strip() for label in labels]
        name = " ".join(p for p in parts if p)
        if record.get(key) is not None and name:
            out[str(record[key])] = name
    return out


@dataclass
class Dump:
    """osTicket's tables, read: the events and every lookup the connector needs."""

    events: pd.DataFrame
    threads: pd.DataFrame
    tickets: pd.DataFrame
    event_names: dict[str, str] = field(default_factory=dict)
    departments: dict[str, str] = field(default_factory=dict)
    teams: dict[str, str] = field(default_factory=dict)
    staff: dict[str, str] = field(default_factory=dict)
    statuses: dict[str, str] = field(default_factory=dict)
    status_states: dict[str, str] = field(default_factory=dict)
    names_from: str = "event.csv (osTicket 1.11 and later)"

    def raw(self, index: Any) -> str:
        record = {str(k): v for k, v in self.events.loc[index].items()}
        return json.dumps(record, ensure_ascii=False, default=str)

    @staticmethod
    def data(text: Any) -> Any:
        """``thread_event.data`` (JSON text) as an object, or None."""
        if not isinstance(text, str) or not text.strip():
            return None
        try:
            return json.loads(text)
        except json.JSONDecodeError:
            return None

    def status_name(self, status: Any) -> str | None:
        """The name of the status a ``closed`` event names (``[id, name]`` or an id)."""
        if isinstance(status, list) and status:
            found = self.statuses.get(str(status[0]))
            if found:
                return found
            return str(status[1]) if len(status) > 1 else None
        if status is None:
            return None
        return self.statuses.get(str(status))

    def resolution_labels(self) -> set[str]:
        """The activity labels that end in a resolution (closed-state statuses)."""
        labels = {"Resolved", "Closed", "Archived"}
        labels |= {n for n, s in self.status_states.items() if s in ("closed", "archived")}
        return labels


def read_dump(folder: Path) -> Dump:
    """Read the folder's osTicket tables."""
    events = _csv(folder / "thread_event.csv", required=True)
    threads = _csv(folder / "thread.csv", required=True)
    tickets = _csv(folder / "ticket.csv", required=True)
    assert events is not None  # required
    assert threads is not None  # required
    assert tickets is not None  # required
    _need(events, ("thread_id", "staff_id", "dept_id", "timestamp"), folder / "thread_event.csv")
    _need(threads, ("id", "object_id", "object_type"), folder / "thread.csv")
    _need(tickets, ("ticket_id",), folder / "ticket.csv")
    for column in ("team_id", "data", "annulled", "event_id", "state"):
        if column not in events.columns:
            events[column] = None
    threads = threads.drop_duplicates("id", keep="last").set_index("id")
    ids = pd.to_numeric(tickets["ticket_id"], errors="coerce")
    tickets = tickets[ids.notna()].copy()
    tickets.index = pd.Index(ids[ids.notna()].astype("int64"), name="ticket")
    tickets = tickets[~tickets.index.duplicated(keep="last")]
    number = tickets.get("number")
    fallback = pd.Series(tickets.index.astype(str), index=tickets.index)
    tickets["number"] = fallback if number is None else number.where(number.notna(), fallback)
    tickets["priority"] = _priorities(folder, tickets)
    status_frame = _csv(folder / "ticket_status.csv")
    dump = Dump(
        events=events,
        threads=threads,
        tickets=tickets[["number", "priority"]],
        event_names=_lookup(_csv(folder / "event.csv"), "id", "name"),
        departments=_lookup(_csv(folder / "department.csv"), "id", "name"),
        teams=_lookup(_csv(folder / "team.csv"), "team_id", "name"),
        staff=_staff(_csv(folder / "staff.csv")),
        statuses=_lookup(status_frame, "id", "name"),
    )
    if status_frame is not None and {"name", "state"} <= set(status_frame.columns):
        dump.status_states = {
            str(n): str(s) for n, s in zip(status_frame["name"], status_frame["state"], strict=True)
        }
    if not dump.event_names:
        dump.names_from = "osTicket 1.11's default event ids (no event.csv)"
    return dump


def _staff(frame: pd.DataFrame | None) -> dict[str, str]:
    names = _lookup(frame, "staff_id", "firstname", "lastname")
    for ident, login in _lookup(frame, "staff_id", "username").items():
        names.setdefault(ident, login)
    return names


def _priorities(folder: Path, tickets: pd.DataFrame) -> pd.Series:
    """The ticket's current priority name (``ticket__cdata.priority`` -> ``ticket_priority``)."""
    names = _lookup(_csv(folder / "ticket_priority.csv"), "priority_id", "priority")
    ids = pd.Series(None, index=tickets.index, dtype=object)
    cdata = _csv(folder / "ticket__cdata.csv")
    if cdata is not None and {"ticket_id", "priority"} <= set(cdata.columns):
        key = pd.to_numeric(cdata["ticket_id"], errors="coerce")
        by_ticket = pd.Series(cdata["priority"].to_numpy(), index=key).dropna()
        by_ticket = by_ticket[~by_ticket.index.duplicated(keep="last")]
        ids = pd.Series([by_ticket.get(i) for i in tickets.index], index=tickets.index)
    if "priority_id" in tickets.columns:  # osTicket before 1.9 kept it on the ticket
        ids = ids.where(ids.notna(), tickets["priority_id"])
    return ids.map(lambda i: None if i is None or pd.isna(i) else names.get(str(i), str(i)))
