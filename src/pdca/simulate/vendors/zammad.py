"""The simulated desk as a Zammad database's table dumps (``pdca simulate --to zammad``).

Writes a folder of CSV dumps shaped like Zammad's tables (zammad/zammad
``db/migrate/20120101000001_create_base.rb``; rows as ``app/models/concerns/has_history.rb``
writes them): ``histories.csv`` (a ``created`` row per ticket, then one ``updated`` row per
changed attribute with ``value_from``/``value_to`` names and ``id_from``/``id_to`` ids, all rows
of one update sharing its ``created_at``; plus the rows Zammad also writes that pdca does not
read: the first article's ``created`` row, ``pending_time`` when a ticket is set pending and
``notification`` rows), ``history_types.csv``, ``history_objects.csv``,
``history_attributes.csv``, ``tickets.csv`` (the tickets' *current* values), ``ticket_states.csv``
with ``ticket_state_types.csv`` (the seeded defaults), ``groups.csv``, ``users.csv`` (id 1 is
Zammad's placeholder user ``-``) and ``ticket_priorities.csv`` (the desk's own priority names).

pdca's states become Zammad's default states: new → ``new``, in progress → ``open``, every
waiting state → ``pending reminder`` (Zammad's defaults cannot say who is waited for, so a
vendor or internal wait reads back as waiting for the customer), resolved → ``pending close``,
closed → ``closed``, cancelled → ``removed``. The support level is written as a ticket attribute
``support_level`` (an Object Manager select attribute a tiered desk adds), which Zammad
historises like any other attribute.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

STATES: tuple[tuple[int, str, int], ...] = (
    (1, "new", 1),
    (2, "open", 2),
    (3, "pending reminder", 3),
    (4, "closed", 5),
    (5, "merged", 6),
    (6, "removed", 7),
    (7, "pending close", 4),
)
"""(id, name, state_type_id) as db/seeds/ticket_states.rb seeds them."""

STATE_TYPES = ("new", "open", "pending reminder", "pending action", "closed", "merged", "removed")

OF_STATE = {
    "new": "new",
    "in_progress": "open",
    "waiting_customer": "pending reminder",
    "waiting_vendor": "pending reminder",
    "waiting_other": "pending reminder",
    "resolved": "pending close",
    "closed": "closed",
    "cancelled": "removed",
}
"""pdca state -> Zammad default state name."""

TYPES = ("created", "updated", "notification", "email")
OBJECTS = ("Ticket", "Ticket::Article", "User")
ATTRIBUTES = ("state", "group", "owner", "priority", "support_level", "pending_time", "title")
ATTRIBUTE_OF = {
    "state": "state",
    "assignment_group": "group",
    "resource": "owner",
    "priority": "priority",
    "support_level": "support_level",
}


def _ids(values: pd.Series, start: int) -> dict[str, int]:
    names = sorted({str(v) for v in values.dropna()})
    return {name: start + i for i, name in enumerate(names)}


def _time(value: pd.Timestamp) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S")


def write(events: pd.DataFrame, out: Path) -> list[Path]:
    """Write the canonical ``events`` as Zammad's table dumps in the folder ``out``."""
    out.mkdir(parents=True)
    data = events.sort_values(["case_id", "timestamp", "seq"], kind="stable").reset_index(drop=True)
    data["timestamp"] = pd.to_datetime(data["timestamp"])
    data["state"] = data["state"].map(OF_STATE).fillna("open")
    groups = _ids(data["assignment_group"], 2)
    agents = _ids(data["resource"], 2)
    callers = _ids(data["caller"], 2 + len(agents)) if "caller" in data else {}
    priorities = {
        name: i + 1 for i, name in enumerate(sorted({str(p) for p in data["priority"].dropna()}))
    }
    state_ids = {name: ident for ident, name, _ in STATES}
    id_of = {
        "state": state_ids,
        "group": groups,
        "owner": agents,
        "priority": priorities,
    }
    tickets = {case: i + 1 for i, case in enumerate(dict.fromkeys(data["case_id"]))}

    rows: list[dict[str, object]] = []

    def add(kind: str, obj: str, ticket: int, at: str, by: int, **values: object) -> None:
        rows.append(
            {
                "history_type_id": TYPES.index(kind) + 1,
                "history_object_id": OBJECTS.index(obj) + 1,
                "history_attribute_id": (
                    ATTRIBUTES.index(str(values["attribute"])) + 1
                    if "attribute" in values
                    else None
                ),
                "o_id": ticket if obj != "Ticket::Article" else values.get("article"),
                "related_history_object_id": 1 if obj == "Ticket::Article" else None,
                "related_o_id": ticket if obj == "Ticket::Article" else None,
                "value_from": values.get("value_from"),
                "value_to": values.get("value_to"),
                "id_from": values.get("id_from"),
                "id_to": values.get("id_to"),
                "created_by_id": by,
                "created_at": at,
                "updated_at": at,
            }
        )

    ticket_rows = []
    for case, steps in data.groupby("case_id", sort=False):
        ticket = tickets[str(case)]
        first = steps.iloc[0]
        customer = callers.get(str(first.get("caller")), 1)
        at = _time(first["timestamp"])
        add("created", "Ticket", ticket, at, customer)
        add("created", "Ticket::Article", ticket, at, customer, article=ticket)
        add("notification", "Ticket", ticket, at, 1, value_to="agents of the group")
        before = first
        for _, step in steps.iloc[1:].iterrows():
            at = _time(step["timestamp"])
            actor = agents.get(str(step["resource"]), agents.get(str(before["resource"]), 1))
            for column, attribute in ATTRIBUTE_OF.items():
                old, new = before[column], step[column]
                if (pd.isna(old) and pd.isna(new)) or old == new:
                    continue
                ids = id_of.get(attribute, {})
                nobody = "-" if attribute == "owner" else None
                add(
                    "updated",
                    "Ticket",
                    ticket,
                    at,
                    actor,
                    attribute=attribute,
                    value_from=nobody if pd.isna(old) else str(old),
                    value_to=nobody if pd.isna(new) else str(new),
                    id_from=(1 if pd.isna(old) else ids.get(str(old)))
                    if attribute == "owner"
                    else ids.get(str(old)),
                    id_to=(1 if pd.isna(new) else ids.get(str(new)))
                    if attribute == "owner"
                    else ids.get(str(new)),
                )
                if attribute == "state" and new == "pending reminder":
                    reminder = _time(step["timestamp"] + pd.Timedelta(days=2))
                    add("updated", "Ticket", ticket, at, actor, attribute="pending_time",
                        value_from="", value_to=reminder)  # fmt: skip
            before = step
        last = steps.iloc[-1]
        ticket_rows.append(
            {
                "id": ticket,
                "group_id": groups.get(str(last["assignment_group"])),
                "priority_id": priorities.get(str(last["priority"])),
                "state_id": state_ids[str(last["state"])],
                "organization_id": None,
                "number": case,
                "title": f"{first.get('category', '')} {first.get('subcategory', '')}".strip(),
                "owner_id": 1 if pd.isna(last["resource"]) else agents[str(last["resource"])],
                "customer_id": customer,
                "support_level": None if pd.isna(last["support_level"]) else last["support_level"],
                "created_by_id": customer,
                "updated_by_id": 1,
                "created_at": _time(first["timestamp"]),
                "updated_at": _time(last["timestamp"]),
            }
        )

    histories = pd.DataFrame(rows)
    histories.insert(0, "id", range(1, len(histories) + 1))
    for column in ("history_attribute_id", "o_id", "related_history_object_id", "related_o_id",
                   "id_from", "id_to"):  # fmt: skip
        histories[column] = histories[column].astype("Int64")
    stamp = _time(data["timestamp"].min())
    return [
        _dump(histories, out / "histories.csv"),
        _dump(_named(TYPES, stamp), out / "history_types.csv"),
        _dump(_named(OBJECTS, stamp, note=True), out / "history_objects.csv"),
        _dump(_named(ATTRIBUTES, stamp), out / "history_attributes.csv"),
        _dump(pd.DataFrame(ticket_rows), out / "tickets.csv"),
        _dump(
            pd.DataFrame(
                [
                    {"id": i, "state_type_id": t, "name": n, "active": n != "removed"}
                    for i, n, t in STATES
                ]
            ),
            out / "ticket_states.csv",
        ),
        _dump(_named(STATE_TYPES, stamp), out / "ticket_state_types.csv"),
        _dump(
            pd.DataFrame(
                [{"id": 1, "name": "Users", "active": True}]
                + [{"id": i, "name": n, "active": True} for n, i in groups.items()]
            ),
            out / "groups.csv",
        ),
        _dump(_users(agents, callers), out / "users.csv"),
        _dump(
            pd.DataFrame([{"id": i, "name": n, "active": True} for n, i in priorities.items()]),
            out / "ticket_priorities.csv",
        ),
    ]


def _named(names: tuple[str, ...], stamp: str, *, note: bool = False) -> pd.DataFrame:
    frame = pd.DataFrame({"id": range(1, len(names) + 1), "name": list(names)})
    if note:
        frame["note"] = None
    frame["created_at"] = stamp
    frame["updated_at"] = stamp
    return frame


def _users(agents: dict[str, int], callers: dict[str, int]) -> pd.DataFrame:
    rows = [{"id": 1, "login": "-", "firstname": "-", "lastname": "", "email": ""}]
    for name, ident in {**agents, **callers}.items():
        first, _, last = name.partition(" ")
        login = name.lower().replace(" ", ".")
        rows.append(
            {
                "id": ident,
                "login": login,
                "firstname": first,
                "lastname": last,
                "email": f"{login}@example.org",
            }
        )
    return pd.DataFrame(rows)


def _dump(frame: pd.DataFrame, path: Path) -> Path:
    frame.to_csv(path, index=False, lineterminator="\n")
    return path
