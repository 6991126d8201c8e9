"""Jira Data Center's data pipeline export: ``issue_history`` joined with ``issues``.

Atlassian "Data pipeline export schema" (Jira Data Center administration,
https://confluence.atlassian.com/adminjiraserver/data-pipeline-export-schema-1027142325.html):

* ``issue_history_job<id>_<time>.csv``: ``issue_id, changelog_id, author_id, author_key,
  created_date, field, field_type, from, from_string, to, to_string`` — one row per changed
  field; the rows of one ``changelog_id`` were made together; ``created_date`` is UTC ISO text
  (documented as cut to the minute);
* ``issues_job<id>_<time>.csv``: ``id, key, issue_type, status, status_category,
  priority_name, assignee_id, assignee_name (schema 1), created_date, resolution_date, …`` —
  the issue *now*;
* optionally the custom fields file ``fields_job<id>_<time>.csv`` (``issue_id, field_id,
  field_name, field_value``), which gives the current team/assignment group.

Give the folder holding them, or the ``issue_history`` file (its siblings are found by their
headers). History times cut to the minute can fall before the issue's creation (created at
10:15:42, first change stamped 10:15:00); such a change is placed at the creation time (ties
keep changelog order) and counted in the import notes.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from pdca.errors import InputError
from pdca.ingest import jira_fields as jf
from pdca.ingest.history import utc_text
from pdca.ingest.options import LoadOptions
from pdca.ingest.reader import ROW, BadRow, read_bytes, read_delimited
from pdca.model.batch import ImportBatch
from pdca.model.schema import Col

HISTORY: frozenset[str] = frozenset(
    {"issue_id", "changelog_id", "created_date", "field", "from_string", "to_string"}
)
ISSUES: frozenset[str] = frozenset({"id", "key", "created_date", "status"})
FIELDS: frozenset[str] = frozenset({"issue_id", "field_name", "field_value"})
_TRACKED = {"status": Col.ACTIVITY, "assignee": Col.RESOURCE, "priority": Col.PRIORITY}


def _header(path: Path) -> frozenset[str]:
    """The column names of a CSV file's first line (empty when it is not one)."""
    if not path.is_file() or not path.name.lower().removesuffix(".gz").endswith(".csv"):
        return frozenset()
    try:
        with path.open("rb") as handle:
            head = handle.read(1024)
        if head[:2] == b"\x1f\x8b":
            head = read_bytes(path)[:1024]
    except (OSError, InputError):
        return frozenset()
    line = head.decode("utf-8", errors="replace").lstrip("\ufeff").splitlines()
    return frozenset(c.strip().strip('"') for c in line[0].split(",")) if line else frozenset()


def _files(path: Path) -> tuple[Path, Path | None, Path | None] | None:
    """(issue_history, issues, fields) for a folder or an issue_history file, or None."""
    if path.is_dir():
        folder, history = path, None
    elif _header(path) >= HISTORY:
        folder, history = path.parent, path
    else:
        return None
    issues = fields = None
    try:
        candidates = sorted(p for p in folder.iterdir() if p.is_file())
    except OSError:
        return None
    for item in candidates:
        header = _header(item)
        if history is None and header >= HISTORY:
            history = item
        elif issues is None and header >= ISSUES:
            issues = item
        elif fields is None and header >= FIELDS and "changelog_id" not in header:
            fields = item
    return None if history is None else (history, issues, fields)


def detect(path: Path) -> bool:
    """An ``issue_history`` CSV (by its header), or a folder holding one."""
    try:
        return _files(path) is not None
    except OSError:
        return False


def _read(path: Path) -> pd.DataFrame:
    raw = read_delimited(path, encoding="utf-8", delimiter=",")
    frame = raw.frame.replace("", None)
    if raw.bad_rows:
        lines = ", ".join(str(b.line) for b in raw.bad_rows[:5])
        raise InputError(f"{path.name}: lines {lines} do not fit the header", "re-export it")
    return frame


def load(path: Path, options: LoadOptions) -> ImportBatch:
    """The data pipeline's issue history with its issues (and custom fields) files."""
    from pdca.ingest.jira import Parsed  # noqa: PLC0415 (jira imports this module)

    found = _files(path)
    if found is None:
        raise InputError(f"{path} is not a Jira data pipeline issue_history export")
    history_path, issues_path, fields_path = found
    if issues_path is None:
        raise InputError(
            f"no issues file beside {history_path.name}",
            "put the data pipeline's issues_job…csv in the same folder",
        )
    chosen = jf.chosen_group_field(options.mapping)
    history, issues = _read(history_path), _read(issues_path)
    parsed = Parsed()
    custom = _read(fields_path) if fields_path is not None else None
    groups = _groups(custom, chosen) if custom is not None else {}
    levels = _levels(custom) if custom is not None else {}
    keys: dict[str, str] = {}
    for row in issues.to_dict("records"):
        if not row.get("key"):
            parsed.bad.append(BadRow(None, f"issue id {row.get('id')!r} has no key", str(row)))
            continue
        key, ident = str(row["key"]), str(row["id"])
        keys[ident] = key
        ttype, known = jf.ticket_type(row.get("issue_type"))
        if not known:
            label = str(row.get("issue_type") or "(none)")
            parsed.other_types[label] = parsed.other_types.get(label, 0) + 1
        if row.get("status") and row.get("status_category"):
            parsed.categories.setdefault(str(row["status"]), str(row["status_category"]))
        parsed.issues.append(
            {
                Col.CASE_ID: key,
                Col.TIMESTAMP: row.get("created_date"),
                Col.ACTIVITY: row.get("status"),
                Col.RESOURCE: row.get("assignee_name"),
                Col.ASSIGNMENT_GROUP: groups.get(ident),
                Col.SUPPORT_LEVEL: levels.get(ident),
                Col.PRIORITY: row.get("priority_name"),
                Col.TICKET_TYPE: ttype.value,
                "issue_id": ident,
                "issue_type": row.get("issue_type"),
            }
        )
    _changes(history, keys, parsed, chosen)
    _clamp(parsed)
    return parsed.batch(path, options)


def _groups(fields: pd.DataFrame, chosen: str | None) -> dict[str, str]:
    """Issue id -> current team/assignment group, from the custom fields file."""
    names = fields["field_name"].astype(str)
    ids = fields["field_id"].astype(str) if "field_id" in fields else names
    if chosen:
        hit = (names.str.lower() == chosen.lower()) | (ids.str.lower() == chosen.lower())
    else:
        ranks = (
            names.str.strip().str.lower().map({n: i for i, n in enumerate(jf.GROUP_FIELD_NAMES)})
        )
        hit = ranks.notna() & (ranks == ranks.min())
    rows = fields[hit & fields["field_value"].notna()]
    return dict(zip(rows["issue_id"].astype(str), rows["field_value"].astype(str), strict=True))


def _levels(fields: pd.DataFrame) -> dict[str, str]:
    """Issue id -> current support level, from the custom fields file."""
    hit = fields["field_name"].map(jf.is_level_field).astype(bool)
    rows = fields[hit & fields["field_value"].notna()]
    return dict(zip(rows["issue_id"].astype(str), rows["field_value"].astype(str), strict=True))


def _changes(
    history: pd.DataFrame, keys: dict[str, str], parsed: object, chosen: str | None
) -> None:
    from pdca.ingest.jira import Parsed  # noqa: PLC0415

    assert isinstance(parsed, Parsed)
    untracked: set[tuple[str, str]] = set()
    tracked: set[tuple[str, str]] = set()
    for row in history.to_dict("records"):
        name = str(row.get("field") or "")
        target = _TRACKED.get(name.lower()) if row.get("field_type") in (None, "jira") else None
        if target is None and jf.is_group_field(name, chosen):
            target = Col.ASSIGNMENT_GROUP
        if target is None and jf.is_level_field(name):
            target = Col.SUPPORT_LEVEL
        ident, change = str(row.get("issue_id")), str(row.get("changelog_id"))
        if target is None:
            untracked.add((ident, change))
            continue
        if ident not in keys:
            parsed.bad.append(
                BadRow(
                    int(row[ROW]),
                    f"issue_history row {row[ROW]}: issue_id {ident!r} is not in the issues file",
                    str({k: v for k, v in row.items() if k != ROW}),
                )
            )
            continue
        tracked.add((ident, change))
        parsed.changes.append(
            {
                Col.CASE_ID: keys[ident],
                Col.TIMESTAMP: row.get("created_date"),
                "event": change,
                "order": _number(change, int(row[ROW])),
                "field": target,
                "value": row.get("to_string"),
                "previous": row.get("from_string"),
            }
        )
    parsed.untracked = len(untracked - tracked)


def _number(text: str, fallback: int) -> float:
    try:
        return float(int(text))
    except ValueError:
        return float(fallback)


def _clamp(parsed: object) -> None:
    """Changes stamped (to the minute) before their issue's creation move to the creation."""
    from pdca.ingest.jira import Parsed  # noqa: PLC0415

    assert isinstance(parsed, Parsed)
    if not parsed.changes or not parsed.issues:
        return
    created = {i[Col.CASE_ID]: i[Col.TIMESTAMP] for i in parsed.issues}
    cases = pd.Series([c[Col.CASE_ID] for c in parsed.changes])
    start_text = cases.map(created)
    # utc_text gives UTC; what it cannot read stays as given (with utc=True, text carrying an
    # offset it did not recognise cannot stop the comparison: it is read or NaT)
    start = pd.to_datetime(utc_text(start_text), errors="coerce", format="mixed", utc=True)
    when = pd.to_datetime(
        utc_text(pd.Series([c[Col.TIMESTAMP] for c in parsed.changes])),
        errors="coerce",
        format="mixed",
        utc=True,
    )
    early = (when < start) & (start - when < pd.Timedelta(minutes=1))
    for position in early[early].index:
        parsed.changes[int(position)][Col.TIMESTAMP] = start_text[position]
    if early.any():
        parsed.notes.append(
            f"{int(early.sum())} changes stamped in their issue's creation minute but before its "
            "creation time were placed at the creation (the history is cut to the minute)"
        )
