"""The objectives file: defaults, the shipped example, and one-line errors that say what to fix."""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path

import pytest

from pdca.errors import ConfigError
from pdca.model.calendars import WEEKDAYS, Calendar, TimeRange, WeeklyHours
from pdca.model.objectives import (
    ClockOptions,
    KpiTarget,
    Objectives,
    SlaTarget,
    format_duration,
    load_objectives,
    parse_duration,
    priority_key,
)

ROOT = Path(__file__).resolve().parents[3]
EXAMPLE = ROOT / "docs" / "examples" / "objectives.toml"
SLA_DOC = ROOT / "docs" / "sla.md"
H = timedelta(hours=1)


def minutes(text: str) -> int:
    h, m = text.split(":")
    return int(h) * 60 + int(m)


# -- defaults, as docs/sla.md states them ----------------------------------------------------------
def test_defaults_without_a_file() -> None:
    obj = load_objectives(None)
    assert set(obj.calendars) == {"24x7", "business"}
    always = obj.calendars["24x7"]
    assert always.timezone == "UTC"
    assert all(always.hours.on(d) == (TimeRange(start=0, end=1440),) for d in range(7))
    office = obj.calendars["business"]
    assert office.timezone == "UTC"
    assert [office.hours.on(d) for d in range(5)] == [
        (TimeRange(start=minutes("08:00"), end=minutes("18:00")),)
    ] * 5
    assert office.hours.on(5) == office.hours.on(6) == ()
    assert office.holidays == always.holidays == {}
    table = {(r.service, r.priority): (r.response, r.resolution, r.calendar) for r in obj.sla}
    assert table == {
        ("*", "1"): (timedelta(minutes=15), 4 * H, "24x7"),
        ("*", "2"): (1 * H, 24 * H, "24x7"),
        ("*", "3"): (4 * H, 72 * H, "24x7"),
        ("*", "4"): (24 * H, 120 * H, "24x7"),
    }
    assert set(obj.clock.pause_states) == {"waiting_customer", "waiting_vendor", "waiting_other"}
    assert obj.clock.resolution == "final"
    assert obj.kpi_targets == {}


def test_default_targets_match_priorities_by_their_first_number() -> None:
    obj = Objectives()
    row = obj.target_for(None, "1 - Critical", "resolution")
    assert row is not None
    assert row.resolution == 4 * H
    row = obj.target_for("Email", "P4", "response")
    assert row is not None
    assert row.response == 24 * H
    assert obj.target_for(None, "Critical", "response") is None
    assert obj.target_for(None, None, "response") is None


# -- the shipped example ---------------------------------------------------------------------------
def test_the_example_file_loads() -> None:
    obj = load_objectives(EXAMPLE)
    assert set(obj.calendars) == {"24x7", "business", "brussels", "new_york"}
    brussels = obj.calendars["brussels"]
    assert brussels.timezone == "Europe/Brussels"
    assert [str(r) for r in brussels.hours.on(0)] == ["08:30-12:30", "13:30-17:30"]
    assert brussels.hours.on(5) == ()
    assert date(2025, 12, 25) in brussels.holidays
    assert obj.calendars["new_york"].holidays[date(2025, 7, 4)] == "Independence Day"
    payroll = obj.target_for("Payroll", "3 - Moderate", "resolution")
    assert payroll is not None
    assert payroll.resolution == 28 * H
    assert payroll.calendar == "new_york"
    other = obj.target_for("Email", "3 - Moderate", "resolution")
    assert other is not None
    assert (other.resolution, other.calendar) == (30 * H, "brussels")
    assert obj.kpi_targets["fcr"] == KpiTarget(op=">=", value=70)
    assert obj.kpi_targets["mttr"].met(20)
    assert not obj.kpi_targets["fcr"].met(69.9)


# -- parsing ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "seconds"),
    [("4h", 14400), ("2d", 172800), ("30m", 1800), ("1d 4h", 100800), ("1h30m", 5400), ("45s", 45)],
)
def test_durations(text: str, seconds: int) -> None:
    assert parse_duration(text) == timedelta(seconds=seconds)
    assert parse_duration(format_duration(timedelta(seconds=seconds))).total_seconds() == seconds


@pytest.mark.parametrize("text", ["4 hours", "", "h4", "0m", "4", "-1h", "1.5h"])
def test_bad_durations(text: str) -> None:
    with pytest.raises(ValueError, match=r"duration|zero"):
        parse_duration(text)


@pytest.mark.parametrize(
    ("text", "key"),
    [("1 - Critical", "1"), ("P1", "1"), ("1", "1"), ("Priority 12", "12"), (" High ", "high")],
)
def test_priority_keys(text: str, key: str) -> None:
    assert priority_key(text) == key


def test_specificity_order() -> None:
    def row(service: str, priority: str) -> SlaTarget:
        return SlaTarget.model_validate(
            {"service": service, "priority": priority, "resolution": "1h"}
        )

    assert row("Mail", "1").specificity > row("Mail", "*").specificity
    assert row("Mail", "*").specificity > row("*", "1").specificity
    assert row("*", "1").specificity > row("*", "*").specificity


def test_calendars_accept_one_range_or_several_and_sort_them() -> None:
    cal = Calendar.model_validate(
        {"hours": {"monday": ["13:00-17:00", "08:00-12:00"], "tuesday": "00:00-24:00"}}
    )
    assert [str(r) for r in cal.hours.on(0)] == ["08:00-12:00", "13:00-17:00"]
    assert [str(r) for r in cal.hours.on(1)] == ["00:00-24:00"]
    assert cal.hours.on(2) == ()
    assert WeeklyHours.model_fields.keys() == set(WEEKDAYS)


# -- errors: one line naming the file, the key and the fix -----------------------------------------
ERRORS = [
    (
        '[calendars.office.hours]\nmonday = "8:00-18"\n',
        'calendars.office.hours.monday: "8:00-18" is not a time range like 08:00-18:00',
    ),
    (
        '[calendars.office.hours]\nmonday = "18:00-08:00"\n',
        'calendars.office.hours.monday: "18:00-08:00" ends before it starts; split a night shift',
    ),
    (
        '[calendars.office.hours]\nfriday = ["08:00-12:00", "11:00-13:00"]\n',
        'calendars.office.hours.friday: "08:00-12:00" and "11:00-13:00" overlap',
    ),
    (
        '[calendars.office.hours]\nmon = "08:00-18:00"\n',
        "calendars.office.hours.mon: unknown key — check the spelling",
    ),
    (
        '[calendars.office]\ntimezone = "Europe/Brusels"\n[calendars.office.hours]\n',
        'calendars.office.timezone: "Europe/Brusels" is not an IANA time zone',
    ),
    ('[calendars.office]\ntimezone = "UTC"\n', "calendars.office.hours: is missing"),
    (
        '[calendars.office]\nholidays = ["2025-02-30"]\n[calendars.office.hours]\n',
        "calendars.office.holidays.2025-02-30: input should be a valid date",
    ),
    (
        '[[sla]]\npriority = 1\nresponse = "4 hours"\n',
        'sla[1].response: "4 hours" is not a duration like "4h"',
    ),
    ("[[sla]]\npriority = 1\nresolution = 4\n", "sla[1].resolution: 4 has no unit"),
    (
        '[[sla]]\npriority = 1\nresolution = "4h"\n[[sla]]\npriority = 2\n',
        "sla[2]: give a response or a resolution target",
    ),
    (
        '[[sla]]\npriority = 1\nresolution = "4h"\ncalendar = "office"\n',
        (
            'sla[1].calendar: there is no calendar "office"; define [calendars.office] or use'
            " one of: 24x7, business"
        ),
    ),
    (
        '[[sla]]\npriority = 1\nresolution = "4h"\n[[sla]]\npriority = "P1"\nresponse = "1h"\n',
        'sla[2]: service "*" and priority "P1" repeat sla[1]; merge the two rows',
    ),
    (
        '[clock]\npause_states = ["on_hold"]\n',
        'clock.pause_states: "on_hold" is not a canonical state; use any of:',
    ),
    ('[clock]\nresolution = "last"\n', "clock.resolution: input should be 'final' or 'first'"),
    (
        '[kpi_targets]\nfcr = "at least 70"\n',
        'kpi_targets.fcr: "at least 70" is not a target like ">= 70" or "<= 24"',
    ),
    ("[kpi_targets]\nfcr = 70\n", 'kpi_targets.fcr: "70" is not a target like ">= 70"'),
    ("colour = 1\n", "colour: unknown key"),
    ("[clock\n", "not valid TOML"),
]


@pytest.mark.parametrize(("toml", "message"), ERRORS)
def test_errors_name_the_file_the_key_and_the_fix(tmp_path: Path, toml: str, message: str) -> None:
    path = tmp_path / "objectives.toml"
    path.write_text(toml, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_objectives(path)
    text = str(info.value)
    assert "\n" not in text
    assert text.startswith(f"{path}: ")
    assert message in text, text


def test_a_missing_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no such objectives file"):
        load_objectives(tmp_path / "nope.toml")


def test_a_file_may_redefine_a_builtin_calendar_and_replace_the_sla_table(
    tmp_path: Path,
) -> None:
    path = tmp_path / "o.toml"
    path.write_text(
        '[calendars.business]\ntimezone = "Europe/Brussels"\n'
        '[calendars.business.hours]\nmonday = "09:00-17:00"\n'
        '[[sla]]\nresolution = "3d"\ncalendar = "business"\n',
        encoding="utf-8",
    )
    obj = load_objectives(path)
    assert obj.calendars["business"].timezone == "Europe/Brussels"
    assert "24x7" in obj.calendars
    assert len(obj.sla) == 1
    row = obj.target_for("any", "5", "resolution")
    assert row is not None
    assert row.resolution == 72 * H
    assert obj.target_for("any", "5", "response") is None


# -- docs/sla.md names every key -------------------------------------------------------------------
def test_every_objectives_key_is_documented() -> None:
    text = SLA_DOC.read_text(encoding="utf-8")
    keys = [
        *Objectives.model_fields,
        *Calendar.model_fields,
        *SlaTarget.model_fields,
        *ClockOptions.model_fields,
        *WEEKDAYS,
    ]
    for key in keys:
        assert f"`{key}`" in text, f"objectives key {key} is not documented in docs/sla.md"


def test_docs_show_the_default_sla_table() -> None:
    text = SLA_DOC.read_text(encoding="utf-8")
    rows = re.findall(r"^\| (\d) \| (\S+) \| (\S+) \| `(\S+)` \|$", text, re.MULTILINE)
    documented = {p: (parse_duration(a), parse_duration(b), cal) for p, a, b, cal in rows}
    actual = {r.priority: (r.response, r.resolution, r.calendar) for r in Objectives().sla}
    assert documented == actual
