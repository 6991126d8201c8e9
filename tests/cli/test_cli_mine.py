"""`pdca mine`: every view, parts, text filters and the SVG process map, on the Volvo log."""

from __future__ import annotations

import io
from pathlib import Path

import defusedxml.ElementTree as SafeET
import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import pdca
from pdca.api import MINING_VIEWS
from pdca.engine.store import Store
from pdca.interfaces.cli.app import app
from pdca.methods.mining.pingpong import ping_pong
from tests.conftest import VOLVO, shared_file

runner = CliRunner()
pytestmark = pytest.mark.realdata


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> str:
    root = tmp_path_factory.mktemp("mine-cli") / "store"
    pdca.ingest(shared_file(VOLVO), store=root)
    return str(root)


def _csv(args: list[str]) -> pd.DataFrame:
    result = runner.invoke(app, ["mine", *args, "-f", "csv"])
    assert result.exit_code == 0, result.output
    return pd.read_csv(io.StringIO(result.stdout))


@pytest.mark.parametrize("view", MINING_VIEWS)
def test_every_view_prints_a_table_with_a_header(store: str, view: str) -> None:
    frame = _csv([view, "--store", store, "--top", "5"])
    assert len(frame.columns) >= 2
    assert len(frame) >= 1


def test_pingpong_parts_equal_the_method(store: str) -> None:
    with Store.open(store, read_only=True) as st:
        want = ping_pong(st.events())
    pairs = _csv(["pingpong", "--store", store])
    assert pairs["bounces"].sum() == want.pairs["bounces"].sum()
    assert len(pairs) == len(want.pairs)
    summary = _csv(["pingpong", "--part", "summary", "--store", store])
    assert int(summary["ping_pong_tickets"].iloc[0]) == int(
        want.summary["ping_pong_tickets"].iloc[0]
    )


def test_filters_narrow_the_tickets(store: str) -> None:
    raw = pd.read_csv(shared_file(VOLVO), dtype=str, encoding="utf-8-sig")
    raw["label"] = raw["Status"] + "-" + raw["Sub Status"]
    through = "Accepted-Wait - User"
    want = raw.loc[raw["label"] == through, "SR Number"].nunique()
    durations = _csv(["durations", "--store", store, "--filter", f"through={through}"])
    assert len(durations) == want
    dropped = _csv(["durations", "--store", store, "--filter", f"through!={through}"])
    assert len(dropped) == raw["SR Number"].nunique() - want
    impact = raw.groupby("SR Number")["SR Latest Impact"].apply(lambda s: (s == "High").any())
    high = _csv(["durations", "--store", store, "--filter", "impact=High"])
    assert len(high) == int(impact.sum())


def test_the_process_map_as_svg(store: str) -> None:
    result = runner.invoke(
        app, ["mine", "dfg", "--store", store, "-f", "svg", "--max-activities", "6"]
    )
    assert result.exit_code == 0, result.output
    root = SafeET.fromstring(result.stdout)
    assert root.tag.endswith("svg")
    edges = [e for e in root.iter() if e.get("data-source") is not None]
    nodes = {e.get("data-source") for e in edges} | {e.get("data-target") for e in edges}
    # at most 6 activities plus the artificial start and end
    assert 2 <= len(nodes) <= 8


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["dfg", "--filter", "bogus"], "is not NAME=VALUES"),
        (["dfg", "--filter", "colour=red"], "unknown filter 'colour'"),
        (["dfg", "--filter", "from=yesterday"], "is not a date"),
        (["variants", "-f", "svg"], "draws the process map"),
        (["pingpong", "--part", "nothing"], "has no part 'nothing'"),
        (["pingpong", "--by", "caller"], "caller"),
    ],
)
def test_user_errors_are_one_line(store: str, args: list[str], message: str) -> None:
    result = runner.invoke(app, ["mine", *args, "--store", store])
    assert result.exit_code == 1
    assert message in result.output
    assert "Traceback" not in result.output


def test_conformance_with_a_model_file(store: str, tmp_path: Path) -> None:
    deviations = _csv(["conformance", "--part", "deviations", "--store", store])
    assert {"case_id", "kind", "position"} <= set(deviations.columns)
    missing = runner.invoke(
        app, ["mine", "conformance", "--model", str(tmp_path / "none.toml"), "--store", store]
    )
    assert missing.exit_code == 1


def test_mine_a_file_directly_equals_the_store(store: str) -> None:
    direct = _csv(["dfg", "--file", str(shared_file(VOLVO))])
    stored = _csv(["dfg", "--store", store])
    assert direct[["source", "target", "frequency", "cases", "median"]].equals(
        stored[["source", "target", "frequency", "cases", "median"]]
    )
    variants = _csv(["variants", "--file", str(shared_file(VOLVO)), "--source", "bpic2013"])
    assert variants["cases"].tolist() == _csv(["variants", "--store", store])["cases"].tolist()


def test_mine_file_errors_are_one_line(tmp_path: Path) -> None:
    export = tmp_path / "export.csv"
    export.write_text("id,when,status\nT1,2021-04-03 10:00,Open\n", encoding="utf-8")
    result = runner.invoke(app, ["mine", "dfg", "--file", str(export)])
    assert result.exit_code == 1
    assert "--map" in result.output
    assert "pdca ingest" in result.output
    result = runner.invoke(app, ["mine", "dfg", "--source", "csv", "--store", str(tmp_path)])
    assert result.exit_code == 1
    assert "--file" in result.output


def _business_seconds(ts: pd.Series) -> np.ndarray:
    """Seconds of Monday-Friday 08:00-18:00 UTC from 2000-01-03 (a Monday) up to each instant,
    by counting weekdays (numpy) and clipping the time of day — no code shared with pdca."""
    days = ts.dt.normalize()
    whole = np.busday_count(np.datetime64("2000-01-03"), days.to_numpy().astype("datetime64[D]"))
    of_day = (ts - days).dt.total_seconds().to_numpy()
    weekday = ts.dt.day_of_week.to_numpy() < 5
    return whole * 36_000.0 + np.where(weekday, np.clip(of_day - 8 * 3600, 0, 36_000), 0.0)


def test_waiting_times_in_business_hours(store: str) -> None:
    with Store.open(store, read_only=True) as st:
        ev = st.query("SELECT case_id, activity, timestamp, seq, import_id, row FROM events")
    ev = ev.sort_values(["case_id", "timestamp", "seq", "import_id", "row"], kind="stable")
    ev["b"] = _business_seconds(ev["timestamp"])
    nxt = ev.groupby("case_id").shift(-1)
    pairs = pd.DataFrame(
        {"source": ev["activity"], "target": nxt["activity"], "wait": nxt["b"] - ev["b"]}
    ).dropna(subset=["target"])
    want = pairs.groupby(["source", "target"])["wait"].agg(["mean", "median", "max", "sum"])
    got = _csv(["dfg", "--store", store, "--calendar", "business"])
    got = got.set_index(["source", "target"]).sort_index()
    want = want.sort_index()
    assert list(got.index) == list(want.index)
    for ours, theirs in [("mean", "mean"), ("median", "median"), ("max", "max"), ("total", "sum")]:
        np.testing.assert_allclose(got[ours], want[theirs], rtol=1e-9, atol=1e-6, err_msg=ours)
    calendar = _csv(["dfg", "--store", store]).set_index(["source", "target"]).sort_index()
    assert (calendar["total"] > got["total"]).any()
    result = runner.invoke(app, ["mine", "dfg", "--store", store, "--calendar", "night-shift"])
    assert result.exit_code == 1
    assert "there is no calendar 'night-shift'" in result.output
