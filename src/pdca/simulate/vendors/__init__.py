"""The simulated desk written in each helpdesk's own export shape (``pdca simulate --to NAME``).

Each writer is a small module here with ``write(events, out) -> list[Path]``: ``events`` is the
simulated desk's canonical events (the columns of ``pdca simulate --to csv``, times as naive UTC
``datetime64``, ``attributes`` as JSON text with the tool's SLA verdict ``made_sla``), ``out`` the
file or folder to write (the writer creates it; it never exists beforehand). The matching
connector reads the result back to the same canonical events, which is how each connector is
tested end to end against the simulator's known truth. The registry below gives the CLI its
``--to`` choices and the docs their list.
"""

from __future__ import annotations

from importlib import import_module
from pathlib import Path
from typing import TYPE_CHECKING

from pdca.errors import InputError

if TYPE_CHECKING:
    import pandas as pd

WRITERS: dict[str, tuple[str, str]] = {
    "ticket-list": ("ticket_list", "one row per ticket with its date columns (CSV)"),
    "glpi-list": ("glpi_list", "GLPI search-screen export: Portuguese headers, ';', day-first"),
    "jira": ("jira", "Jira REST search response with expand=changelog (JSON)"),
    "jira-dc": ("jira_dc", "Jira Data Center data-pipeline issue_history CSV + issues CSV"),
    "jira-csv": ("jira_csv", "Jira Service Management CSV export (one row per issue)"),
    "zendesk": ("zendesk", "Zendesk tickets, ticket audits and ticket metric events (JSON)"),
    "glpi": ("glpi", "GLPI glpi_logs and glpi_tickets tables (CSV dumps in a folder)"),
    "znuny": ("znuny", "Znuny/OTRS ticket_history and lookup tables (CSV dumps in a folder)"),
    "zammad": ("zammad", "Zammad histories and lookup tables (CSV dumps in a folder)"),
    "osticket": ("osticket", "osTicket thread_event, thread, ticket, event (CSV dumps)"),
    "freshservice": ("freshservice", "Freshservice tickets with their activities (JSON)"),
}
"""Format name -> (module in this package, what it writes)."""


def names() -> list[str]:
    """Every vendor format ``pdca simulate --to`` can write."""
    return list(WRITERS)


def write(name: str, events: pd.DataFrame, out: Path) -> list[Path]:
    """Write the canonical ``events`` as the tool ``name`` exports them; returns the paths."""
    entry = WRITERS.get(name)
    if entry is None:
        raise InputError(f"unknown vendor format {name!r}", f"use one of: {', '.join(WRITERS)}")
    if out.exists():
        raise InputError(f"{out} exists; pdca simulate does not write over files")
    module = import_module(f"pdca.simulate.vendors.{entry[0]}")
    written: list[Path] = module.write(events, out)
    return written
