"""Jira (Service Management) issue changelogs -> canonical events (``--source jira``).

Reads, as the vendor documents them:

* the REST search response with ``expand=changelog`` (``{"issues": [...]}``, Jira Cloud REST
  v3 "Search for issues using JQL (enhanced search)" ``GET /rest/api/3/search/jql`` or v2
  ``/rest/api/2/search``), a single issue (``GET /rest/api/3/issue/{key}?expand=changelog``), a
  JSON list of issues, or the bundle ``pdca pull jira`` writes (the same issues plus
  ``"pdca_bundle": {"source": "jira", ...}``). Each issue: ``id``, ``key``, ``fields``
  (``created``, ``status{name, statusCategory{key}}``, ``priority{name}``,
  ``assignee{accountId, displayName}``, ``issuetype{name}``, custom fields) and
  ``changelog.histories[{id, author, created, items[{field, fieldtype, fieldId, from,
  fromString, to, toString}]}]`` — Jira Cloud REST v3 "Get changelogs"
  (https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issues/
  #api-rest-api-3-issue-issueidorkey-changelog-get);
* the bulk changelog response ``{"issueChangeLogs": [{"issueId", "changeHistories": [...]}]}``
  of ``POST /rest/api/3/changelog/bulkfetch`` ("Bulk fetch changelogs", same page), together
  with the issues (under ``"issues"`` in the same file);
* Jira Data Center's data pipeline export (``issue_history`` with ``issues``; see
  :mod:`pdca.ingest.jira_dc`).

Mapping: status name -> activity (state through :mod:`pdca.ingest.jira_fields`), assignee
display name -> resource, the team/assignment-group field -> assignment_group, priority name
-> priority, issue type -> ticket type. The issue record holds *current* values; the value at
creation of a field that changed is the ``fromString`` of its first change. JSM SLA fields
(``Time to resolution``, ``Time to first response``: ``completedCycles[{stopTime, breached}]``)
give the tool's own verdict ``made_sla`` (and ``made_sla_first_response``).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from pdca.errors import InputError
from pdca.ingest import jira_fields as jf
from pdca.ingest.bundle import peek_json
from pdca.ingest.history import batch_from_frame, file_sha256, utc_text
from pdca.ingest.jira_events import attach_verdicts, events_from
from pdca.ingest.options import LoadOptions
from pdca.ingest.reader import BadRow, read_bytes
from pdca.model.batch import ImportBatch
from pdca.model.schema import Col

_ISSUE_KEY = re.compile(r'"key"\s*:\s*"[A-Za-z][A-Za-z0-9_]*-\d+"')
_FIELDS = {"status": Col.ACTIVITY, "assignee": Col.RESOURCE, "priority": Col.PRIORITY}


def detect(path: Path) -> bool:  # noqa: PLR0911 (one answer per kind of document)
    """A Jira JSON (bundle, search response, issue, list of issues, bulk changelogs) or a
    Data Center ``issue_history`` export (a file or a folder holding one)."""
    try:
        from pdca.ingest import jira_dc  # noqa: PLC0415 (only when asked)

        if jira_dc.detect(path):
            return True
    except OSError:
        return False
    peek = peek_json(path, ("{", "["))
    if peek is None:
        return False
    if peek.source is not None:
        return peek.source == "jira"
    text = peek.head
    if '"issueChangeLogs"' in text:
        return True
    jira_like = '"fields"' in text or '"changelog"' in text or "/rest/api/" in text
    if re.search(r'"issues"\s*:\s*\[', text) and jira_like:
        return True
    return bool(_ISSUE_KEY.search(text)) and jira_like


def load(path: Path, options: LoadOptions) -> ImportBatch:
    """Jira issue changelogs (REST JSON or the Data Center data pipeline export)."""
    from pdca.ingest import jira_dc  # noqa: PLC0415 (only when asked)

    if jira_dc.detect(path):
        return jira_dc.load(path, options)
    if path.is_dir():
        raise InputError(
            f"{path} is a folder without a Jira issue_history export",
            "give the JSON file, or a folder with issue_history and issues CSV files",
        )
    doc = _read_json(path)
    parsed = parse_document(doc, path, group_field=jf.chosen_group_field(options.mapping))
    return parsed.batch(path, options)


def _read_json(path: Path) -> Any:
    data = read_bytes(path)
    try:
        return json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(
            f"{path} is not Jira JSON ({exc})",
            "give a search response with expand=changelog, an issue, or a pdca pull bundle",
        ) from None


def _name(value: Any) -> str | None:
    """The label of a Jira field value: a user's displayName, an option's value, a group's or
    team's name; the first of a list."""
    if value is None:
        return None
    if isinstance(value, list):
        return _name(value[0]) if value else None
    if isinstance(value, dict):
        for key in ("displayName", "name", "value", "title"):
            if isinstance(value.get(key), str):
                return str(value[key])
        return None
    return str(value)


def _when(value: Any) -> Any:
    """A changelog time: ISO text as given; epoch milliseconds (numbers) as ISO UTC text."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int | float):
        return datetime.fromtimestamp(value / 1000, tz=UTC).isoformat()
    if isinstance(value, dict):  # JSM SLA time objects
        if "iso8601" in value:
            return value["iso8601"]
        if "epochMillis" in value:
            return _when(value["epochMillis"])
    return value


def _sla_cycles(fields: dict[str, Any]) -> dict[str, list[tuple[Any, bool]]]:
    """JSM SLA fields among ``fields``: SLA name (lower case) -> [(stop time, met)]."""
    out: dict[str, list[tuple[Any, bool]]] = {}
    for value in fields.values():
        if not isinstance(value, dict) or "completedCycles" not in value:
            continue
        name = str(value.get("name", "")).strip().lower()
        cycles = value.get("completedCycles") or []
        out[name] = [
            (_when(c.get("stopTime")), not bool(c.get("breached")))
            for c in cycles
            if isinstance(c, dict)
        ]
    return out


@dataclass
class Parsed:
    """The issues, changelog items and SLA cycles of one Jira document, as flat rows."""

    issues: list[dict[str, Any]] = field(default_factory=list)
    changes: list[dict[str, Any]] = field(default_factory=list)
    cycles: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    bad: list[BadRow] = field(default_factory=list)
    categories: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    other_types: dict[str, int] = field(default_factory=dict)
    untracked: int = 0

    def batch(self, path: Path, options: LoadOptions, *, source: str = "jira") -> ImportBatch:
        """The canonical batch of these issues."""
        if not self.issues and not self.bad:
            raise InputError(f"{path} holds no Jira issues", "export at least one issue")
        frame = self.frame()
        labels = {str(v) for v in frame[Col.ACTIVITY].dropna()} if len(frame) else set()
        batch = batch_from_frame(
            frame,
            source=source,
            states=jf.status_states(labels, self.categories),
            path=path,
            options=options,
            sha256=file_sha256(path),
            bad_rows=self.bad,
        )
        if self.other_types:
            listed = ", ".join(f"{k} ({v})" for k, v in sorted(self.other_types.items()))
            self.notes.append(f"issue types read as incidents: {listed}")
        if self.untracked:
            self.notes.append(
                f"{self.untracked} changelog entries change no status, assignee, group or "
                "priority and are not events"
            )
        batch.details["notes"] = self.notes
        return batch

    def frame(self) -> pd.DataFrame:
        """Every event: issue creations and changelog entries, replayed."""
        issues = pd.DataFrame(self.issues)
        changes = pd.DataFrame(
            self.changes,
            columns=[Col.CASE_ID, Col.TIMESTAMP, "event", "order", "field", "value", "previous"],
        )
        if not len(issues):
            return pd.DataFrame(columns=[Col.CASE_ID, Col.TIMESTAMP, Col.ACTIVITY])
        issues[Col.TIMESTAMP] = utc_text(issues[Col.TIMESTAMP])
        changes[Col.TIMESTAMP] = utc_text(changes[Col.TIMESTAMP])
        frame = events_from(issues, changes)
        for name, column in ((jf.SLA_RESOLUTION, "made_sla"),
                             (jf.SLA_FIRST_RESPONSE, "made_sla_first_response")):  # fmt: skip
            rows = pd.DataFrame(self.cycles.get(name, []), columns=[Col.CASE_ID, "stop", "met"])
            if len(rows):
                rows["stop"] = utc_text(rows["stop"])
                frame = attach_verdicts(frame, rows, column)
        return frame


def _issue_list(doc: Any, path: Path) -> list[Any]:
    if isinstance(doc, list):
        return doc
    if isinstance(doc, dict):
        bundle = doc.get("pdca_bundle")
        if isinstance(bundle, dict) and bundle.get("source") not in (None, "jira"):
            raise InputError(
                f"{path} is a pdca bundle of {bundle.get('source')!r}, not of Jira",
                f"use --source {bundle.get('source')}",
            )
        if isinstance(doc.get("issues"), list):
            return list(doc["issues"])
        if "fields" in doc and ("key" in doc or "id" in doc):
            return [doc]
        if "issueChangeLogs" in doc:
            raise InputError(
                f"{path} holds changelogs without their issues",
                'save the issues (search response) with them, under "issues" in the same file',
            )
    raise InputError(
        f"{path} is not a Jira issue, search response or changelog bundle",
        "export issues with expand=changelog, or name the right --source",
    )


def parse_document(doc: Any, path: Path, *, group_field: str | None = None) -> Parsed:
    """Flatten a Jira JSON document (see the module docstring) into :class:`Parsed`."""
    issues = _issue_list(doc, path)
    names = _string_names(doc.get("names")) if isinstance(doc, dict) else {}
    bulk: dict[str, list[Any]] = {}
    if isinstance(doc, dict):
        for entry in doc.get("issueChangeLogs") or []:
            if isinstance(entry, dict):
                key = str(entry.get("issueId"))
                bulk.setdefault(key, []).extend(entry.get("changeHistories") or [])
    parsed = Parsed()
    targets = _custom_targets(issues, names, group_field)
    for position, issue in enumerate(issues):
        _parse_issue(issue, position, parsed, bulk=bulk, targets=targets, chosen=group_field)
    return parsed


def _string_names(value: Any) -> dict[str, str]:
    """The ``names`` map (field id -> field name) of a document, without non-text entries."""
    if not isinstance(value, dict):
        return {}
    return {str(fid): name for fid, name in value.items() if isinstance(name, str)}


def _custom_targets(issues: list[Any], names: dict[str, str], chosen: str | None) -> dict[str, str]:
    """Custom field id -> canonical column (team/group, support level), found from ``names``
    (``expand=names``) and the changelog items' ``fieldId``."""
    for issue in issues:
        if isinstance(issue, dict):
            names.update(_string_names(issue.get("names")))
            for history in (issue.get("changelog") or {}).get("histories") or []:
                for item in history.get("items") or [] if isinstance(history, dict) else []:
                    fid, fname = item.get("fieldId"), item.get("field")
                    if fid and fname:
                        names.setdefault(str(fid), str(fname))
    out = {fid: Col.SUPPORT_LEVEL for fid, n in names.items() if jf.is_level_field(n)}
    if chosen and chosen.lower().startswith("customfield_"):
        out[chosen] = Col.ASSIGNMENT_GROUP
        return out
    if chosen:
        out.update({fid: Col.ASSIGNMENT_GROUP for fid, n in names.items()
                    if jf.is_group_field(n, chosen)})  # fmt: skip
        return out
    ranked = [(jf.GROUP_FIELD_NAMES.index(n.strip().lower()), fid)
              for fid, n in names.items() if n.strip().lower() in jf.GROUP_FIELD_NAMES]  # fmt: skip
    if ranked:
        best = min(rank for rank, _ in ranked)
        out.update({fid: Col.ASSIGNMENT_GROUP for rank, fid in ranked if rank == best})
    return out


def _parse_issue(
    issue: Any,
    position: int,
    parsed: Parsed,
    *,
    bulk: dict[str, list[Any]],
    targets: dict[str, str],
    chosen: str | None,
) -> None:
    if not isinstance(issue, dict) or not issue.get("key"):
        ident = issue.get("id") if isinstance(issue, dict) else None
        parsed.bad.append(
            BadRow(
                line=None,
                reason=f"issue {position} (id {ident!r}) has no key",
                text=json.dumps(issue, default=str)[:2000],
            )
        )
        return
    key = str(issue["key"])
    fields = issue.get("fields") or {}
    if not isinstance(fields, dict):
        reason = f"issue {key}: its fields are not an object"
        parsed.bad.append(
            BadRow(line=None, reason=reason, text=json.dumps(issue, default=str)[:2000])
        )
        return
    status = fields.get("status") or {}
    group = status.get("statusCategory") if isinstance(status, dict) else None
    category = group.get("key") if isinstance(group, dict) else None
    if isinstance(status, dict) and status.get("name") and category:
        parsed.categories.setdefault(str(status["name"]), str(category))
    issuetype = _name(fields.get("issuetype"))
    ttype, known = jf.ticket_type(issuetype)
    if not known:
        label = issuetype or "(none)"
        parsed.other_types[label] = parsed.other_types.get(label, 0) + 1
    custom = {
        column: next(
            (_name(fields[f]) for f in sorted(targets) if targets[f] == column and fields.get(f)),
            None,
        )
        for column in (Col.ASSIGNMENT_GROUP, Col.SUPPORT_LEVEL)
    }
    parsed.issues.append(
        {
            Col.CASE_ID: key,
            Col.TIMESTAMP: _when(fields.get("created")),
            Col.ACTIVITY: _name(status),
            Col.RESOURCE: _name(fields.get("assignee")),
            Col.ASSIGNMENT_GROUP: custom[Col.ASSIGNMENT_GROUP],
            Col.SUPPORT_LEVEL: custom[Col.SUPPORT_LEVEL],
            Col.PRIORITY: _name(fields.get("priority")),
            Col.TICKET_TYPE: ttype.value,
            "issue_id": None if issue.get("id") is None else str(issue["id"]),
            "issue_type": issuetype,
        }
    )
    for name, cycles in _sla_cycles(fields).items():
        rows = parsed.cycles.setdefault(name, [])
        rows.extend({Col.CASE_ID: key, "stop": stop, "met": "true" if met else "false"}
                    for stop, met in cycles)  # fmt: skip
    histories = list((issue.get("changelog") or {}).get("histories") or [])
    seen = {str(h.get("id")) for h in histories if isinstance(h, dict)}
    histories += [h for h in bulk.get(str(issue.get("id")), []) if str(h.get("id")) not in seen]
    total = (issue.get("changelog") or {}).get("total")
    if isinstance(total, int) and total > len(histories):
        parsed.notes.append(
            f"{key}: the changelog has {total} entries, the file {len(histories)} "
            "(page /rest/api/3/issue/{key}/changelog to get them all)"
        )
    for order, history in enumerate(histories):
        _parse_history(key, order, history, parsed, targets=targets, chosen=chosen)


def _parse_history(
    key: str,
    order: int,
    history: Any,
    parsed: Parsed,
    *,
    targets: dict[str, str],
    chosen: str | None,
) -> None:
    if not isinstance(history, dict):
        return
    ident = history.get("id")
    tracked = 0
    for item in history.get("items") or []:
        name = str(item.get("field") or "")
        target = _FIELDS.get(name.lower()) if item.get("fieldtype", "jira") == "jira" else None
        if target is None:
            target = targets.get(str(item.get("fieldId")))
        if target is None and jf.is_group_field(name, chosen):
            target = Col.ASSIGNMENT_GROUP
        if target is None and jf.is_level_field(name):
            target = Col.SUPPORT_LEVEL
        if target is None:
            continue
        tracked += 1
        parsed.changes.append(
            {
                Col.CASE_ID: key,
                Col.TIMESTAMP: _when(history.get("created")),
                "event": f"{ident}#{order}",
                "order": _order(ident, order),
                "field": target,
                "value": item.get("toString"),
                "previous": item.get("fromString"),
            }
        )
    if not tracked:
        parsed.untracked += 1


def _order(ident: Any, position: int) -> float:
    """Histories with the same time are ordered by their numeric id, else by position."""
    try:
        return float(int(str(ident)))
    except ValueError:
        return float(position)
