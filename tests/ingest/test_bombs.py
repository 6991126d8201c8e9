"""Decompression bombs stop early with one line, in bounded time and memory (issue 17, item 1).

Each bomb expands to 5 GiB (a 2 GiB cell for the workbook). pdca runs in a child process whose
peak memory is measured; "bounded in time" is a generous timeout, never a tight time bound.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.ingest.limit_files import (
    Run,
    csv_bomb,
    run_pdca,
    xes_bomb,
    xlsx_with_huge_cell,
    zeros_bomb,
)

PEAK_MIB = 500


def _refused(run: Run, words: str) -> None:
    assert run.code == 1, (run.code, run.errors)
    assert len(run.errors) == 1, run.errors  # one line, no traceback
    assert words in run.errors[0], run.errors
    assert "Traceback" not in run.errors[0]
    assert run.peak_mib < PEAK_MIB, run.peak_mib


@pytest.mark.parametrize(
    "args",
    [
        ["ingest", "{file}", "--store", "{store}"],
        ["suggest-mapping", "{file}"],
        ["spc", "{file}", "--chart", "imr", "--value", "sys_mod_count"],
        ["mine", "dfg", "--file", "{file}"],
    ],
    ids=["ingest", "suggest-mapping", "spc", "mine-file"],
)
def test_a_5_gib_csv_gz_is_refused_as_a_bomb(tmp_path: Path, args: list[str]) -> None:
    bomb = csv_bomb(tmp_path / "bomb.csv.gz")
    assert bomb.stat().st_size < 20 << 20
    store = tmp_path / "store"
    run = run_pdca([a.format(file=bomb, store=store) for a in args])
    _refused(run, "decompression bomb")
    assert not store.exists()


def test_gzip_of_zeros_is_refused(tmp_path: Path) -> None:
    bomb = zeros_bomb(tmp_path / "zeros.csv.gz")
    run = run_pdca(["ingest", str(bomb), "--store", str(tmp_path / "s")])
    _refused(run, "PDCA_MAX_RATIO")
    assert not (tmp_path / "s").exists()


def test_an_xes_gz_bomb_is_refused(tmp_path: Path) -> None:
    bomb = xes_bomb(tmp_path / "bomb.xes.gz")
    run = run_pdca(["ingest", str(bomb), "--store", str(tmp_path / "s")])
    _refused(run, "decompression bomb")


def test_a_workbook_with_a_2_gib_cell_is_refused_before_it_is_parsed(tmp_path: Path) -> None:
    book = xlsx_with_huge_cell(tmp_path / "huge.xlsx")
    assert book.stat().st_size < 20 << 20
    run = run_pdca(["ingest", str(book), "--store", str(tmp_path / "s")])
    _refused(run, "once decompressed")
    run = run_pdca(
        ["ingest", str(book), "--store", str(tmp_path / "s")],
        env={"PDCA_MAX_EXPANDED_BYTES": "4GiB"},
    )
    _refused(run, "decompression bomb")


@pytest.mark.parametrize("make", [csv_bomb, xes_bomb], ids=["csv", "xes"])
def test_the_size_limit_stops_a_file_that_compresses_modestly(tmp_path: Path, make: object) -> None:
    # with the ratio check out of the way, the decompressed-size limit alone bounds the read
    name = "bomb.xes.gz" if make is xes_bomb else "bomb.csv.gz"
    bomb = make(tmp_path / name)  # type: ignore[operator]
    env = {"PDCA_MAX_RATIO": "1e9", "PDCA_MAX_EXPANDED_BYTES": "32MiB"}
    run = run_pdca(["ingest", str(bomb), "--store", str(tmp_path / "s")], env=env)
    _refused(run, "more than 32 MiB once decompressed")
