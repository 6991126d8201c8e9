"""Issue 17, items 2, 3 and 8: values the engine cannot hold are quarantined per row, and no
stored value makes a later command crash; a timestamp format with a code pdca cannot read is a
one-line error.

The log is written here in the ServiceNow audit shape (day-first, minute resolution): 40 tickets
of three updates each, then one row dated 31/12/9999, one dated 01/01/0001 and two with
sequence numbers of ±10^20 (beyond 64 bits). Before the fix the dates were stored and every KPI
command crashed with OverflowError, and the sequence numbers aborted the whole import.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

import pdca
from pdca.interfaces.cli.app import app

runner = CliRunner()
T0 = datetime(2024, 3, 4, 8, 0)
BAD = ("31/12/9999 23:59", "01/01/0001 00:00")


def _write(path: Path) -> int:
    rows = []
    for i in range(40):
        for k, state in enumerate(("New", "Active", "Resolved")):
            when = T0 + timedelta(hours=5 * i + k * (1 + i % 7), minutes=k * (i * 13 % 60))
            rows.append(
                {
                    "number": f"INC{i:04d}",
                    "incident_state": state,
                    "sys_mod_count": str(k),
                    "sys_updated_at": when.strftime("%d/%m/%Y %H:%M"),
                    "priority": "2 - High",
                    "assignment_group": f"Group {i % 3}",
                }
            )
    good = len(rows)
    extra = dict(rows[0])
    rows.extend({**extra, "number": "INC9999", "sys_updated_at": text} for text in BAD)
    huge = ("99999999999999999999", "-99999999999999999999")
    rows.extend({**extra, "number": "INC9998", "sys_mod_count": seq} for seq in huge)
    pd.DataFrame(rows).to_csv(path, index=False)
    return good


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, int]:
    root = tmp_path_factory.mktemp("oor")
    log = root / "sn.csv"
    good = _write(log)
    report = pdca.ingest(log, source="servicenow", store=root / "store")
    assert report.rows_read == good + 4
    assert report.stored == good
    assert report.quarantined == 4
    return root / "store", good


def test_the_rows_are_quarantined_with_their_reasons(store: tuple[Path, int]) -> None:
    frame = pdca.quarantine(store[0])
    reasons = " | ".join(frame["reason"])
    assert reasons.count("outside the years pdca stores (1900 to 2199") == 2
    assert reasons.count("is beyond what 64 bits hold") == 2
    assert "'31/12/9999 23:59'" in reasons
    assert "'99999999999999999999'" in reasons


@pytest.mark.parametrize(
    "args",
    [
        ["scorecard"],
        ["kpi"],
        ["kpi", "mttr", "--period", "week"],
        ["sla"],
        ["monitor"],
        ["mine", "dfg"],
    ],
)
def test_every_kpi_command_works_after(store: tuple[Path, int], args: list[str]) -> None:
    done = runner.invoke(app, [*args, "--store", str(store[0])])
    assert done.exit_code == 0, done.output


def test_the_review_works_after(store: tuple[Path, int], tmp_path: Path) -> None:
    out = tmp_path / "review.html"
    done = runner.invoke(app, ["report", "--store", str(store[0]), "--out", str(out)])
    assert done.exit_code == 0, done.output
    assert out.stat().st_size > 1000


@pytest.mark.parametrize("fmt", ["%s", "%d/%m/%Y %H:%M %Q", "%Y-%m-%d %"])
def test_a_format_code_pdca_cannot_read_is_one_line(tmp_path: Path, fmt: str) -> None:
    log = tmp_path / "sn.csv"
    _write(log)
    mapping = tmp_path / "m.toml"
    mapping.write_text(
        '[columns]\ncase_id = "number"\ntimestamp = "sys_updated_at"\n'
        f'activity = "incident_state"\n[timestamp]\nformat = "{fmt}"\n',
        encoding="utf-8",
    )
    done = runner.invoke(
        app,
        [
            "ingest",
            str(log),
            "--source",
            "csv",
            "--map",
            str(mapping),
            "--store",
            str(tmp_path / "s"),
        ],
    )
    assert done.exit_code == 1
    lines = done.output.strip().splitlines()
    assert len(lines) == 1, done.output
    assert "is not a date code pdca reads" in lines[0]
