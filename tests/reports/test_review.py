"""The service review: self-contained, complete, and rendered by a real browser."""

from __future__ import annotations

import re
import shutil
import struct
import subprocess
import zlib
from pathlib import Path

import defusedxml.ElementTree as SafeET
import pytest

import pdca
from pdca import api
from pdca.reports import build_report
from tests.conftest import VOLVO, shared_file

pytestmark = pytest.mark.realdata
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("review")
    store = root / "store"
    pdca.ingest(shared_file(VOLVO), store=store)
    out = root / "review.html"
    result = build_report(store=store, out=out)
    assert result.skipped == {}
    return store, out


def test_the_page_is_self_contained(report: tuple[Path, Path]) -> None:
    text = report[1].read_text(encoding="utf-8")
    assert "<script" not in text.lower()
    assert "<link" not in text.lower()
    # the only URLs are XML namespace names, which are never fetched
    urls = set(re.findall(r"https?://[^\s\"'<>)]+", text))
    assert urls <= {"http://www.w3.org/2000/svg"}


def test_the_page_holds_every_section_and_the_numbers(report: tuple[Path, Path]) -> None:
    store, out = report
    text = out.read_text(encoding="utf-8")
    for anchor in ("scorecard", "changes", "process", "pingpong", "conformance", "capability"):
        assert f'<section id="{anchor}">' in text
    svgs = re.findall(r"<svg.*?</svg>", text, flags=re.S)
    assert svgs
    for svg in svgs:
        SafeET.fromstring(svg)  # well-formed
    pingpong = api.mine_parts("pingpong", store=store)["summary"].iloc[0]
    assert f"{int(pingpong['ping_pong_tickets']):,} of {int(pingpong['tickets']):,}" in text
    card = api.scorecard(store=store)
    for name in card["name"]:
        assert name in text


def _ink(png: Path) -> float:
    """Share of non-white bytes in the picture's pixel data (PNG read with zlib)."""
    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat = 8, b""
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind = data[pos + 4 : pos + 8]
        if kind == b"IDAT":
            idat += data[pos + 8 : pos + 8 + length]
        pos += 12 + length
    raw = zlib.decompress(idat)
    return sum(1 for b in raw[::97] if b < 0xF0) / len(raw[::97])


@pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (CI installs it)")
def test_chromium_renders_scorecard_charts_and_process_map(
    report: tuple[Path, Path], tmp_path: Path
) -> None:
    _, out = report
    flags = [
        str(CHROMIUM),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={tmp_path / 'profile'}",
    ]
    dom = subprocess.run(
        [*flags, "--dump-dom", out.as_uri()],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout
    assert 'id="scorecard"' in dom
    assert "Process map of" in dom
    assert dom.count("<svg") >= 1
    shot = tmp_path / "review.png"
    subprocess.run(
        [*flags, "--window-size=1200,2400", f"--screenshot={shot}", out.as_uri()],
        capture_output=True,
        timeout=120,
        check=True,
    )
    assert shot.exists()
    assert _ink(shot) > 0.02  # a page with tables and pictures, not a blank one


def test_totals_of_many_tickets_read_as_whole_units(report: tuple[Path, Path]) -> None:
    from pdca import api  # noqa: PLC0415
    from pdca.render.format import format_span  # noqa: PLC0415

    store, out = report
    text = out.read_text(encoding="utf-8")
    assert "Total waiting (all tickets)" in text
    slow = api.mine("bottlenecks", store=store, top=5)
    for total in slow["total"]:
        assert format_span(float(total)) in text
    # no "134240.4 d": days of a total carry separators and whole units
    assert not re.search(r"\d{4,}\.\d d", text)
