"""Reading GLPI's tables: a folder of table dumps or a ``pdca pull`` bundle, as text frames.

Both forms give the same frames with GLPI's own column names (``install/mysql/glpi-*-empty.sql``
in glpi-project/glpi): ``glpi_tickets`` (``id, date, solvedate, closedate, status, priority,
type, time_to_resolve, …``), ``glpi_logs`` (``id, itemtype, items_id, itemtype_link,
linked_action, user_name, date_mod, id_search_option, old_value, new_value``) and, when given,
``glpi_groups``, ``glpi_users``, ``glpi_groups_tickets`` and ``glpi_tickets_users``. Values are
text; SQL NULL written as an empty field, ``\\N`` or ``NULL`` becomes ``None``.
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

TABLES = (
    "glpi_tickets",
    "glpi_logs",
    "glpi_groups",
    "glpi_users",
    "glpi_groups_tickets",
    "glpi_tickets_users",
)
REQUIRED = ("glpi_logs", "glpi_tickets")
NULLS = frozenset({"", "\\N", "NULL", "null"})
_BUNDLE = re.compile(r'"pdca_bundle"\s*:\s*\{[^}]*"source"\s*:\s*"glpi"')


@dataclass
class GlpiTables:
    """The tables read, the rows that could not be read, and a digest of the input."""

    frames: dict[str, pd.DataFrame]
    bad_rows: list[BadRow] = field(default_factory=list)
    sha256: str = ""

    def get(self, name: str) -> pd.DataFrame | None:
        """The table ``name`` (e.g. ``glpi_groups``), or None when it was not given."""
        return self.frames.get(name)


def dump_file(folder: Path, table: str) -> Path | None:
    """The dump of ``table`` in ``folder`` (``.csv``, ``.tsv`` or ``.txt``, maybe gzipped)."""
    for ext in (".csv", ".tsv", ".txt", ".csv.gz", ".tsv.gz"):
        candidate = folder / f"{table}{ext}"
        if candidate.is_file():
            return candidate
    return None


def _nulls(frame: pd.DataFrame) -> pd.DataFrame:
    cols = [c for c in frame.columns if c != ROW]
    out = frame.copy()
    for name in cols:
        text = out[name].astype(object)
        out[name] = text.where(~text.isin(NULLS) & text.notna(), None)
    return out


def read_folder(folder: Path) -> GlpiTables:
    """Read the table dumps in ``folder`` (each with a header line; delimiter detected)."""
    missing = [t for t in REQUIRED if dump_file(folder, t) is None]
    if missing:
        raise InputError(
            f"{folder} has no {' or '.join(m + '.csv' for m in missing)}",
            "export glpi_logs and glpi_tickets with their header line (docs/connectors/glpi.md)",
        )
    frames: dict[str, pd.DataFrame] = {}
    bad: list[BadRow] = []
    for table in TABLES:
        path = dump_file(folder, table)
        if path is None:
            continue
        raw = read_table(path).raw
        frames[table] = _nulls(raw.frame)
        bad += [
            BadRow(None, f"{path.name} line {b.line}: {b.reason}", b.text) for b in raw.bad_rows
        ]
    _check_columns(frames, folder)
    return GlpiTables(frames, bad, file_sha256(folder))


_NEEDED = {
    "glpi_tickets": ("id", "date"),
    "glpi_logs": ("itemtype", "items_id", "date_mod", "id_search_option", "new_value"),
}


def _check_columns(frames: dict[str, pd.DataFrame], where: Path) -> None:
    for table, needed in _NEEDED.items():
        absent = [c for c in needed if c not in frames[table].columns]
        if absent:
            raise InputError(
                f"{where}: {table} has no column {', '.join(absent)}",
                "export the table with SELECT * and a header line (docs/connectors/glpi.md)",
            )


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    text = str(value)
    return None if text in NULLS else text


def _frame(rows: list[Any], what: str, path: Path) -> pd.DataFrame:
    if not all(isinstance(r, dict) for r in rows):
        raise InputError(f"{path}: {what} must be a list of objects", "save the API's response")
    frame = pd.DataFrame([{k: _text(v) for k, v in r.items()} for r in rows], dtype=object)
    frame = frame.where(frame.notna(), None)
    frame[ROW] = range(len(frame))
    return frame


def read_bundle(path: Path) -> GlpiTables:
    """Read a bundle ``{"tickets": [...], "logs": [...]}`` (``GET apirest.php/Ticket/`` and
    ``GET apirest.php/Ticket/{id}/Log``); optional ``groups``, ``users``, ``groups_tickets``,
    ``tickets_users`` lists as the API lists ``Group``, ``User``, ``Group_Ticket`` and
    ``Ticket_User``."""
    try:
        data = json.loads(path.read_bytes())
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"{path} is not JSON: {exc}", "give the bundle pdca pull saved") from None
    if not isinstance(data, dict) or not isinstance(data.get("tickets"), list):
        raise InputError(
            f"{path} is not a GLPI bundle (no 'tickets' list)",
            'a bundle is {"tickets": [...], "logs": [...]} (docs/connectors/glpi.md)',
        )
    logs = data.get("logs", [])
    if isinstance(logs, dict):  # {"<ticket id>": [...]} as fetched per ticket
        logs = [row for rows in logs.values() for row in (rows or [])]
    if not isinstance(logs, list):
        raise InputError(f"{path}: 'logs' must be a list of glpi_logs rows")
    frames = {"glpi_tickets": _frame(data["tickets"], "tickets", path)}
    frames["glpi_logs"] = _frame(logs, "logs", path)
    for key, table in (
        ("groups", "glpi_groups"),
        ("users", "glpi_users"),
        ("groups_tickets", "glpi_groups_tickets"),
        ("tickets_users", "glpi_tickets_users"),
    ):
        if isinstance(data.get(key), list):
            frames[table] = _frame(data[key], key, path)
    for table, needed in _NEEDED.items():
        if len(frames[table]) == 0:
            frames[table] = pd.DataFrame({c: pd.Series(dtype=object) for c in (*needed, ROW)})
    _check_columns(frames, path)
    return GlpiTables(frames, [], file_sha256(path))


def detect(path: Path) -> bool:
    """A folder with ``glpi_logs`` and ``glpi_tickets`` dumps, or a bundle whose
    ``pdca_bundle.source`` is ``glpi`` (read from the first and last 4 KB only)."""
    try:
        if path.is_dir():
            return all(dump_file(path, t) is not None for t in REQUIRED)
        if not path.is_file() or not path.name.lower().endswith(".json"):
            return False
        with path.open("rb") as handle:
            head = handle.read(4096)
            size = path.stat().st_size
            tail = b""
            if size > 4096:
                handle.seek(max(size - 4096, 4096))
                tail = handle.read()
        text = (head + b"\n" + tail).decode("utf-8", errors="replace")
        return bool(_BUNDLE.search(text))
    except OSError:
        return False
