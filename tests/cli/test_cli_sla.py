"""`pdca sla`: per-ticket clocks on a hand-countable log, and the agreement with the source."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from pdca.interfaces.cli.app import app

runner = CliRunner()
HEADER = "number,incident_state,sys_mod_count,sys_updated_at,priority,made_sla"


def _store(tmp_path: Path) -> str:
    rows = [
        # INC1: responded after 30 min, resolved after 25 h; P3 targets 4 h / 3 d: both met;
        # the source says met
        "INC1,New,0,13/1/2024 09:00,3 - Moderate,true",
        "INC1,Active,1,13/1/2024 09:30,3 - Moderate,true",
        "INC1,Resolved,2,14/1/2024 10:00,3 - Moderate,true",
        # INC2: P1 (15 min / 4 h): response after 1 h (breached), resolved after 6 h (breached);
        # the source says met
        "INC2,New,0,15/1/2024 08:00,1 - Critical,true",
        "INC2,Active,1,15/1/2024 09:00,1 - Critical,true",
        "INC2,Resolved,2,15/1/2024 14:00,1 - Critical,true",
        # INC3: P2 (1 h / 1 d) still open at the log's last event (15/1 14:00): 2 h in progress
        "INC3,New,0,15/1/2024 11:00,2 - High,false",
        "INC3,Active,1,15/1/2024 11:10,2 - High,false",
    ]
    path = tmp_path / "log.csv"
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    store = str(tmp_path / "store")
    result = runner.invoke(app, ["ingest", str(path), "--source", "servicenow", "--store", store])
    assert result.exit_code == 0, result.output
    return store


def test_clocks_per_ticket(tmp_path: Path) -> None:
    store = _store(tmp_path)
    result = runner.invoke(app, ["sla", "--store", store, "-f", "csv"])
    assert result.exit_code == 0, result.output
    clocks = pd.read_csv(io.StringIO(result.stdout)).set_index(["case_id", "clock"])
    assert len(clocks) == 6
    assert clocks.loc[("INC1", "response"), "elapsed_s"] == 1800
    assert clocks.loc[("INC1", "resolution"), "elapsed_s"] == 25 * 3600
    assert not clocks.loc[("INC1", "resolution"), "breached"]
    assert clocks.loc[("INC2", "response"), "breached"]
    assert clocks.loc[("INC2", "resolution"), "elapsed_s"] == 6 * 3600
    assert clocks.loc[("INC3", "resolution"), "running"]
    # 3 h of the 24 h target used at the as-of instant (11:00 -> 14:00)
    assert clocks.loc[("INC3", "resolution"), "time_to_breach_s"] == 21 * 3600
    running = runner.invoke(app, ["sla", "--store", store, "--running", "-f", "csv"])
    assert pd.read_csv(io.StringIO(running.stdout))["case_id"].tolist() == ["INC3"]
    breached = runner.invoke(app, ["sla", "--store", store, "--breached", "-f", "csv"])
    assert set(pd.read_csv(io.StringIO(breached.stdout))["case_id"]) == {"INC2"}


def test_agreement_with_the_source(tmp_path: Path) -> None:
    store = _store(tmp_path)
    result = runner.invoke(app, ["sla", "--store", store, "--agreement", "-f", "json"])
    assert result.exit_code == 0, result.output
    got = json.loads(result.stdout)
    # resolved tickets: INC1 met by both; INC2 breached by pdca, met by the source
    assert (got["both_met"], got["only_pdca_breached"], got["total"]) == (1, 1, 2)
    assert got["agreement"] == 0.5


def test_unknown_clock_is_a_one_line_error(tmp_path: Path) -> None:
    result = runner.invoke(app, ["sla", "--store", _store(tmp_path), "--clock", "lunch"])
    assert result.exit_code == 1
    assert "unknown clock 'lunch'" in result.output


def test_sla_capability_per_priority(tmp_path: Path) -> None:
    import numpy as np  # noqa: PLC0415
    from scipy.stats import norm  # type: ignore[import-untyped, unused-ignore]  # noqa: PLC0415

    from pdca import api  # noqa: PLC0415

    rng = np.random.default_rng(5)
    rows = []
    for i in range(80):
        prio = ("3 - Moderate", "4 - Low")[i % 2]
        hours = float(rng.lognormal(2.5, 0.8))
        opened = pd.Timestamp("2024-02-05 08:00") + pd.Timedelta(hours=3 * i)
        done = opened + pd.Timedelta(minutes=round(hours * 60))
        rows += [
            f"C{i},New,0,{opened:%d/%m/%Y %H:%M},{prio},true",
            f"C{i},Active,1,{opened + pd.Timedelta(minutes=5):%d/%m/%Y %H:%M},{prio},true",
            f"C{i},Resolved,2,{done:%d/%m/%Y %H:%M},{prio},true",
        ]
    path = tmp_path / "cap.csv"
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    store = tmp_path / "store"
    api.ingest(path, source="servicenow", store=store)
    got = api.sla_capability(store=store).set_index("priority")
    clocks = api.sla(store=store, clock="resolution")
    for prio, target_h in (("3 - Moderate", 72.0), ("4 - Low", 120.0)):
        values = clocks.loc[clocks["priority"] == prio, "elapsed_s"].to_numpy(dtype=float)
        row = got.loc[prio]
        assert row["tickets"] == len(values) == 40
        assert row["target_h"] == target_h
        assert row["median_h"] == pytest.approx(np.median(values) / 3600)
        assert row["met"] == pytest.approx(np.mean(values <= target_h * 3600))
        # P99.865 is the point 3 sigma above the median of a normal: Phi(3) exactly
        p50, hi = np.percentile(values, [50, 100 * norm.cdf(3.0)])
        assert row["ppk"] == pytest.approx((target_h * 3600 - p50) / (hi - p50))
    assert api.sla_capability(store=store, min_tickets=41).empty
