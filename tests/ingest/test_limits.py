"""The configurable limits (issue 17, items 4 and 6): wide headers, deep XES, the settings."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from pdca.errors import ConfigError, InputError
from pdca.ingest import limits
from pdca.ingest.collect import Collector
from pdca.ingest.ocel import load as load_ocel
from pdca.ingest.options import LoadOptions
from pdca.ingest.sniff import header_columns
from pdca.ingest.xes_reader import read_xes
from tests.ingest.limit_files import GIB, csv_bomb, run_pdca


def test_settings_read_sizes_and_refuse_nonsense(monkeypatch: pytest.MonkeyPatch) -> None:
    assert limits.current() == limits.Limits(256 << 20, 200, 16 << 20, 4096, 100)
    for text, size in [("500MB", 500_000_000), ("2GiB", 2 << 30), ("64k", 65536), ("100", 100)]:
        monkeypatch.setenv("PDCA_MAX_EXPANDED_BYTES", text)
        assert limits.current().expanded_bytes == size
    for bad in ["-1", "lots", "0", "inf"]:
        monkeypatch.setenv("PDCA_MAX_COLUMNS", bad)
        with pytest.raises(ConfigError, match="PDCA_MAX_COLUMNS") as caught:
            limits.current()
        assert "\n" not in str(caught.value)


def test_header_detection_reads_only_the_head_of_a_bomb(tmp_path: Path) -> None:
    # decompressing all of it would hit the ratio limit: detection must not even notice
    bomb = csv_bomb(tmp_path / "bomb.csv.gz", total=GIB)
    assert "incident_state" in header_columns(bomb)


def _wide(path: Path, columns: int, rows: int = 5) -> Path:
    head = ["Ticket ID", "Updated", "Status", *(f"c{i}" for i in range(columns - 3))]
    rest = ["v"] * (columns - 3)
    lines = [",".join(head)]
    lines += [",".join([f"T{r}", f"2021-03-0{r + 1} 10:00:00", "New", *rest]) for r in range(rows)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("columns", [10_000, 50_000, 1_000_000])
def test_wide_headers_over_the_limit_are_refused_at_once(tmp_path: Path, columns: int) -> None:
    path = _wide(tmp_path / "wide.csv", columns, rows=0 if columns > 50_000 else 5)
    run = run_pdca(["ingest", str(path), "--store", str(tmp_path / "s")], timeout=60)
    assert run.code == 1
    expected = (
        f"error: wide.csv has {columns:,} columns, more than the limit of 4,096 "
        "(PDCA_MAX_COLUMNS) — if the file is genuine, raise the limit with PDCA_MAX_COLUMNS "
        "(see docs/limits.md)"
    )
    assert run.errors == [expected]
    assert run.peak_mib < 500


def test_50000_columns_are_read_in_linear_time_when_allowed(tmp_path: Path) -> None:
    # the reader's part: 50,000 columns read as a table well within the timeout
    path = _wide(tmp_path / "wide.csv", 50_000)
    code = (
        "import sys; from pathlib import Path; from pdca.ingest.table import read_table; "
        "t = read_table(Path(sys.argv[1])); print(t.raw.frame.shape)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(path)],
        capture_output=True,
        text=True,
        timeout=120,  # generous: a loaded machine; it takes a few seconds
        env={**os.environ, "PDCA_MAX_COLUMNS": "60000"},
        check=True,
    )
    assert done.stdout.strip() == "(5, 50001)"


def test_a_few_hundred_columns_import(tmp_path: Path) -> None:
    # drafting a mapping and canonicalising cost about 10 ms per column today (docs/limits.md)
    path = _wide(tmp_path / "wide.csv", 300)
    run = run_pdca(["ingest", str(path), "--store", str(tmp_path / "s"), "-f", "json"], timeout=300)
    assert run.code == 0, run.errors
    assert json.loads(run.stdout)["stored"] == 5


def _deep_xes(path: Path, depth: int) -> Path:
    opening = '<container key="c">' * depth
    closing = "</container>" * depth
    path.write_text(
        '<log xes.version="1.0"><trace><string key="concept:name" value="T1"/><event>'
        '<string key="concept:name" value="New"/>'
        '<date key="time:timestamp" value="2021-03-04T10:00:00+00:00"/>'
        f"{opening}{closing}</event></trace></log>",
        encoding="utf-8",
    )
    return path


@pytest.mark.parametrize("depth", [1_000, 100_000])
def test_deep_xes_is_one_line_at_the_depth_limit(tmp_path: Path, depth: int) -> None:
    path = _deep_xes(tmp_path / "deep.xes", depth)
    with pytest.raises(InputError, match="nested more than 100 levels") as caught:
        read_xes(path, Collector())
    assert "\n" not in str(caught.value)
    assert "PDCA_MAX_DEPTH" in str(caught.value)


def test_deep_xes_on_the_command_line(tmp_path: Path) -> None:
    path = _deep_xes(tmp_path / "deep.xes", 1_000)
    run = run_pdca(["ingest", str(path), "--store", str(tmp_path / "s")])
    assert run.code == 1
    assert len(run.errors) == 1
    assert "nested more than 100 levels" in run.errors[0]


def test_nesting_within_the_limit_still_reads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PDCA_MAX_DEPTH", "2000")
    path = _deep_xes(tmp_path / "deep.xes", 500)
    handler, _, _ = read_xes(path, Collector())
    assert handler.events_seen == 1


def test_deeply_nested_ocel_values_are_one_line(tmp_path: Path) -> None:
    value: object = "x"
    for _ in range(900):
        value = {"v": value}
    doc = {
        "objectTypes": [],
        "eventTypes": [],
        "objects": [{"id": "T1", "type": "incident"}],
        "events": [
            {
                "id": "e1",
                "type": "New",
                "time": "2021-03-04T10:00:00Z",
                "attributes": [{"name": "deep", "value": value}],
                "relationships": [{"objectId": "T1", "qualifier": "ticket"}],
            }
        ],
    }
    path = tmp_path / "deep.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    try:
        load_ocel(path, LoadOptions())  # reads, or refuses in one line; never a RecursionError
    except InputError as exc:
        message = str(exc)
    else:
        message = ""
    assert "\n" not in message


def test_a_workbook_cell_over_the_limit_is_quarantined_for_its_row(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import openpyxl  # noqa: PLC0415

    from pdca.ingest.excel import read_excel  # noqa: PLC0415

    monkeypatch.setenv("PDCA_MAX_CELL_BYTES", "10000")
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Ticket ID", "Updated", "Status"])
    sheet.append(["T1", "2021-03-04 10:00:00", "New"])
    sheet.append(["T1", "2021-03-05 10:00:00", "x" * 20_000])
    sheet.append(["T2", "2021-03-06 10:00:00", "New"])
    path = tmp_path / "book.xlsx"
    book.save(path)
    raw, _ = read_excel(path, path.read_bytes())
    assert [(b.line, b.row) for b in raw.bad_rows] == [(3, 1)]
    assert "longer than" in raw.bad_rows[0].reason
    assert raw.frame["__row__"].tolist() == [0, 2]
