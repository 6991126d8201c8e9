"""Malformed CSV files: a clear pdca error, or an import whose counts add up and whose dates are
exactly the dates written into the file — never anything in between.

Each generated file tags its rows (column ``row_tag``), so every stored event can be traced back
to the row and the date that was written for it.
"""

from __future__ import annotations

import csv
import io
import json
import tempfile
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import pandas as pd
from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st

from pdca import api
from pdca.errors import PdcaError
from pdca.ingest.options import LoadOptions

STYLES = {
    "iso": ("%Y-%m-%d %H:%M:%S", None),
    "iso_z": ("%Y-%m-%dT%H:%M:%SZ", None),
    "dmy": ("%d/%m/%Y %H:%M", True),
    "mdy": ("%m/%d/%Y %H:%M", False),
    "dotted": ("%d.%m.%Y %H:%M", True),
    "jira": ("%d/%b/%y %I:%M %p", None),
}
GARBAGE = ["not a date", "2021-02-30 10:00:00", "??", "31/31/2021 10:00", "0000"]
ACTIVITIES = ["New", "In Progress", 'Pending "customer"', "Resolved, fixed", "Closed", "Ünïcode"]
ENCODINGS = ["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-32", "cp1252"]
TIME_HEADERS = ["timestamp", "Updated", "Created time", "date"]
HUGE = "@@HUGE@@"
HUGE_SIZE = 1 << 20


@dataclass
class Row:
    tag: str
    case: str
    when: datetime
    activity: str
    note: str
    date_text: str
    garbage: bool


def _when(minutes: int, style: str) -> datetime:
    when = datetime(2001, 1, 1) + timedelta(minutes=minutes)
    return when.replace(second=minutes % 60) if style.startswith("iso") else when


@st.composite
def _rows(draw: st.DrawFn, style: str) -> list[Row]:
    header_only = draw(st.integers(min_value=0, max_value=9)) == 9
    n = 0 if header_only else draw(st.integers(min_value=1, max_value=12))
    rows = []
    for i in range(n):
        when = _when(draw(st.integers(min_value=0, max_value=15_000_000)), style)
        garbage = draw(st.booleans()) and draw(st.booleans()) and draw(st.booleans())
        text = draw(st.sampled_from(GARBAGE)) if garbage else when.strftime(STYLES[style][0])
        rows.append(
            Row(
                tag=f"r{i}",
                case=f"INC{draw(st.integers(min_value=1, max_value=4))}",
                when=when,
                activity=draw(st.sampled_from(ACTIVITIES)),
                note=draw(st.text(max_size=20)),
                date_text=text,
                garbage=garbage,
            )
        )
    return rows


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


@dataclass
class Fixture:
    text: str
    encoding: str
    rows: list[Row]
    ragged: set[str]
    options: LoadOptions
    must_fail: bool
    dayfirst_forced_wrong: bool

    def data(self) -> bytes:
        """The file's bytes; the 1 MB cell is only built here, to keep failure reports short."""
        text = self.text.replace(HUGE, "x" * HUGE_SIZE)
        return text.encode(self.encoding, errors="replace")


@st.composite
def _fixtures(draw: st.DrawFn) -> Fixture:
    style = draw(st.sampled_from(sorted(STYLES)))
    rows = draw(_rows(style))
    delimiter = draw(st.sampled_from([",", ";", "\t", "|"]))
    encoding = draw(st.sampled_from(ENCODINGS))
    drop_time = draw(st.booleans()) and draw(st.booleans()) and draw(st.booleans())
    header = ["Ticket ID", draw(st.sampled_from(TIME_HEADERS)), "Status", "Note", "row_tag"]
    ragged: set[str] = set()
    if rows and draw(st.booleans()) and draw(st.booleans()):
        rows[0].note = HUGE  # a 1 MB cell
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow([h for h in header if not (drop_time and h == header[1])])
    for row in rows:
        values = [row.case, row.date_text, row.activity, row.note, row.tag]
        if drop_time:
            values.pop(1)
        if draw(st.integers(min_value=0, max_value=9)) == 9:
            values.pop(2)  # a ragged row: one field short
            ragged.add(row.tag)
        writer.writerow(values)
    text = out.getvalue()
    if draw(st.booleans()) and draw(st.booleans()):
        text = text.replace("Status", "St\x00atus", 1)
    if draw(st.integers(min_value=0, max_value=9)) == 9:
        text = ""
    data = text.encode(encoding, errors="replace")
    wrong = encoding == "cp1252" and not _is_utf8(data) and draw(st.booleans())
    given_dayfirst = draw(st.sampled_from([None, STYLES[style][1]]))
    forced_wrong = False
    if STYLES[style][1] is not None and draw(st.integers(min_value=0, max_value=9)) == 9:
        given_dayfirst = not STYLES[style][1]
        forced_wrong = True
    options = LoadOptions(encoding="utf-8" if wrong else None, dayfirst=given_dayfirst)
    return Fixture(text, encoding, rows, ragged, options, wrong, forced_wrong)


def _ingest(path: Path, fixture: Fixture) -> api.ImportReport | None:
    with tempfile.TemporaryDirectory() as store:
        try:
            report = api.ingest(path, source="csv", store=Path(store), options=fixture.options)
        except PdcaError as exc:
            event(f"error: {type(exc).__name__}")
            message = str(exc)
            assert message
            assert "\n" not in message.strip() or "line" in message
            return None
        events = api.events(Path(store))
    event("imported" if len(events) else "imported nothing")
    _check_events(events, fixture)
    return report


def _check_events(events: pd.DataFrame, fixture: Fixture) -> None:
    written = {row.tag: row for row in fixture.rows}
    for stored in events.itertuples():
        attributes = json.loads(str(stored.attributes))
        tag = attributes["row_tag"]
        row = written[tag]
        if row.note == HUGE:
            assert attributes["Note"] == "x" * HUGE_SIZE
        assert not row.garbage
        assert tag not in fixture.ragged
        if not fixture.dayfirst_forced_wrong:
            assert stored.timestamp.to_pydatetime() == row.when, (tag, row.date_text)
        assert stored.case_id == row.case


@given(fixture=_fixtures())
@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
def test_malformed_csv_is_an_error_or_a_reconciled_import(fixture: Fixture) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "fuzz.csv"
        path.write_bytes(fixture.data())
        report = _ingest(path, fixture)
    if fixture.must_fail:
        assert report is None
    if report is None:
        return
    assert report.reconciles
    assert report.rows_read == report.stored + report.quarantined + report.duplicates
    assert report.rows_read == len(fixture.rows)
    assert report.duplicates == 0  # every row carries its own tag


@given(data=st.binary(max_size=300))
@settings(max_examples=60, deadline=None)
def test_random_bytes_never_crash(data: bytes) -> None:
    assume(data)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "noise.csv"
        path.write_bytes(data)
        try:
            report = api.ingest(path, source="csv", store=Path(folder) / "s")
        except PdcaError as exc:
            message = str(exc)
        else:
            message = ""
            assert report.reconciles
    assert message or report.reconciles
