"""ServiceNow: incidents and their ``sys_audit`` rows through the REST Table API.

Documented at https://www.servicenow.com/docs (REST API reference, "Table API":
``GET /api/now/table/{tableName}`` with ``sysparm_query``, ``sysparm_display_value``,
``sysparm_fields``, ``sysparm_limit``, ``sysparm_offset``; the answer's ``Link`` header names
the next page). Tables read: ``incident``, ``sys_audit`` (``documentkey, tablename, fieldname,
oldvalue, newvalue, sys_created_on, user, record_checkpoint``), ``sys_choice`` (the labels of
choice fields) and ``sys_user_group`` / ``sys_user`` (names of the groups and people the audit
rows name by ``sys_id``).

Authentication: ``--user NAME`` with the password in ``--token-env`` (basic), or an OAuth
access token in ``--token-env`` (bearer). Incremental rule: ``sys_updated_on>=CURSOR`` ordered
by ``sys_updated_on``; the incidents are read with ``sysparm_display_value=all`` so that each
field holds both its stored value (times in UTC) and its display value.
"""

from __future__ import annotations

from typing import Any

from pdca.pull.base import Fetched, PullContext, basic_or_bearer, bundle, latest, parse_time
from pdca.pull.http import link_pages

SOURCE = "servicenow"
TABLE = "/api/now/table"
AUDIT_FIELDS = (
    "documentkey,tablename,fieldname,oldvalue,newvalue,sys_created_on,user,record_checkpoint"
)
CHOICE_ELEMENTS = ("incident_state", "state", "priority", "impact", "urgency", "contact_type")
REFERENCES = {
    "assignment_group": "sys_user_group",
    "assigned_to": "sys_user",
    "caller_id": "sys_user",
}
CHUNK = 40
"""sys_ids per ``…IN`` query (keeps URLs short)."""


def _result(body: Any) -> list[Any]:
    return list(body.get("result") or []) if isinstance(body, dict) else []


def _raw(record: dict[str, Any], name: str) -> Any:
    value = record.get(name)
    return value.get("value") if isinstance(value, dict) else value


def _query(since: str | None) -> str:
    order = "ORDERBYsys_updated_on"
    if since is None:
        return order
    when = parse_time(since).strftime("%Y-%m-%d %H:%M:%S")
    return f"sys_updated_on>={when}^{order}"


def _table(ctx: PullContext, table: str, params: dict[str, Any]) -> list[Any]:
    query = {"sysparm_limit": ctx.page_size, "sysparm_offset": 0, **params}
    return list(link_pages(ctx.client, f"{TABLE}/{table}", query, _result))


def _referenced(audit: list[Any], table: str) -> list[str]:
    """The sys_ids of ``table`` that the audit rows name (old and new values)."""
    fields = {f for f, t in REFERENCES.items() if t == table}
    ids = set()
    for row in audit:
        if row.get("fieldname") in fields:
            ids |= {str(row[k]) for k in ("oldvalue", "newvalue") if row.get(k)}
    return sorted(ids)


def _names(ctx: PullContext, table: str, ids: list[str]) -> list[Any]:
    """``sys_id, name`` of the given records of ``table``."""
    found: list[Any] = []
    for first in range(0, len(ids), CHUNK):
        query = "sys_idIN" + ",".join(ids[first : first + CHUNK])
        found += _table(ctx, table, {"sysparm_query": query, "sysparm_fields": "sys_id,name"})
    return found


def pull(ctx: PullContext) -> Fetched:
    """Incidents updated at or after the cursor, with their whole audit history."""
    ctx.client.auth = basic_or_bearer(ctx)
    ctx.progress("incidents")
    incidents = _table(
        ctx,
        "incident",
        {
            "sysparm_query": _query(ctx.since),
            "sysparm_display_value": "all",
            "sysparm_exclude_reference_link": "true",
        },
    )
    keys = [str(_raw(i, "sys_id")) for i in incidents if _raw(i, "sys_id")]
    audit: list[Any] = []
    for first in range(0, len(keys), CHUNK):
        ctx.progress(f"audit history {first + 1}-{min(first + CHUNK, len(keys))} of {len(keys)}")
        ids = ",".join(keys[first : first + CHUNK])
        audit += _table(
            ctx,
            "sys_audit",
            {
                "sysparm_query": f"tablename=incident^documentkeyIN{ids}^ORDERBYsys_created_on",
                "sysparm_fields": AUDIT_FIELDS,
            },
        )
    parts: dict[str, Any] = {"incidents": incidents, "audit": audit}
    if incidents:
        parts["choices"] = _table(
            ctx,
            "sys_choice",
            {
                "sysparm_query": "name=incident^elementIN" + ",".join(CHOICE_ELEMENTS),
                "sysparm_fields": "element,value,label,language",
            },
        )
        for table, key in (("sys_user_group", "groups"), ("sys_user", "users")):
            parts[key] = _names(ctx, table, _referenced(audit, table))
    return Fetched(
        SOURCE,
        bundle(SOURCE, **parts),
        latest([_raw(i, "sys_updated_on") for i in incidents]),
        tickets=len(incidents),
        history=len(audit),
    )
