"""Reading Zammad's tables (CSV dumps in a folder) or its REST bundle into one shape.

Field names as zammad/zammad documents them: ``db/migrate/20120101000001_create_base.rb``
(tables), ``app/models/history.rb`` (``History.list``, which the ``ticket_history`` endpoint
returns: ``type``/``object``/``attribute`` names in place of the ``*_id`` columns; the bundle
contract also allows ``history_type``/``history_object``/``history_attribute``).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from pdca.errors import InputError

FIELDS: dict[str, str] = {
    "state": "activity",
    "group": "assignment_group",
    "owner": "resource",
    "priority": "priority",
    "support_level": "support_level",
}
"""Zammad ticket attribute (as ``histories`` names it) -> pdca field."""

NOBODY = "\u2400nobody"
"""Stands for "no value" (owner ``-``) while deltas are replayed (a missing value would mean
"unchanged" there); replaced by an empty value afterwards."""

HISTORY_COLUMNS = (
    "id",
    "o_id",
    "type",
    "object",
    "attribute",
    "value_from",
    "value_to",
    "id_from",
    "id_to",
    "created_at",
    "created_by_id",
)
MISSING = ("", "NULL", "\\N")


@dataclass
class Lookups:
    """Id -> name of Zammad's lookup records (ids as text)."""

    states: dict[str, str] = field(default_factory=dict)
    groups: dict[str, str] = field(default_factory=dict)
    priorities: dict[str, str] = field(default_factory=dict)
    users: dict[str, str] = field(default_factory=dict)
    state_types: dict[str, str] = field(default_factory=dict)
    """State name -> its state type's name (for custom states)."""

    def name(self, attribute: str, ident: Any) -> str | None:
        table = {
            "state": self.states,
            "group": self.groups,
            "priority": self.priorities,
            "owner": self.users,
        }.get(attribute)
        if table is None or ident is None or (isinstance(ident, float) and pd.isna(ident)):
            return None
        return table.get(_id_text(ident))


@dataclass
class Tables:
    """Histories (one row each, ``_row`` = position) and tickets (names resolved), any source."""

    histories: pd.DataFrame
    tickets: pd.DataFrame
    lookups: Lookups
    raw_rows: list[dict[str, Any]]
    first_line: int | None
    timezone: str | None = None

    @property
    def rows_total(self) -> int:
        return len(self.histories)

    def line(self, index: Any) -> int | None:
        """The CSV line of a history row (header is line 1), or None for JSON."""
        return None if self.first_line is None else int(index) + self.first_line

    def raw(self, index: Any) -> dict[str, Any]:
        return self.raw_rows[int(index)]


def _id_text(value: Any) -> str:
    text = str(value).strip()
    return text[:-2] if text.endswith(".0") and text[:-2].isdigit() else text


def _csv(path: Path, *, required: bool = True) -> pd.DataFrame | None:
    if not path.is_file():
        if required:
            raise InputError(
                f"{path.parent} has no {path.name}",
                "a Zammad export needs histories.csv, history_types.csv, history_objects.csv, "
                "history_attributes.csv and tickets.csv",
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
    return frame.astype(object).where(frame.notna(), None)


def _names(frame: pd.DataFrame | None, *, label: str = "name") -> dict[str, str]:
    if frame is None or "id" not in frame.columns:
        return {}
    if label == "fullname":
        first = frame.get("firstname", pd.Series(None, index=frame.index)).fillna("")
        last = frame.get("lastname", pd.Series(None, index=frame.index)).fillna("")
        full = (first.astype(str) + " " + last.astype(str)).str.strip()
        login = frame.get("login", pd.Series(None, index=frame.index))
        values = full.where(full != "", login)
    else:
        values = frame.get(label, pd.Series(None, index=frame.index))
    return {_id_text(i): str(v) for i, v in zip(frame["id"], values, strict=True) if v is not None}


def _check_columns(frame: pd.DataFrame, wanted: Iterable[str], path: Path) -> None:
    absent = [c for c in wanted if c not in frame.columns]
    if absent:
        raise InputError(
            f"{path} is not a Zammad table dump: no column {', '.join(absent)}",
            "export the table with its column names in the first line",
        )


def read_folder(folder: Path) -> Tables:
    """Read the CSV dumps of a Zammad database."""
    histories = _csv(folder / "histories.csv")
    types = _csv(folder / "history_types.csv")
    objects = _csv(folder / "history_objects.csv")
    attributes = _csv(folder / "history_attributes.csv")
    tickets = _csv(folder / "tickets.csv")
    assert histories is not None
    assert tickets is not None
    _check_columns(
        histories,
        ("o_id", "history_type_id", "history_object_id", "created_at"),
        folder / "histories.csv",
    )
    _check_columns(tickets, ("id", "created_at"), folder / "tickets.csv")
    state_frame = _csv(folder / "ticket_states.csv", required=False)
    type_frame = _csv(folder / "ticket_state_types.csv", required=False)
    lookups = Lookups(
        states=_names(state_frame),
        groups=_names(_csv(folder / "groups.csv", required=False)),
        priorities=_names(_csv(folder / "ticket_priorities.csv", required=False)),
        users=_names(_csv(folder / "users.csv", required=False), label="fullname"),
    )
    if (
        state_frame is not None
        and type_frame is not None
        and {"name", "state_type_id"} <= set(state_frame.columns)
    ):
        kinds = _names(type_frame)
        lookups.state_types = {
            str(n): kinds.get(_id_text(t), "")
            for n, t in zip(state_frame["name"], state_frame["state_type_id"], strict=True)
        }
    type_names, object_names = _names(types), _names(objects)
    attribute_names = _names(attributes)
    raw_rows: list[dict[str, Any]] = [
        {str(k): v for k, v in r.items()} for r in histories.to_dict("records")
    ]
    rows = pd.DataFrame(
        {
            "id": histories.get("id"),
            "o_id": histories["o_id"],
            "type": histories["history_type_id"].map(lambda i: type_names.get(_id_text(i))),
            "object": histories["history_object_id"].map(lambda i: object_names.get(_id_text(i))),
            "attribute": histories.get(
                "history_attribute_id", pd.Series(None, index=histories.index)
            ).map(lambda i: None if i is None else attribute_names.get(_id_text(i))),
            **{
                c: histories.get(c, pd.Series(None, index=histories.index))
                for c in ("value_from", "value_to", "id_from", "id_to", "created_by_id")
            },
            "created_at": histories["created_at"],
        }
    )
    return _tables(rows, tickets, lookups, raw_rows, first_line=2)


def _tables(
    rows: pd.DataFrame,
    tickets: pd.DataFrame,
    lookups: Lookups,
    raw_rows: list[dict[str, Any]],
    *,
    first_line: int | None,
) -> Tables:
    rows = rows.reset_index(drop=True).astype(object)
    rows = rows.where(rows.notna(), None)
    rows["_row"] = range(len(rows))
    ids = pd.to_numeric(tickets["id"], errors="coerce")
    tickets = tickets[ids.notna()].copy()
    tickets.index = pd.Index(ids[ids.notna()].astype("int64"), name="ticket")
    tickets = tickets[~tickets.index.duplicated(keep="last")]
    record = pd.DataFrame(index=tickets.index)
    number = tickets["number"] if "number" in tickets.columns else None
    fallback = pd.Series(tickets.index.astype(str), index=tickets.index)
    record["number"] = fallback if number is None else number.where(number.notna(), fallback)
    record["created_at"] = tickets["created_at"]
    for attribute in ("state", "group", "priority", "owner"):
        named = tickets.get(attribute)
        by_id = tickets.get(f"{attribute}_id")
        values = pd.Series(None, index=tickets.index, dtype=object)
        if by_id is not None:
            values = by_id.map(lambda i, a=attribute: lookups.name(a, i)).astype(object)
        if named is not None:
            values = values.where(values.notna(), named.map(_as_name))
        if attribute == "owner":
            nobody = values.isna() | values.isin(["-", ""])
            if by_id is not None:
                nobody |= by_id.map(lambda i: i is not None and _id_text(i) == "1")
            values = values.where(~nobody, NOBODY)
        record[attribute] = values
    if "support_level" in tickets.columns:
        record["support_level"] = tickets["support_level"].where(
            tickets["support_level"].notna(), NOBODY
        )
    return Tables(rows, record, lookups, raw_rows, first_line)


def _as_name(value: Any) -> Any:
    """An expanded API value (``"Users"`` or ``{"name": ...}``) as its name."""
    if isinstance(value, dict):
        return value.get("name") or value.get("fullname")
    return value


def read_bundle(path: Path) -> Tables:
    """Read ``{"tickets": [...], "histories": {"<id>": {"history": [...]}}}`` (or one
    ``ticket_history`` response with its ticket in ``assets``)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"cannot read {path} as JSON: {exc}") from None
    if isinstance(data, dict) and "history" in data and "histories" not in data:
        data = {"histories": {"": data}, "tickets": []}
    if not isinstance(data, dict) or not isinstance(data.get("histories"), dict):
        raise InputError(
            f"{path} is not a Zammad bundle",
            'expected {"tickets": [...], "histories": {"<ticket id>": {"history": [...]}}}',
        )
    assets: dict[str, dict[str, Any]] = {}
    raw_rows: list[dict[str, Any]] = []
    for entry in data["histories"].values():
        if not isinstance(entry, dict):
            continue
        for kind, records in (entry.get("assets") or {}).items():
            if isinstance(records, dict):
                assets.setdefault(kind, {}).update(records)
        raw_rows.extend(h for h in entry.get("history") or [] if isinstance(h, dict))
    lookups = _bundle_lookups(data, assets)
    tickets = [t for t in data.get("tickets") or [] if isinstance(t, dict)]
    known = {_id_text(t.get("id")) for t in tickets}
    tickets += [t for i, t in (assets.get("Ticket") or {}).items() if _id_text(i) not in known]
    rows = pd.DataFrame(
        {
            "id": [h.get("id") for h in raw_rows],
            "o_id": [h.get("o_id") for h in raw_rows],
            "type": [h.get("history_type", h.get("type")) for h in raw_rows],
            "object": [h.get("history_object", h.get("object")) for h in raw_rows],
            "attribute": [h.get("history_attribute", h.get("attribute")) for h in raw_rows],
            **{
                c: [h.get(c) for h in raw_rows]
                for c in ("value_from", "value_to", "id_from", "id_to", "created_by_id")
            },
            "created_at": [h.get("created_at") for h in raw_rows],
        },
        columns=list(HISTORY_COLUMNS),
    )
    for column in ("o_id", "id_from", "id_to", "id", "created_by_id"):
        rows[column] = rows[column].map(lambda v: None if v is None else _id_text(v))
    frame = pd.DataFrame(tickets) if tickets else pd.DataFrame(columns=["id", "created_at"])
    if "created_at" not in frame.columns:
        frame["created_at"] = None
    frame = frame.astype(object).where(frame.notna(), None)
    return _tables(rows, frame, lookups, raw_rows, first_line=None)


def _bundle_lookups(data: dict[str, Any], assets: dict[str, dict[str, Any]]) -> Lookups:
    def listed(key: str, asset: str, label: str = "name") -> dict[str, str]:
        records = [r for r in data.get(key) or [] if isinstance(r, dict)]
        records += [r for r in (assets.get(asset) or {}).values() if isinstance(r, dict)]
        out: dict[str, str] = {}
        for record in records:
            if label == "fullname":
                name = " ".join(
                    str(record.get(k) or "") for k in ("firstname", "lastname")
                ).strip() or record.get("login")
            else:
                name = record.get("name")
            if record.get("id") is not None and name:
                out[_id_text(record["id"])] = str(name)
        return out

    lookups = Lookups(
        states=listed("states", "Ticket::State"),
        groups=listed("groups", "Group"),
        priorities=listed("priorities", "Ticket::Priority"),
        users=listed("users", "User", "fullname"),
    )
    for record in [*(data.get("states") or []), *(assets.get("Ticket::State") or {}).values()]:
        if isinstance(record, dict) and record.get("name") and record.get("state_type"):
            kind = record["state_type"]
            lookups.state_types[str(record["name"])] = str(
                kind.get("name") if isinstance(kind, dict) else kind
            )
    return lookups
