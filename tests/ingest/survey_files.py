"""Generated ticket logs and survey files with known answers (there is no public survey data).

Each writer returns, next to the file, the truth it was built from as plain pandas frames, so
tests recompute CSAT, NPS and the response rate independently of pdca.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

LOG = "desk"
PRIORITIES = ("1 - Critical", "2 - High", "3 - Moderate")
HEADER = "number,incident_state,sys_mod_count,sys_updated_at,assignment_group,priority"
START = datetime(2024, 1, 3, 9, 0)


def _sn_time(when: datetime) -> str:
    """ServiceNow export style, day-first (the connector's mapping reads it so)."""
    return f"{when.day}/{when.month}/{when.year} {when.hour:02d}:{when.minute:02d}"


def write_log(path: Path, tickets: int = 60) -> pd.DataFrame:
    """A ServiceNow-style log over January-March 2024; returns one truth row per ticket.

    Every seventh ticket stays open (no resolution); the others are resolved one to three days
    after opening.
    """
    rows = []
    truth = []
    for i in range(tickets):
        case = f"INC{i:04d}"
        opened = START + timedelta(days=int(i * 1.4), hours=i % 5)
        priority = PRIORITIES[i % 3]
        resolved = None if i % 7 == 0 else opened + timedelta(days=1 + i % 3, hours=1)
        rows.append(f"{case},New,0,{_sn_time(opened)},Group 1,{priority}")
        active = opened + timedelta(minutes=30)
        rows.append(f"{case},Active,1,{_sn_time(active)},Group 1,{priority}")
        if resolved is not None:
            rows.append(f"{case},Resolved,2,{_sn_time(resolved)},Group 1,{priority}")
        truth.append({"case_id": case, "priority": priority, "resolved_at": resolved})
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    frame = pd.DataFrame(truth)
    frame["resolved_at"] = pd.to_datetime(frame["resolved_at"])
    return frame


@dataclass
class SurveyFile:
    """A survey file and what a correct import makes of it."""

    path: Path
    valid: pd.DataFrame
    """The distinct valid responses: case_id, responded_at (NaT when empty), score."""
    rows: int
    quarantined: dict[int, str]
    """Row position -> the start of its quarantine reason."""
    duplicates: int


def write_csat(path: Path, tickets: pd.DataFrame, seed: int = 7) -> SurveyFile:
    """CSAT (1-5) responses to about two thirds of the tickets, plus the awkward cases.

    * responses without a time (placed at their ticket's resolution);
    * a response without a time to an open ticket (cannot be placed: left out of CSAT);
    * responses to tickets not in the log (unmatched, but counted when they have a time);
    * a second, different response to one ticket; an exact duplicate row;
    * rows to quarantine: no ticket, no score, a word, a score outside 1-5, a bad time.
    """
    rng = np.random.default_rng(seed)
    lines = ["Ticket ID,Rating,Date Submitted,Comment"]
    valid = []
    for i, t in enumerate(tickets.itertuples(index=False)):
        if i % 3 == 0:
            continue
        score = int(rng.integers(1, 6))
        if pd.isna(t.resolved_at) or i % 5 == 0:
            when = None
        else:
            when = t.resolved_at + timedelta(hours=2 + i % 30)
        stamp = "" if when is None else when.strftime("%Y-%m-%d %H:%M")
        lines.append(f"{t.case_id},{score},{stamp},reply {i}")
        valid.append((t.case_id, when, score))
    extra = [
        ("INC9001", datetime(2024, 2, 10, 12, 0), 5),
        ("INC9002", datetime(2024, 3, 2, 8, 30), 2),
        (str(tickets["case_id"].iloc[1]), datetime(2024, 3, 20, 8, 0), 1),
    ]
    for case, when, score in extra:
        lines.append(f"{case},{score},{when:%Y-%m-%d %H:%M},")
        valid.append((case, when, score))
    duplicate_of = lines[2]
    lines.append(duplicate_of)
    first_bad = len(lines) - 1
    bad = [
        (",4,2024-02-01 10:00,", "missing ticket id"),
        ("INC0002,,2024-02-01 10:00,", "missing score"),
        ("INC0004,n/a,2024-02-01 10:00,", "score 'n/a' is not a number"),
        ("INC0005,6,2024-02-01 10:00,", "score '6' is outside the scale 1-5"),
        ("INC0007,3,soon,", "response time 'soon' does not match the format"),
    ]
    lines += [text for text, _ in bad]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    frame = pd.DataFrame(valid, columns=["case_id", "responded_at", "score"])
    frame["responded_at"] = pd.to_datetime(frame["responded_at"])
    return SurveyFile(
        path=path,
        valid=frame,
        rows=len(lines) - 1,
        quarantined={first_bad + k: reason for k, (_, reason) in enumerate(bad)},
        duplicates=1,
    )


def write_nps(path: Path, tickets: pd.DataFrame, seed: int = 11) -> SurveyFile:
    """NPS (0-10) responses, with times, to every other resolved ticket."""
    rng = np.random.default_rng(seed)
    lines = ["case_id;nps;submitted"]
    valid = []
    resolved = tickets[tickets["resolved_at"].notna()]
    for i, t in enumerate(resolved.itertuples(index=False)):
        if i % 2:
            continue
        score = int(rng.integers(0, 11))
        when = t.resolved_at + timedelta(days=1)
        lines.append(f"{t.case_id};{score};{when:%Y-%m-%dT%H:%M:%S}")
        valid.append((t.case_id, when, score))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    frame = pd.DataFrame(valid, columns=["case_id", "responded_at", "score"])
    frame["responded_at"] = pd.to_datetime(frame["responded_at"])
    return SurveyFile(path=path, valid=frame, rows=len(lines) - 1, quarantined={}, duplicates=0)
