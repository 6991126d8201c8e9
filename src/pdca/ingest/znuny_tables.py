"""Reading Znuny / OTRS tables: a folder of table dumps or a ``pdca pull`` bundle.

Column names as znuny/Znuny ``scripts/database/schema.xml`` (``otrs-schema.mysql.sql`` in OTRS)
defines them: ``ticket_history(id, name, history_type_id, ticket_id, article_id, type_id,
queue_id, owner_id, priority_id, state_id, create_time, create_by, …)``, ``ticket(id, tn, …)``,
lookups ``ticket_state(id, name, type_id)``, ``ticket_state_type(id, name)``,
``ticket_history_type(id, name)``, ``queue(id, name)``, ``users(id, login)``,
``ticket_priority(id, name)``. A missing lookup falls back to the names of Znuny's initial insert
(``scripts/database/initial_insert.xml``) for states, state types, history types and priorities,
and to the bare id for queues and users. The bundle holds the GenericInterface responses
``TicketGet`` (``Ticket[{TicketID, TicketNumber, State, StateType, Queue, Owner, …}]``) and
``TicketHistoryGet`` (``TicketHistory[{TicketID, History[{HistoryType, HistoryTypeID, Name,
CreateTime, QueueID, OwnerID, PriorityID, StateID, …}]}]``); its id -> name lookups come from the
tickets, from the history ``Name`` texts (``%%old%%new%%`` and the like) and from optional lists
``states``, ``queues``, ``users``, ``priorities``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from pdca.errors import InputError
from pdca.ingest.history import file_sha256
from pdca.ingest.reader import ROW, BadRow
from pdca.ingest.table import read_table

DEFAULT_STATES: dict[str, tuple[str, str]] = {
    "1": ("new", "new"),
    "2": ("closed successful", "closed"),
    "3": ("closed unsuccessful", "closed"),
    "4": ("open", "open"),
    "5": ("removed", "removed"),
    "6": ("pending reminder", "pending reminder"),
    "7": ("pending auto close+", "pending auto"),
    "8": ("pending auto close-", "pending auto"),
    "9": ("merged", "merged"),
}
"""Znuny's initial ``ticket_state`` rows: id -> (name, state type name)."""
DEFAULT_STATE_TYPES = {
    "1": "new",
    "2": "open",
    "3": "closed",
    "4": "pending reminder",
    "5": "pending auto",
    "6": "removed",
    "7": "merged",
}
DEFAULT_PRIORITIES = {
    "1": "1 very low",
    "2": "2 low",
    "3": "3 normal",
    "4": "4 high",
    "5": "5 very high",
}
DEFAULT_HISTORY_TYPES = {
    "1": "NewTicket",
    "2": "FollowUp",
    "3": "SendAutoReject",
    "4": "SendAutoReply",
    "5": "SendAutoFollowUp",
    "6": "Forward",
    "7": "Bounce",
    "8": "SendAnswer",
    "9": "SendAgentNotification",
    "10": "SendCustomerNotification",
    "11": "EmailAgent",
    "12": "EmailCustomer",
    "13": "PhoneCallAgent",
    "14": "PhoneCallCustomer",
    "15": "AddNote",
    "16": "Move",
    "17": "Lock",
    "18": "Unlock",
    "19": "Remove",
    "20": "TimeAccounting",
    "21": "CustomerUpdate",
    "22": "PriorityUpdate",
    "23": "OwnerUpdate",
    "24": "LoopProtection",
    "25": "Misc",
    "26": "SetPendingTime",
    "27": "StateUpdate",
    "28": "TicketDynamicFieldUpdate",
    "29": "WebRequestCustomer",
    "30": "TicketLinkAdd",
    "31": "TicketLinkDelete",
    "32": "SystemRequest",
    "33": "Merged",
    "34": "ResponsibleUpdate",
    "35": "Subscribe",
    "36": "Unsubscribe",
    "37": "TypeUpdate",
    "38": "ServiceUpdate",
    "39": "SLAUpdate",
    "40": "ArchiveFlagUpdate",
    "41": "EscalationSolutionTimeStop",
    "42": "EscalationResponseTimeStart",
    "43": "EscalationUpdateTimeStart",
    "44": "EscalationSolutionTimeStart",
    "45": "EscalationResponseTimeNotifyBefore",
    "46": "EscalationUpdateTimeNotifyBefore",
    "47": "EscalationSolutionTimeNotifyBefore",
    "48": "EscalationResponseTimeStop",
    "49": "EscalationUpdateTimeStop",
    "50": "TitleUpdate",
    "51": "EmailResend",
    "52": "Bulk",
}
"""Znuny's initial ``ticket_history_type`` rows."""

HISTORY_COLUMNS = (
    "id",
    "name",
    "history_type_id",
    "ticket_id",
    "article_id",
    "type_id",
    "queue_id",
    "owner_id",
    "priority_id",
    "state_id",
    "create_time",
    "create_by",
)
NULLS = frozenset({"", "\\N", "NULL", "null"})
_BUNDLE = re.compile(r'"pdca_bundle"\s*:\s*\{[^}]*"source"\s*:\s*"(?:znuny|otrs)"')
_API_KEYS = {
    "HistoryID": "id",
    "Name": "name",
    "HistoryTypeID": "history_type_id",
    "HistoryType": "history_type",
    "TicketID": "ticket_id",
    "ArticleID": "article_id",
    "TypeID": "type_id",
    "QueueID": "queue_id",
    "OwnerID": "owner_id",
    "PriorityID": "priority_id",
    "StateID": "state_id",
    "CreateTime": "create_time",
    "CreateBy": "create_by",
}


@dataclass
class Lookups:
    """id -> name maps (text ids)."""

    states: dict[str, tuple[str, str | None]] = field(default_factory=dict)
    """state id -> (name, state type name or None)."""
    history_types: dict[str, str] = field(default_factory=dict)
    queues: dict[str, str] = field(default_factory=dict)
    users: dict[str, str] = field(default_factory=dict)
    priorities: dict[str, str] = field(default_factory=dict)
    defaults_used: list[str] = field(default_factory=list)


@dataclass
class ZnunyTables:
    """The history rows, ticket numbers, lookups and what could not be read."""

    history: pd.DataFrame
    tickets: dict[str, str] | None
    """ticket id -> ticket number (tn); None when no ticket table was given."""
    lookups: Lookups
    bad_rows: list[BadRow]
    sha256: str


def _file(folder: Path, table: str) -> Path | None:
    for ext in (".csv", ".tsv", ".txt", ".csv.gz"):
        if (folder / f"{table}{ext}").is_file():
            return folder / f"{table}{ext}"
    return None


def _read(path: Path, bad: list[BadRow]) -> pd.DataFrame:
    raw = read_table(path).raw
    bad += [BadRow(None, f"{path.name} line {b.line}: {b.reason}", b.text) for b in raw.bad_rows]
    frame = raw.frame.astype(object)
    cols = [c for c in frame.columns if c != ROW]
    frame[cols] = frame[cols].where(~frame[cols].isin(NULLS) & frame[cols].notna(), None)
    return frame


def _pairs(frame: pd.DataFrame | None, value: str) -> dict[str, str]:
    if frame is None or not {"id", value} <= set(frame.columns):
        return {}
    return {str(i): str(v) for i, v in zip(frame["id"], frame[value], strict=True) if v}


def read_folder(folder: Path) -> ZnunyTables:
    """Read ``ticket_history`` (required), ``ticket`` and the lookup dumps in ``folder``."""
    path = _file(folder, "ticket_history")
    if path is None:
        raise InputError(
            f"{folder} has no ticket_history.csv",
            "export ticket_history (and ticket, ticket_state, queue, users…) with a header "
            "line (docs/connectors/znuny.md)",
        )
    bad: list[BadRow] = []
    history = _read(path, bad)
    absent = [c for c in ("id", "ticket_id", "create_time", "state_id") if c not in history.columns]
    if not {"history_type_id", "history_type"} & set(history.columns):
        absent.append("history_type_id")
    if absent:
        raise InputError(f"{path} has no column {', '.join(absent)}", "export it with SELECT *")
    tables = {
        t: _read(p, bad)
        for t in (
            "ticket",
            "ticket_state",
            "ticket_state_type",
            "ticket_history_type",
            "queue",
            "users",
            "ticket_priority",
        )
        if (p := _file(folder, t)) is not None
    }
    look = Lookups()
    types = _pairs(tables.get("ticket_state_type"), "name")
    if "ticket_state_type" not in tables:
        types, look.defaults_used = dict(DEFAULT_STATE_TYPES), ["ticket_state_type"]
    state = tables.get("ticket_state")
    if state is not None and {"id", "name"} <= set(state.columns):
        type_ids = state["type_id"] if "type_id" in state.columns else [None] * len(state)
        look.states = {
            str(i): (str(n), types.get(str(t)))
            for i, n, t in zip(state["id"], state["name"], type_ids, strict=True)
        }
    else:
        look.states = {k: (n, t) for k, (n, t) in DEFAULT_STATES.items()}
        look.defaults_used.append("ticket_state")
    look.history_types = _pairs(tables.get("ticket_history_type"), "name")
    if not look.history_types:
        look.history_types = dict(DEFAULT_HISTORY_TYPES)
        look.defaults_used.append("ticket_history_type")
    look.priorities = _pairs(tables.get("ticket_priority"), "name")
    if not look.priorities:
        look.priorities = dict(DEFAULT_PRIORITIES)
        look.defaults_used.append("ticket_priority")
    look.queues = _pairs(tables.get("queue"), "name")
    look.users = _pairs(tables.get("users"), "login")
    tickets = _pairs(tables.get("ticket"), "tn") if "ticket" in tables else None
    return ZnunyTables(history, tickets, look, bad, file_sha256(folder))


def _text(value: Any) -> str | None:
    if value is None or isinstance(value, (dict, list)):
        return None
    text = str(value)
    return None if text in NULLS else text


def _split(name: str | None) -> list[str]:
    return [] if not name else name.split("%%")[1:]


def _learn(look: Lookups, hist: pd.DataFrame) -> None:
    """Names the history's ``Name`` texts give (Znuny's Kernel/System/Ticket.pm formats)."""
    for kind, name, row in zip(
        hist["history_type"], hist["name"], hist.to_dict("records"), strict=True
    ):
        parts = _split(name)
        if kind == "NewTicket" and len(parts) >= 4:  # %%tn%%queue%%priority%%state%%id
            look.queues.setdefault(str(row["queue_id"]), parts[1])
            look.priorities.setdefault(str(row["priority_id"]), parts[2])
            look.states.setdefault(str(row["state_id"]), (parts[3], None))
        elif kind == "StateUpdate" and len(parts) >= 2:  # %%old%%new%%
            look.states.setdefault(str(row["state_id"]), (parts[1], None))
        elif kind == "Move" and len(parts) >= 4:  # %%new%%newid%%old%%oldid
            look.queues.setdefault(parts[1], parts[0])
            look.queues.setdefault(parts[3], parts[2])
        elif kind == "PriorityUpdate" and len(parts) >= 4:  # %%old%%oldid%%new%%newid
            look.priorities.setdefault(parts[1], parts[0])
            look.priorities.setdefault(parts[3], parts[2])
        elif kind == "OwnerUpdate" and len(parts) >= 2:  # %%login%%id
            look.users.setdefault(parts[1], parts[0])


def _api_lookups(data: dict[str, Any], look: Lookups) -> dict[str, str]:
    """Ticket numbers and id -> name lookups from the TicketGet records and optional lists."""
    tickets: dict[str, str] = {}
    records = data.get("tickets") or []
    for t in [r for x in records for r in (x.get("Ticket", [x]) if isinstance(x, dict) else [])]:
        tid = _text(t.get("TicketID"))
        if tid is None:
            continue
        tickets[tid] = _text(t.get("TicketNumber")) or tid
        if t.get("StateID") is not None:
            look.states[str(t["StateID"])] = (str(t.get("State")), _text(t.get("StateType")))
        for key, target in (
            ("Queue", look.queues),
            ("Owner", look.users),
            ("Priority", look.priorities),
        ):
            if t.get(f"{key}ID") is not None and t.get(key):
                target[str(t[f"{key}ID"])] = str(t[key])
    for key, target, name in (
        ("queues", look.queues, "Name"),
        ("users", look.users, "UserLogin"),
        ("priorities", look.priorities, "Name"),
    ):
        for item in data.get(key) or []:
            if isinstance(item, dict) and item.get("ID") is not None:
                target[str(item["ID"])] = str(item.get(name))
    for item in data.get("states") or []:
        if isinstance(item, dict) and item.get("ID") is not None:
            look.states[str(item["ID"])] = (str(item.get("Name")), _text(item.get("TypeName")))
    return tickets


def read_bundle(path: Path) -> ZnunyTables:
    """Read a bundle ``{"tickets": [...], "history": [...]}`` (TicketGet, TicketHistoryGet)."""
    try:
        data = json.loads(path.read_bytes())
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"{path} is not JSON: {exc}", "give the bundle pdca pull saved") from None
    if not isinstance(data, dict) or not isinstance(data.get("history"), list):
        raise InputError(
            f"{path} is not a Znuny bundle (no 'history' list)",
            'a bundle is {"tickets": [...], "history": [...]} (docs/connectors/znuny.md)',
        )
    rows: list[dict[str, Any]] = []
    for entry in data["history"]:
        inner = entry.get("History") if isinstance(entry, dict) else None
        items = inner if isinstance(inner, list) else [entry]
        for item in items:
            if isinstance(item, dict):
                row: dict[str, Any] = {str(_API_KEYS.get(k, k)): _text(v) for k, v in item.items()}
                row.setdefault("ticket_id", _text(entry.get("TicketID")))
                rows.append(row)
    hist = pd.DataFrame(rows, columns=[*HISTORY_COLUMNS, "history_type"], dtype=object)
    hist = hist.where(hist.notna(), None)
    hist[ROW] = range(len(hist))
    look = Lookups(states={}, history_types={})
    tickets = _api_lookups(data, look)
    _learn(look, hist)
    known = dict(DEFAULT_STATES.values())
    look.states = {k: (n, t or known.get(n)) for k, (n, t) in look.states.items()}
    look.history_types = dict(DEFAULT_HISTORY_TYPES)
    return ZnunyTables(hist, tickets or None, look, [], file_sha256(path))


def detect(path: Path) -> bool:
    """A folder with a ``ticket_history`` dump, or a bundle whose ``pdca_bundle.source`` is
    ``znuny`` (or ``otrs``); reads the first and last 4 KB only."""
    try:
        if path.is_dir():
            return _file(path, "ticket_history") is not None
        if not path.is_file() or not path.name.lower().endswith(".json"):
            return False
        size = path.stat().st_size
        with path.open("rb") as handle:
            head = handle.read(4096)
            tail = b""
            if size > 4096:
                handle.seek(max(size - 4096, 4096))
                tail = handle.read()
        return bool(_BUNDLE.search((head + b"\n" + tail).decode("utf-8", errors="replace")))
    except OSError:
        return False
