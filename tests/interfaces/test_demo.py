"""`pdca demo`: the planted changes are found — by the SPC monitor and by the register."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pdca import api
from pdca.interfaces.cli.app import app
from pdca.interfaces.demo import FASTER, SLOWER, TRUTH

runner = CliRunner()


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, str]:
    root = tmp_path_factory.mktemp("demo")
    store, out = root / "store", root / "report.html"
    result = runner.invoke(app, ["demo", "--store", str(store), "--out", str(out)])
    assert result.exit_code == 0, result.output
    return store, out, result.output


def test_the_truth_is_written_beside_the_store(demo: tuple[Path, Path, str]) -> None:
    store, _, output = demo
    truth = json.loads((store / TRUTH).read_text(encoding="utf-8"))
    text = json.dumps(truth)
    assert SLOWER[0] in text
    assert FASTER[0] in text
    assert "50,000 incidents" in output


def test_the_monitor_finds_the_slower_service_and_the_report_says_so(
    demo: tuple[Path, Path, str],
) -> None:
    store, out, _ = demo
    signals = api.monitor(store=store, kpis=["mttr"], by="service")
    network = signals[(signals["group"] == SLOWER[0]) & (signals["effect"] == "worse")]
    assert not network.empty
    # the signal's points lie after the planted change
    assert (network["first"] >= f"{SLOWER[2]:%G-W%V}").all()
    html = out.read_text(encoding="utf-8")
    assert f"Mean time to resolve of service {SLOWER[0]}" in html


def test_the_register_verifies_the_improvement(demo: tuple[Path, Path, str]) -> None:
    store, out, output = demo
    register = api.initiatives(store=store)
    assert register["verdict"].tolist() == ["improved"]
    assert "improved" in output
    html = out.read_text(encoding="utf-8")
    assert "— improved</h3>" in html


def test_a_store_the_demo_did_not_make_is_left_alone(tmp_path: Path) -> None:
    store = tmp_path / "mine"
    (store).mkdir()
    (store / "pdca.duckdb").write_bytes(b"")
    result = runner.invoke(app, ["demo", "--store", str(store), "--tickets", "100"])
    assert result.exit_code == 1
    assert "did not make" in result.output
    assert (store / "pdca.duckdb").exists()
