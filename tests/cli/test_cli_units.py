"""Tables show seconds as durations and shares as %, the unit in the header; JSON and CSV keep
the raw numbers (issue 15)."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from pdca.interfaces.cli.app import app
from pdca.interfaces.cli.output import TABLE_UNITS, Format, emit_frame, with_units
from pdca.render.format import format_share, format_span

runner = CliRunner()
HEADER = "number,incident_state,sys_mod_count,sys_updated_at,priority,made_sla"


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> str:
    """Twelve tickets whose steps take hours to days."""
    root = tmp_path_factory.mktemp("units")
    rows = []
    for i in range(12):
        opened = pd.Timestamp("2024-01-08 08:00") + pd.Timedelta(hours=7 * i)
        steps = [("New", 0), ("Active", 37 + 11 * i), ("Resolved", 1500 + 613 * i)]
        if i % 3 == 0:
            steps.insert(2, ("Awaiting User Info", 400 + 97 * i))
        for n, (state, minutes) in enumerate(steps):
            at = opened + pd.Timedelta(minutes=minutes)
            rows.append(f"T{i:02d},{state},{n},{at:%d/%m/%Y %H:%M},3 - Moderate,true")
    path = root / "log.csv"
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    out = str(root / "store")
    result = runner.invoke(app, ["ingest", str(path), "--source", "servicenow", "--store", out])
    assert result.exit_code == 0, result.output
    return out


def _mine(store: str, view: str, fmt: str) -> str:
    result = runner.invoke(app, ["mine", view, "--store", store, "-f", fmt])
    assert result.exit_code == 0, result.output
    return result.stdout


def test_dfg_table_shows_durations_not_seconds(store: str) -> None:
    raw = pd.read_csv(io.StringIO(_mine(store, "dfg", "csv")))
    table = _mine(store, "dfg", "table")
    for col in ("mean", "median", "total"):
        assert f"{col} (duration)" in table
    seconds = raw["total"].astype(float)
    assert (seconds >= 3600).any()
    for value in seconds[seconds >= 60]:
        assert f"{value:,.0f}" not in table
        assert str(int(value)) not in table
    # the busiest edge's mean, as a reader would write it
    first = raw.sort_values("total", ascending=False).iloc[0]
    assert format_span(float(first["mean"])) in table
    assert re.search(r"\d+ (d|h|min)\b", table)


def test_json_and_csv_keep_raw_seconds(store: str) -> None:
    raw = pd.read_csv(io.StringIO(_mine(store, "dfg", "csv")))
    rows = json.loads(_mine(store, "dfg", "json"))
    assert [r["total"] for r in rows] == pytest.approx(raw["total"].tolist())
    assert all(isinstance(r["mean"], int | float) for r in rows)
    assert "mean" in raw.columns  # field names unchanged: scripts that read them still work


def test_variants_share_in_percent(store: str) -> None:
    raw = pd.read_csv(io.StringIO(_mine(store, "variants", "csv")))
    table = _mine(store, "variants", "table")
    assert "share (%)" in table
    assert raw["share"].between(0, 1).all()
    for share in raw["share"]:
        assert format_share(float(share)) in table
    assert f"{raw['share'].iloc[0]:.4g}" not in table


def test_only_declared_columns_change(capsys: pytest.CaptureFixture[str]) -> None:
    frame = pd.DataFrame({"mean": [86400.0 * 3 + 3600 * 4], "n": [12345], "share": [0.25]})
    emit_frame(frame.copy(), Format.TABLE)  # no units declared: as it was, e.g. a control chart
    plain = capsys.readouterr().out
    assert "3 d 4 h" not in plain
    assert "273,600" in plain
    emit_frame(with_units(frame.copy(), "mine"), Format.TABLE)
    human = capsys.readouterr().out
    assert "3 d 4 h" in human
    assert "25.0" in human
    assert "12,345" in human  # integers get the same separators as floats
    assert "273,600" not in human
    emit_frame(with_units(frame.copy(), "mine"), Format.CSV)
    assert "273600.0" in capsys.readouterr().out
    assert set(TABLE_UNITS["mine"].values()) == {"duration", "%"}


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (45, "45 s"),
        (2700, "45 min"),
        (725, "12 min 5 s"),
        (4 * 3600 + 600, "4 h 10 min"),
        (3 * 86400 + 4 * 3600 + 1000, "3 d 4 h"),
        (2 * 86400, "2 d"),
        (1204 * 86400, "1,204 d"),
        (-7500, "-2 h 5 min"),
        (float("nan"), ""),
    ],
)
def test_format_span(seconds: float, text: str) -> None:
    assert format_span(seconds) == text


@pytest.mark.parametrize(
    ("share", "text"),
    [(0.2315, "23.2"), (0.008811, "0.9"), (9.63e-05, "< 0.1"), (1.0, "100.0"), (0.0, "0.0")],
)
def test_format_share(share: float, text: str) -> None:
    assert format_share(share) == text


def test_sla_agreement_in_percent(tmp_path: Path) -> None:
    rows = [
        "INC1,New,0,13/1/2024 09:00,3 - Moderate,true",
        "INC1,Resolved,1,14/1/2024 10:00,3 - Moderate,true",
        "INC2,New,0,15/1/2024 08:00,1 - Critical,true",
        "INC2,Resolved,1,15/1/2024 14:00,1 - Critical,true",
    ]
    path = tmp_path / "log.csv"
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    store = str(tmp_path / "store")
    assert runner.invoke(app, ["ingest", str(path), "--store", store]).exit_code == 0
    table = runner.invoke(app, ["sla", "--store", store, "--agreement"]).stdout
    assert re.search(r"agreement \(%\)\s*│\s*50\.0", table)
    record = json.loads(
        runner.invoke(app, ["sla", "--store", store, "--agreement", "-f", "json"]).stdout
    )
    assert record["agreement"] == 0.5


def test_every_declared_unit_is_documented() -> None:
    doc = (Path(__file__).resolve().parents[2] / "docs" / "sla.md").read_text(encoding="utf-8")
    section = doc[doc.index("### Units") :]
    for kind, columns in TABLE_UNITS.items():
        for column in columns:
            assert f"`{column}`" in section or column.endswith("_s"), (kind, column)
