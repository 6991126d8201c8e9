"""What differs between GLPI instances, with the defaults of a standard install.

GLPI logs a field change under the field's *search option* number (``glpi_logs.
id_search_option``). In a default install the ticket's status is option 12 and its priority
option 3; an actor relation added to a ticket is logged with the actor's search option
(assigned technician 5, assigned group 8, requester 4 / group 71, observer 66 / group 65:
``Ticket_User`` and ``Group_Ticket`` ``post_addItem`` in glpi-project/glpi). A plug-in or a
customised instance can number them differently; a small TOML file given with ``--map``
overrides them::

    [glpi]
    status_option = 12
    priority_option = 3
    assigned_user_option = 5
    assigned_group_option = 8

    [glpi.statuses]      # GLPI status number -> pdca state (default: see STATUS_STATES)
    4 = "waiting_vendor"

    [glpi.priorities]    # GLPI priority number -> the label pdca stores
    5 = "1 - Critical"

    [glpi.support_levels]  # assigned group -> support level (GLPI has no such field)
    "Service Desk" = "L1"
    "Network" = "L2"
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pdca.errors import InputError
from pdca.model.vocab import State

STATUS_NAMES: dict[int, str] = {
    1: "New",
    2: "Processing (assigned)",
    3: "Processing (planned)",
    4: "Pending",
    5: "Solved",
    6: "Closed",
}
"""GLPI's ticket statuses (``CommonITILObject::INCOMING`` … ``CLOSED``), English labels."""

STATUS_STATES: dict[int, State] = {
    1: State.NEW,
    2: State.IN_PROGRESS,
    3: State.IN_PROGRESS,
    4: State.WAITING_CUSTOMER,
    5: State.RESOLVED,
    6: State.CLOSED,
}

PRIORITY_NAMES: dict[int, str] = {
    6: "Major",
    5: "Very high",
    4: "High",
    3: "Medium",
    2: "Low",
    1: "Very low",
}
"""GLPI's priorities: the higher the number, the more urgent (the reverse of ITIL's ranks)."""


def priority_label(number: int) -> str:
    """The default label pdca stores: ITIL's rank (1 most urgent) and GLPI's name, so that
    GLPI 5 "Very high" becomes ``1 - Very high`` and SLA targets for priority 1 apply to it."""
    return f"{6 - number} - {PRIORITY_NAMES[number]}"


TYPES: dict[int, str] = {1: "incident", 2: "service_request"}
"""``glpi_tickets.type``: 1 Incident, 2 Request."""

ADD_RELATION = 15
DEL_RELATION = 16
"""``Log::HISTORY_ADD_RELATION`` and ``Log::HISTORY_DEL_RELATION`` (src/Log.php)."""


@dataclass(frozen=True)
class GlpiSettings:
    """Search-option numbers and label maps of one GLPI instance."""

    status_option: int = 12
    priority_option: int = 3
    assigned_user_option: int = 5
    assigned_group_option: int = 8
    statuses: dict[int, State] = field(default_factory=lambda: dict(STATUS_STATES))
    priorities: dict[int, str] = field(
        default_factory=lambda: {n: priority_label(n) for n in PRIORITY_NAMES}
    )
    support_levels: dict[str, str] = field(default_factory=dict)
    """Assigned group name -> support level (L1, L2, …); none by default."""

    def status_label(self, number: int) -> str:
        """The activity label of a status number (GLPI's English name)."""
        return STATUS_NAMES.get(number, f"Status {number}")

    def state_labels(self) -> dict[str, State | str]:
        """Activity label -> pdca state, for :func:`pdca.ingest.history.batch_from_frame`."""
        return {self.status_label(n): s for n, s in self.statuses.items()}


def _int_keys(table: Any, what: str, path: Path) -> dict[int, Any]:
    if not isinstance(table, dict):
        raise InputError(f"{path}: [glpi.{what}] must be a table of number = value")
    try:
        return {int(k): v for k, v in table.items()}
    except ValueError:
        raise InputError(f"{path}: the keys of [glpi.{what}] must be GLPI numbers") from None


def read_settings(path: Path | None) -> GlpiSettings:
    """The settings in ``path``'s ``[glpi]`` table, or the defaults without a file."""
    if path is None:
        return GlpiSettings()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise InputError(f"cannot read {path}: {exc}") from None
    table = data.get("glpi")
    if not isinstance(table, dict):
        raise InputError(
            f"{path} has no [glpi] table",
            "write e.g. [glpi] status_option = 12 (docs/connectors/glpi.md)",
        )
    base = GlpiSettings()
    options: dict[str, int] = {}
    for name in (
        "status_option",
        "priority_option",
        "assigned_user_option",
        "assigned_group_option",
    ):
        value = table.get(name, getattr(base, name))
        if not isinstance(value, int):
            raise InputError(f"{path}: [glpi] {name} must be a whole number")
        options[name] = value
    statuses = dict(base.statuses)
    for number, state in _int_keys(table.get("statuses", {}), "statuses", path).items():
        try:
            statuses[number] = State(state)
        except ValueError:
            known = ", ".join(s.value for s in State)
            raise InputError(f"{path}: [glpi.statuses] {number} = {state!r}; use {known}") from None
    priorities = dict(base.priorities)
    priorities.update(
        {n: str(v) for n, v in _int_keys(table.get("priorities", {}), "priorities", path).items()}
    )
    levels = table.get("support_levels", {})
    if not isinstance(levels, dict):
        raise InputError(f"{path}: [glpi.support_levels] must be a table of group = level")
    return GlpiSettings(
        **options,
        statuses=statuses,
        priorities=priorities,
        support_levels={str(k): str(v) for k, v in levels.items()},
    )
