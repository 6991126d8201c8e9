"""Imports pdca refuses before touching the store: dates read the wrong way round, nothing usable.

Reading a day-first log as month-first would store the dates whose day is at most 12 with day
and month swapped, and quarantine the others; an import whose every row is quarantined would
record an empty import. Both stop with one error that names the cause and the fix.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from pdca import api
from pdca.errors import AmbiguousDateError, InputError
from pdca.ingest.dates import DateFormat, check_order, parse_with
from pdca.ingest.options import LoadOptions
from tests.conftest import SERVICENOW, shared_file

HEADER = "number,incident_state,sys_mod_count,sys_updated_at"
DAY_FIRST = [
    "INC1,New,0,03/02/2016 09:00",
    "INC1,Active,1,13/02/2016 10:00",
    "INC2,New,0,05/03/2016 09:00",
    "INC2,Resolved,1,25/03/2016 09:00",
]


def _write(path: Path, rows: list[str], header: str = HEADER) -> Path:
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def _counts(store: Path) -> tuple[list[tuple[str, int]], int, int]:
    """(events per log, imports, quarantined rows) of a store."""
    logs = api.status(store)
    per_log = [(str(r["log"]), int(r["events"])) for _, r in logs.iterrows()]
    return per_log, len(api.imports(store)), len(api.quarantine(store))


def test_monthfirst_on_day_first_dates_stores_nothing(tmp_path: Path) -> None:
    path = _write(tmp_path / "sn.csv", DAY_FIRST)
    with pytest.raises(AmbiguousDateError) as caught:
        api.ingest(path, store=tmp_path / "s", options=LoadOptions(dayfirst=False))
    text = str(caught.value)
    assert "2 of 4 timestamps" in text
    assert "'13/02/2016 10:00'" in text
    assert "day-first" in text
    assert "pass --dayfirst instead of --monthfirst" in text
    assert not (tmp_path / "s").exists()  # not even an empty store


def test_a_refused_import_leaves_an_existing_store_as_it_was(tmp_path: Path) -> None:
    store = tmp_path / "s"
    good = _write(tmp_path / "good.csv", [*DAY_FIRST, "INC3,New,0,not a date"])
    api.ingest(good, store=store)
    before = _counts(store)
    assert before == ([("good", 4)], 1, 1)
    bad = _write(tmp_path / "bad.csv", [r.replace("INC", "X") for r in DAY_FIRST])
    with pytest.raises(AmbiguousDateError):
        api.ingest(bad, store=store, options=LoadOptions(dayfirst=False))
    nothing = _write(tmp_path / "nothing.csv", ["INC9,New,0,yesterday", "INC9,Active,1,today"])
    with pytest.raises(InputError, match="none of the 2 rows"):
        api.ingest(nothing, store=store)
    assert _counts(store) == before


def test_month_first_dates_against_a_day_first_mapping_name_monthfirst(tmp_path: Path) -> None:
    # the ServiceNow mapping says %d/%m/%Y; these dates are month-first
    rows = ["INC1,New,0,02/03/2016 09:00", "INC1,Active,1,02/13/2016 10:00"]
    path = _write(tmp_path / "sn.csv", rows)
    with pytest.raises(AmbiguousDateError, match="pass --monthfirst") as caught:
        api.ingest(path, store=tmp_path / "s")
    assert "timestamp.format" in str(caught.value)
    assert "1 of 2 timestamps" in str(caught.value)


def test_a_real_mixture_with_a_chosen_order_still_quarantines(tmp_path: Path) -> None:
    # 25/03 reads only day-first, 03/25 only month-first: the user's choice decides, the other
    # value is quarantined with its reason (as documented), the import is not refused
    rows = ["INC1,New,0,25/03/2016 09:00", "INC1,Active,1,03/25/2016 10:00"]
    path = _write(tmp_path / "mixed.csv", rows, header=HEADER)
    mapping = tmp_path / "map.toml"
    mapping.write_text(
        '[columns]\ncase_id = "number"\ntimestamp = "sys_updated_at"\n'
        'activity = "incident_state"\n',
        encoding="utf-8",
    )
    options = LoadOptions(mapping=mapping, dayfirst=True)
    report = api.ingest(path, source="csv", store=tmp_path / "s", options=options)
    assert (report.stored, report.quarantined) == (1, 1)


def test_every_row_quarantined_is_refused_with_the_main_reason(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "types.csv",
        ["A,open,2021-05-01 10:00,laptop", "B,open,2021-05-01 11:00,phone"],
        header="case,what,when,kind",
    )
    mapping = tmp_path / "map.toml"
    mapping.write_text(
        '[columns]\ncase_id = "case"\ntimestamp = "when"\nactivity = "what"\n'
        'ticket_type = "kind"\n',
        encoding="utf-8",
    )
    with pytest.raises(InputError) as caught:
        api.ingest(path, source="csv", store=tmp_path / "s", options=LoadOptions(mapping=mapping))
    text = str(caught.value)
    assert "none of the 2 rows of types.csv can be imported; nothing was stored" in text
    assert "(2 rows): ticket type 'laptop' is not one of" in text
    assert not (tmp_path / "s").exists()


def test_unmapped_activities_count_only_stored_events(tmp_path: Path) -> None:
    rows = ["INC1,New,0,03/02/2016 09:00", "INC1,Weird,1,13/02/2016 10:00", "INC3,Odd,0,xx"]
    report = api.ingest(_write(tmp_path / "sn.csv", rows), store=tmp_path / "s")
    assert report.details["unmapped_activities"] == {"Weird": 1}
    assert len(report.warnings) == 2
    assert "1 activity label(s) map to no state, so 1 stored events (50%)" in report.warnings[0]
    assert "MTTA" in report.warnings[0]
    assert "33% of the rows were quarantined" in report.warnings[1]
    assert report.to_dict()["warnings"] == report.warnings


def test_check_order_ignores_values_that_are_no_dates() -> None:
    uniques = pd.Series(["03/02/2016", "not a date"], dtype=object)
    fmt = DateFormat("%m/%d/%Y", "mdy", 1.0)
    parsed = pd.Series([pd.Timestamp("2016-03-02"), pd.NaT])
    check_order(
        uniques, parsed, fmt, column="c", refused_rows=1, rows=2, given_by="--monthfirst"
    )  # does not raise: the refused value reads in neither order


@pytest.mark.realdata
def test_monthfirst_on_the_servicenow_log_stores_nothing(tmp_path: Path) -> None:
    path = shared_file(SERVICENOW)
    store = tmp_path / "s"
    first = _write(tmp_path / "first.csv", DAY_FIRST)
    api.ingest(first, store=store)
    before = _counts(store)
    with pytest.raises(AmbiguousDateError) as caught:
        api.ingest(path, store=store, options=LoadOptions(dayfirst=False))
    text = str(caught.value)
    assert "pass --dayfirst instead of --monthfirst" in text
    assert "62,741 of 119,998 timestamps" in text
    assert "nothing was stored" in text
    assert _counts(store) == before


def test_now_and_today_are_no_timestamps() -> None:
    parsed = parse_with(pd.Series(["today", " NOW ", "03/02/2016 09:00"]), "%d/%m/%Y %H:%M")
    assert parsed.isna().tolist() == [True, True, False]


def test_warnings_say_less_than_one_percent_rather_than_zero() -> None:
    report = api.ImportReport(
        import_id=7,
        log="l",
        source="csv",
        path="l.csv",
        rows_read=1000,
        stored=940,
        quarantined=60,
        duplicates_in_file=0,
        duplicates_in_store=0,
        events_in_log=940,
        tickets_in_log=10,
        details={"unmapped_activities": {"a": 2, "b": 1, "c": 1, "d": 1}},
    )
    first, second = report.warnings
    assert first.startswith("4 activity label(s) map to no state, so 5 stored events (<1%)")
    assert "'a' (2), 'b' (1), 'c' (1) and 1 more." in first
    assert second == (
        "6% of the rows were quarantined (60 of 1,000): see `pdca quarantine --import 7`"
    )
    report = api.ImportReport(7, "l", "csv", "l.csv", 1000, 960, 40, 0, 0, 960, 10)
    assert report.warnings == []  # 4 % quarantined, every label mapped
