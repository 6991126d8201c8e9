"""Valid seed inputs for every fuzz target, generated once per process from the simulator.

A :class:`Seed` is the files of one valid input (a single file, or the folder of tables that the
GLPI, Znuny, Zammad, osTicket and Jira Data Center connectors read) as bytes, with the path the
target is given. The simulator writes each helpdesk's own export shape (``pdca simulate --to
NAME``, :mod:`pdca.simulate.vendors`); the ServiceNow and BPIC 2013 seeds, the XES and OCEL logs
and the surveys are derived here from the same simulated desk, so every seed is a file the
matching importer reads without an error. Nothing is copied from real data.
"""

from __future__ import annotations

import json
import tempfile
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import pandas as pd

TICKETS = 12
DAYS = 6
"""A small desk: the importers' cost per input is mostly fixed, and small seeds mutate densely."""


@dataclass(frozen=True)
class Seed:
    """One valid input: ``files`` (relative path -> bytes); the target reads ``entry``."""

    files: dict[str, bytes]
    entry: str
    main: str
    """The file mutated most often (the event table of a folder)."""
    extra: dict[str, str] = field(default_factory=dict)
    """Target-specific settings (e.g. the chart of an spc seed)."""


CANONICAL_MAP = """\
[read]
delimiter = ","

[columns]
case_id = "case_id"
timestamp = "timestamp"
activity = "activity"
seq = "seq"
assignment_group = "assignment_group"
resource = "resource"
support_level = "support_level"
priority = "priority"
service = "service"
category = "category"
channel = "channel"

[timestamp]
format = "%Y-%m-%d %H:%M:%S"
timezone = "UTC"

[states]
"New" = "new"
"In Progress" = "in_progress"
"Resolved" = "resolved"
"Closed" = "closed"
"""
"""A mapping for the simulator's canonical CSV (``pdca simulate --to csv``)."""

TICKET_LIST_MAP = """\
[columns]
case_id = "Ticket"
priority = "Priority"
assignment_group = "Assignment group"
resource = "Assigned to"
category = "Category"
service = "Service"

[dates]
opened = "Opened"
first_response = "First response"
resolved = "Resolved"
closed = "Closed"

[sla]
column = "Made SLA"
"""
"""The mapping of ``pdca simulate --to ticket-list`` (a ticket list with ``[dates]``)."""

SPC_SEEDS = (
    ("imr", "day,hours,n\n1,3.5,10\n2,4.1,12\n3,2.9,9\n4,5.0,11\n5,3.3,10\n6,4.4,12\n7,3.9,10\n"),
    (
        "xbar-r",
        (
            "sample,hours,n\n1,3.5,5\n1,4.0,5\n1,3.1,5\n2,4.1,5\n2,3.7,5\n2,4.4,5\n3,2.9,5\n"
            "3,3.3,5\n3,3.8,5\n4,5.0,5\n4,4.2,5\n4,4.6,5\n"
        ),
    ),
    ("p", "week,hours,n\n1,3,40\n2,5,41\n3,2,39\n4,6,44\n5,4,40\n6,3,42\n7,7,45\n8,2,38\n"),
)


def _simulate(fmt: str, out: Path) -> Path:
    from pdca.simulate.config import make_config  # noqa: PLC0415 (heavy, on use)
    from pdca.simulate.run import simulate  # noqa: PLC0415

    config = make_config(seed=11, days=DAYS, tickets=TICKETS, log="desk")
    simulate(config, out=out, fmt=fmt, hidden=False)
    return out


def _files(root: Path) -> dict[str, bytes]:
    if root.is_file():
        return {root.name: root.read_bytes()}
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*"))}


def _folder_seed(root: Path, main: str) -> Seed:
    return Seed({f"in/{k}": v for k, v in _files(root).items()}, "in", f"in/{main}")


def _file_seed(path: Path, name: str, **extra: str) -> Seed:
    return Seed({name: path.read_bytes()}, name, name, dict(extra))


def _sn_time(stamp: pd.Timestamp) -> str:
    return f"{stamp.day:02d}/{stamp.month:02d}/{stamp.year} {stamp.hour:02d}:{stamp.minute:02d}"


def _servicenow_csv(events: pd.DataFrame) -> bytes:
    """The simulated events in the UCI ServiceNow export's shape (``?`` for missing)."""
    label = {
        "new": "New",
        "in_progress": "Active",
        "waiting_customer": "Awaiting User Info",
        "waiting_vendor": "Awaiting Vendor",
        "waiting_other": "On Hold",
        "resolved": "Resolved",
        "closed": "Closed",
        "cancelled": "Canceled",
    }
    frame = pd.DataFrame(
        {
            "number": events["case_id"],
            "incident_state": events["state"].map(label).fillna("Active"),
            "sys_mod_count": events.groupby("case_id").cumcount(),
            "sys_updated_at": pd.to_datetime(events["timestamp"]).map(_sn_time),
            "assignment_group": events["assignment_group"],
            "assigned_to": events["resource"],
            "priority": events["priority"],
            "impact": events["impact"],
            "urgency": events["urgency"],
            "category": events["category"],
            "contact_type": events["channel"],
            "location": events["location"],
            "caller_id": events["caller"],
        }
    )
    return frame.fillna("?").to_csv(index=False).encode()


def _bpic_csv(events: pd.DataFrame, *, problems: bool) -> bytes:
    """The simulated events in the BPIC 2013 incident (or problem) log's shape."""
    status = {
        "new": ("Queued", "Awaiting Assignment"),
        "in_progress": ("Accepted", "In Progress"),
        "waiting_customer": ("Accepted", "Wait - User"),
        "waiting_vendor": ("Accepted", "Wait - Vendor"),
        "waiting_other": ("Accepted", "Wait"),
        "resolved": ("Completed", "Resolved"),
        "closed": ("Completed", "Closed"),
        "cancelled": ("Completed", "Cancelled"),
    }
    pairs = events["state"].map(lambda s: status.get(s, ("Accepted", "In Progress")))
    when = pd.to_datetime(events["timestamp"]).dt.strftime("%Y-%m-%dT%H:%M:%S+01:00")
    if problems:
        frame = pd.DataFrame(
            {
                "Problem Number": events["case_id"],
                "Problem Change Date+Time": when,
                "Problem Status": pairs.str[0],
                "Problem Sub Status": pairs.str[1],
                "Problem Involved Owner ST": events["assignment_group"],
                "Problem Involved Action Owner First Name": events["resource"],
                "Problem Latest Impact": events["impact"],
                "Product": events["service"],
                "Country": events["location"],
            }
        )
        return frame.to_csv(index=False, sep=";").encode("iso-8859-1", errors="replace")
    frame = pd.DataFrame(
        {
            "SR Number": events["case_id"],
            "Change Date+Time": when,
            "Status": pairs.str[0],
            "Sub Status": pairs.str[1],
            "Activity": pairs.str[0] + "-" + pairs.str[1],
            "Involved ST": events["assignment_group"],
            "Resource": events["resource"],
            "ST Level": events["support_level"],
            "SR Latest Impact": events["impact"],
            "Product": events["service"],
            "Country": events["location"],
        }
    )
    return b"\xef\xbb\xbf" + frame.to_csv(index=False).encode()


def _suggested_map(path: Path) -> bytes:
    """The mapping ``pdca suggest-mapping --dayfirst`` drafts for ``path``."""
    from pdca.ingest.options import LoadOptions  # noqa: PLC0415
    from pdca.ingest.suggest import suggest_mapping_text  # noqa: PLC0415

    return suggest_mapping_text(path, LoadOptions(dayfirst=True)).encode()


@cache
def all_seeds() -> dict[str, list[Seed]]:
    """Target name -> its valid seeds (built once per process, about 10 s)."""
    from pdca.ingest.ocel_writer import write_ocel  # noqa: PLC0415
    from pdca.ingest.options import LoadOptions  # noqa: PLC0415
    from pdca.ingest.sources import load  # noqa: PLC0415
    from pdca.ingest.xes_writer import write_xes  # noqa: PLC0415

    seeds: dict[str, list[Seed]] = {}
    with tempfile.TemporaryDirectory(prefix="pdca-seeds-") as folder:
        tmp = Path(folder)
        canonical = _simulate("csv", tmp / "desk.csv")
        events = pd.read_csv(canonical)
        batch = load(canonical, "csv", LoadOptions(mapping=None))
        xes = write_xes(batch.events, tmp / "desk.xes")
        ocel = write_ocel(batch.events, tmp / "desk.json")
        (tmp / "canonical.toml").write_text(CANONICAL_MAP, encoding="utf-8")
        (tmp / "list.toml").write_text(TICKET_LIST_MAP, encoding="utf-8")
        canon = canonical.read_bytes()
        seeds["servicenow"] = [Seed({"sn.csv": _servicenow_csv(events)}, "sn.csv", "sn.csv")]
        seeds["bpic2013"] = [
            Seed({"inc.csv": _bpic_csv(events, problems=False)}, "inc.csv", "inc.csv"),
            Seed({"prb.csv": _bpic_csv(events, problems=True)}, "prb.csv", "prb.csv"),
        ]
        listing = _simulate("ticket-list", tmp / "list.csv")
        glpi_list = _simulate("glpi-list", tmp / "glpi-list.csv")
        seeds["csv"] = [
            Seed(
                {"log.csv": canon, "map.toml": CANONICAL_MAP.encode()},
                "log.csv",
                "log.csv",
                {"mapping": "map.toml"},
            ),
            Seed({"log.csv": canon}, "log.csv", "log.csv"),  # no mapping: the suggested one
            Seed(
                {"list.csv": listing.read_bytes(), "map.toml": TICKET_LIST_MAP.encode()},
                "list.csv",
                "list.csv",
                {"mapping": "map.toml"},
            ),
            Seed(
                {"gl.csv": glpi_list.read_bytes(), "map.toml": _suggested_map(glpi_list)},
                "gl.csv",
                "gl.csv",
                {"mapping": "map.toml"},
            ),
        ]
        seeds["ticket-list"] = [seeds["csv"][2], seeds["csv"][3]]
        seeds["xes"] = [_file_seed(xes, "log.xes")]
        seeds["ocel"] = [_file_seed(ocel, "log.json")]
        vendor_main = {
            "jira": ("jira", "log.json", None),
            "jira-dc": ("jira", None, "issue_history_job1_20250101000000.csv"),
            "jira-csv": ("jira-csv", "issues.csv", None),
            "zendesk": ("zendesk", "tickets.json", None),
            "glpi": ("glpi", None, "glpi_logs.csv"),
            "znuny": ("znuny", None, "ticket_history.csv"),
            "zammad": ("zammad", None, "histories.csv"),
            "osticket": ("osticket", None, "thread_event.csv"),
            "freshservice": ("freshservice", "tickets.json", None),
        }
        for fmt, (target, name, main) in vendor_main.items():
            written = _simulate(fmt, tmp / f"out-{fmt}")
            seed = _file_seed(written, name) if name else _folder_seed(written, str(main))
            seeds.setdefault(target, []).append(seed)
        surveys = next(tmp.glob("desk*surveys*.csv")).read_bytes()
        seeds["surveys"] = [Seed({"surveys.csv": surveys}, "surveys.csv", "surveys.csv")]
        seeds["store-log"] = [Seed({"log.csv": canon}, "log.csv", "log.csv")]
    seeds["mapping"] = [
        Seed({"map.toml": text.encode()}, "map.toml", "map.toml")
        for text in (CANONICAL_MAP, TICKET_LIST_MAP, *_builtin_maps())
    ]
    seeds["spc"] = [
        Seed({"data.csv": text.encode()}, "data.csv", "data.csv", {"chart": chart})
        for chart, text in SPC_SEEDS
    ]
    return seeds


def _builtin_maps() -> list[str]:
    from pdca.ingest import mappings  # noqa: PLC0415

    folder = Path(str(mappings.__file__)).parent
    return [p.read_text(encoding="utf-8") for p in sorted(folder.glob("*.toml"))]


if __name__ == "__main__":  # pragma: no cover - a look at the seeds
    print(json.dumps({k: [list(s.files) for s in v] for k, v in all_seeds().items()}, indent=1))  # noqa: T201
