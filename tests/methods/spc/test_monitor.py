# ruff: noqa: RUF002, RUF003  (mathematical notation: σ is meant)
"""KPI monitoring: which chart each KPI gets, the overdispersion test, and a generated
ServiceNow-like log where one service's resolution time doubles from week 15.

Oracles: the catalogue's own aggregation types for the binding; simulation for the overdispersion
test; plain pandas/NumPy recomputations from the raw CSV for the p, c and I-MR limits.
"""

from __future__ import annotations

import io
import json
import math
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import typer
from typer.testing import CliRunner

from pdca import api
from pdca.engine.store import Store
from pdca.errors import ConfigError
from pdca.interfaces.cli.app import app, load_all
from pdca.methods.kpi.catalogue import CATALOGUE, get_kpi
from pdca.methods.kpi.definition import Aggregation, Inputs
from pdca.methods.spc import IMR
from pdca.methods.spc import monitor as module
from pdca.methods.spc.explain import Charted, period_label, sentence, side_of
from pdca.methods.spc.monitor import Monitor, bind, dispersion, family, monitor

HEADER = "number,incident_state,sys_mod_count,sys_updated_at,assignment_group,priority,category"
SERVICES = ("Email", "ERP", "Network", "Printing")
START = pd.Timestamp("2024-01-01")  # a Monday
WEEKS = 20
SHIFT_WEEK = 14  # 0-based: from the 15th week on, Network takes twice as long
D2 = 2 / math.sqrt(math.pi)
runner = CliRunner()


def _write_log(path: Path, seed: int = 5) -> None:
    """Tickets opened Monday to Thursday, ~30 per service and week; 10 % are reopened once."""
    rng = np.random.default_rng(seed)
    rows = []
    number = 0
    for week in range(WEEKS):
        for service in SERVICES:
            for _ in range(rng.poisson(30)):
                minute = int(rng.integers(0, 4 * 24 * 60))
                opened = START + pd.Timedelta(days=7 * week, minutes=minute)
                hours = float(rng.lognormal(np.log(6), 0.5))
                if service == "Network" and week >= SHIFT_WEEK:
                    hours *= 2
                resolved = opened + pd.Timedelta(minutes=max(30, round(hours * 60)))
                states = [
                    ("New", opened),
                    ("Active", opened + pd.Timedelta(minutes=int(rng.integers(5, 90)))),
                    ("Resolved", resolved),
                ]
                if rng.random() < 0.1:
                    states += [
                        ("Active", resolved + pd.Timedelta(hours=2)),
                        ("Resolved", resolved + pd.Timedelta(hours=4)),
                    ]
                for seq, (state, at) in enumerate(states):
                    rows.append(
                        f"INC{number:05d},{state},{seq},{at:%d/%m/%Y %H:%M},Desk,3 - Moderate,"
                        f"{service}"
                    )
                number += 1
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")


@pytest.fixture(scope="module")
def log(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, pd.DataFrame]:
    root = tmp_path_factory.mktemp("monitor")
    path = root / "incidents.csv"
    _write_log(path)
    api.ingest(path, source="servicenow", store=root / "store")
    raw = pd.read_csv(path)
    raw["at"] = pd.to_datetime(raw["sys_updated_at"], format="%d/%m/%Y %H:%M")
    return root / "store", raw


@pytest.fixture(scope="module")
def found(log: tuple[Path, pd.DataFrame]) -> Monitor:
    with Store.open(log[0], read_only=True) as st:
        inputs = Inputs(st.events(), st.tickets())
        return monitor(inputs, ("volume", "mttr", "reopen_rate"), by="category")


def _week(ts: pd.Series) -> pd.Series:
    weeks: pd.Series = ts.dt.to_period("W-SUN").dt.start_time
    return weeks


def _complete_weeks(raw: pd.DataFrame) -> list[pd.Timestamp]:
    """Weeks the log covers but for at most their last day (the log's first to last event)."""
    lo, hi = raw["at"].min(), raw["at"].max()
    day = pd.Timedelta(days=1)
    weeks = pd.date_range(_week(pd.Series([lo])).iloc[0], hi, freq="7D")
    return [w for w in weeks if lo <= w + day and hi >= w + 7 * day - day]


def _tickets(raw: pd.DataFrame) -> pd.DataFrame:
    """Per ticket, from the raw rows: service, opening, first and final resolution, reopened."""
    rows = []
    for number, g in raw.sort_values(["number", "sys_mod_count"]).groupby("number"):
        states = g["incident_state"].tolist()
        at = g["at"].tolist()
        resolved = [t for s, t in zip(states, at, strict=True) if s == "Resolved"]
        rows.append(
            {
                "number": number,
                "service": g["category"].iloc[0],
                "opened": at[0],
                "first_resolved": resolved[0],
                "resolved": resolved[-1],
                "reopened": len(resolved) > 1,
            }
        )
    return pd.DataFrame(rows)


# binding


def test_every_kpi_binds_by_its_aggregation() -> None:
    for kpi in CATALOGUE.values():
        kind = family(kpi)
        if kpi.aggregation is Aggregation.RATIO and kpi.unit == "%":
            assert kind == "proportion", kpi.id
        elif kpi.aggregation is Aggregation.COUNT and kpi.finish is None:
            assert kind == "count", kpi.id
        else:
            assert kind == "measurement", kpi.id
    shares = ("fcr", "sla_resolution", "sla_response", "reopen_rate", "csat")
    assert {family(get_kpi(k)) for k in shares} == {"proportion"}
    assert {family(get_kpi(k)) for k in ("volume", "backlog")} == {"count"}
    durations = ("mttr", "mtta", "time_in_state", "backlog_age", "nps", "cost_per_ticket")
    assert {family(get_kpi(k)) for k in durations} == {"measurement"}


def test_bind_chooses_laney_only_for_overdispersion() -> None:
    rng = np.random.default_rng(12)
    n = rng.integers(400, 900, 40).astype(float)
    everyone = np.ones(40, dtype=bool)
    binomial = rng.binomial(n.astype(int), 0.2)
    assert bind("proportion", binomial, n, everyone).chart == "p"
    drifting = rng.binomial(n.astype(int), rng.beta(20, 80, 40))  # p varies week to week
    choice = bind("proportion", drifting, n, everyone)
    assert choice.chart == "laney-p"
    assert "overdispersed" in choice.reason
    poisson = rng.poisson(30, 40)
    assert bind("count", poisson, np.ones(40), everyone).chart == "c"
    mixed = rng.poisson(rng.gamma(5, 6, 40))
    assert bind("count", mixed, np.ones(40), everyone).chart == "laney-u"
    assert bind("measurement", [1.0, 2.0], [1.0, 1.0], [True, True]).chart == "imr"


def test_overdispersion_test_holds_its_level_under_the_model() -> None:
    """Under H0 (independent standard normal z), σ_z exceeds the threshold about 1 % of the time,
    and the spread of σ_z matches the one the threshold is built on."""
    rng = np.random.default_rng(2024)
    m = 30
    z = rng.standard_normal((4000, m))
    verdicts = [dispersion(row) for row in z]
    rate = np.mean([v.overdispersed for v in verdicts])
    assert 0.003 <= rate <= 0.025
    sigma_z = np.array([v.sigma_z for v in verdicts])
    se = (verdicts[0].threshold - 1) / 2.326
    assert sigma_z.std() == pytest.approx(se, rel=0.06)
    assert sigma_z.mean() == pytest.approx(1.0, abs=0.01)
    assert dispersion(2 * z[0]).overdispersed


def test_period_labels() -> None:
    assert period_label(pd.Timestamp("2024-04-01"), "week") == "2024-W14"
    assert period_label(pd.Timestamp("2024-12-30"), "week") == "2025-W01"
    assert period_label(pd.Timestamp("2024-04-01"), "month") == "2024-04"
    assert period_label(pd.Timestamp("2024-04-03"), "day") == "2024-04-03"


# the generated store


def test_only_the_shifted_service_has_mttr_signals(found: Monitor) -> None:
    mttr = found.signals[found.signals["kpi"] == "mttr"]
    assert set(mttr["group"]) == {"Network"}
    assert set(mttr["effect"]) == {"worse"}
    assert (mttr["chart"] == "imr").all()
    assert "WE1" in set(mttr["rule"])
    beyond = mttr[mttr["rule"] == "WE1"].iloc[0]
    assert beyond["value"] > beyond["ucl"]
    assert beyond["message"].startswith(
        f"Mean time to resolve of category Network in week {beyond['period']} ("
    )
    assert "is above the upper control limit" in beyond["message"]
    assert "worse than usual: a special cause is likely." in beyond["message"]
    assert all(m.strip() and "Network" in m for m in mttr["message"])
    charts = found.charts.set_index(["kpi", "group"])
    assert charts.loc[("mttr", "Network"), "status"] == "signal"
    for service in set(SERVICES) - {"Network"}:
        assert charts.loc[("mttr", service), "status"] == "stable"


def test_p_chart_limits_match_a_numpy_recomputation(
    found: Monitor, log: tuple[Path, pd.DataFrame]
) -> None:
    tickets = _tickets(log[1])
    tickets["week"] = _week(tickets["first_resolved"])
    complete = _complete_weeks(log[1])
    charts = found.charts.set_index(["kpi", "group"])
    for service in SERVICES:
        assert charts.loc[("reopen_rate", service), "chart"] == "p"
        part = tickets[tickets["service"] == service].groupby("week")["reopened"]
        drawn = found.panels[("reopen_rate", service)]
        assert drawn["value"].to_numpy() == pytest.approx(
            100 * part.mean().to_numpy(dtype=float), rel=1e-9
        )  # every week is drawn, the partial last one too
        assert drawn["n"].tolist() == part.count().tolist()
        kept = part.count().index.isin(complete) & (part.count() >= 10).to_numpy()
        assert drawn["counted"].tolist() == kept.tolist()
        assert not kept.all()  # the last week is partial: left out
        x = part.sum().to_numpy(dtype=float)[kept]
        n = part.count().to_numpy(dtype=float)[kept]
        p = x.sum() / n.sum()
        sd = np.sqrt(p * (1 - p) / n)
        panel = drawn[drawn["counted"]]
        assert panel["value"].to_numpy() == pytest.approx(100 * x / n, rel=1e-9)
        assert panel["centre"].to_numpy() == pytest.approx(np.full(len(n), 100 * p), rel=1e-9)
        assert panel["ucl"].to_numpy() == pytest.approx(100 * np.minimum(1, p + 3 * sd), rel=1e-9)
        assert panel["lcl"].to_numpy() == pytest.approx(100 * np.maximum(0, p - 3 * sd), abs=1e-9)


def test_c_and_imr_limits_match_a_pandas_recomputation(
    found: Monitor, log: tuple[Path, pd.DataFrame]
) -> None:
    raw = log[1]
    tickets = _tickets(raw)
    complete = _complete_weeks(raw)
    for service in SERVICES:
        mine = tickets[tickets["service"] == service]
        counts = _week(mine["opened"]).value_counts().reindex(complete, fill_value=0)
        drawn = found.panels[("volume", service)]
        panel = drawn[drawn["counted"]]
        assert panel["value"].tolist() == counts.astype(float).tolist()
        c = counts.mean()
        assert panel["ucl"].iloc[0] == pytest.approx(c + 3 * math.sqrt(c))
        hours = (mine["resolved"] - mine["opened"]).dt.total_seconds() / 3600
        weekly = hours.groupby(_week(mine["resolved"])).agg(["mean", "size"])
        mttr = found.panels[("mttr", service)]
        assert mttr["value"].to_numpy() == pytest.approx(weekly["mean"].to_numpy(), rel=1e-9)
        assert mttr["n"].tolist() == weekly["size"].tolist()
        assert mttr["label"].tolist() == [period_label(w, "week") for w in weekly.index]
        # durations go on an individuals chart of log(hours): limits back-transformed
        kept = weekly[weekly.index.isin(complete) & (weekly["size"] >= 5)]
        assert mttr["counted"].tolist() == weekly.index.isin(kept.index).tolist()
        logs = np.log(kept["mean"].to_numpy())
        sigma = np.abs(np.diff(logs)).mean() / D2
        counted = mttr[mttr["counted"]]
        assert counted["centre"].iloc[0] == pytest.approx(math.exp(logs.mean()), rel=1e-9)
        assert counted["ucl"].iloc[0] == pytest.approx(math.exp(logs.mean() + 3 * sigma), rel=1e-9)
        assert counted["lcl"].iloc[0] == pytest.approx(math.exp(logs.mean() - 3 * sigma), rel=1e-9)


def test_phase_one_and_the_current_window(log: tuple[Path, pd.DataFrame]) -> None:
    with Store.open(log[0], read_only=True) as st:
        inputs = Inputs(st.events(), st.tickets())
        early = monitor(inputs, ("mttr",), by="category", phase1=10, current=1)
    drawn = early.panels[("mttr", "Network")]
    panel = drawn[drawn["counted"]]
    assert (panel["phase"] == 1).sum() == 10
    geometric = math.exp(np.log(panel["value"].iloc[:10]).mean())
    assert panel["centre"].iloc[0] == pytest.approx(geometric)
    last = panel["label"].iloc[-1]  # the last complete week
    assert set(early.signals["period"]) <= {last}
    assert not early.signals.empty  # frozen pre-shift limits: the last week is far above them


def test_api_and_cli_list_plain_language_signals(log: tuple[Path, pd.DataFrame]) -> None:
    store = log[0]
    signals = api.monitor(store=store, kpis=["mttr", "volume"])  # by=auto: category here
    assert set(signals.loc[signals["kpi"] == "mttr", "group"]) == {"Network"}
    assert set(signals["by"]) <= {"category"}
    overview = api.monitor(store=store, kpis=["mttr"], top=2, charts=True)
    tickets = _tickets(log[1])
    assert set(overview["group"]) == set(tickets["service"].value_counts().index[:2])
    whole = api.monitor(store=store, kpis=["volume"], by=None, charts=True)
    assert whole["group"].tolist() == ["all"]
    with pytest.raises(ConfigError, match="cannot monitor by"):
        api.monitor(store=store, by="colour")
    result = runner.invoke(app, ["monitor", "--store", str(store), "-f", "json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert {r["group"] for r in rows if r["kpi"] == "mttr"} == {"Network"}
    assert all(r["message"].endswith(".") for r in rows)
    table = runner.invoke(app, ["monitor", "--store", str(store)])
    assert "Network" in table.stdout
    assert "special cause" in table.stdout or "shift" in table.stdout
    csv = runner.invoke(app, ["monitor", "--store", str(store), "--charts", "-f", "csv"])
    frame = pd.read_csv(io.StringIO(csv.stdout))
    assert {"kpi", "group", "chart", "reason", "status"} <= set(frame.columns)
    bad = runner.invoke(app, ["monitor", "nosuch", "--store", str(store)])
    assert bad.exit_code == 1
    assert len(bad.stderr.strip().splitlines()) == 1


# documentation


def test_docs_state_the_rules_word_for_word_and_every_option() -> None:
    doc_path = Path(__file__).resolve().parents[3] / "docs" / "monitor.md"
    text = doc_path.read_text(encoding="utf-8")

    def flat(s: str) -> str:
        return " ".join(s.replace("``", "`").split())

    blocks = re.findall(r"^(\S[^\n]*)\n((?:    .*\n?)+)", module.__doc__ or "", flags=re.M)
    assert [name for name, _ in blocks] == [
        "Binding",
        "Overdispersion test",
        "Phase I",
        "Current signals",
        "Incomplete periods",
        "Minimum n",
        "Log scale",
    ]
    for name, body in blocks:
        assert f"**{name}** — {flat(body)}" in flat(text), f"{name} differs from docs/monitor.md"
    load_all()  # the command modules load on use; this test reads their options
    commands = typer.main.get_command(app).commands  # type: ignore[attr-defined]
    for command in ("spc", "monitor"):
        for param in commands[command].params:
            for opt in param.opts:
                if opt.startswith("--"):
                    assert f"`{opt}`" in text, f"{command} {opt} is undocumented"


def test_sentences_name_the_pattern_and_the_direction() -> None:
    values = np.array([5.0, 6, 5, 6, 5, 6, 5, 6, 5, 6, 5, 6, 5, 6, 4.0, 4.5, 5.2, 5.8, 6.4, 7.0])
    chart = IMR(rules="nelson").fit(values)
    shown = chart.limits_.assign(label=[f"2024-W{w:02d}" for w in range(1, 21)])
    charted = Charted(get_kpi("mttr"), "service", "Email", shown, "week")
    rules = {r.id: r for r in chart.rules_}
    said = {}
    for s in chart.signals_:
        if s.panel == "I":
            side = side_of(s, shown, rules[s.rule].kind)
            said[s.rule] = sentence(charted, s, max(s.points), side, rules[s.rule])
    assert said["N3"].startswith("Mean time to resolve of service Email: 6 weeks in a row")
    assert "steadily rise, worse than usual: a drift is likely." in said["N3"]
    assert "alternate up and down" in said["N4"]
    volume = Charted(get_kpi("volume"), None, "all", shown, "week")
    neutral = sentence(volume, chart.signals_[0], 0, 1, rules["N1"])
    assert "of the service desk" in neutral
    assert "than usual" not in neutral  # volume has no better or worse direction
