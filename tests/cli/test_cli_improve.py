"""`pdca improve`: the register from the command line, and suggestions on the Volvo log."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

import pdca
from pdca.engine.store import Store
from pdca.interfaces.cli.app import COMMAND_GROUPS, app
from pdca.methods.mining.escalation import escalation
from pdca.methods.mining.pingpong import ping_pong
from tests.conftest import VOLVO, shared_file
from tests.improve.logs import write_log

runner = CliRunner()


def _ok(args: list[str]) -> str:
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    return result.stdout


def _json(args: list[str]) -> object:
    return json.loads(_ok([*args, "-f", "json"]))


@pytest.fixture
def small(tmp_path: Path) -> str:
    store = tmp_path / "store"
    log = write_log(tmp_path / "log.csv", weeks=16, per_week=25, factor=0.6, change_week=8, seed=3)
    pdca.ingest(log, source="servicenow", store=store)
    return str(store)


def test_the_group_is_registered() -> None:
    assert "improve" in COMMAND_GROUPS
    assert "suggest" in _ok(["improve", "--help"])


def test_new_list_update_show_verify(small: str, tmp_path: Path) -> None:
    made = _json(["improve", "new", "Faster resolution", "--kpi", "mttr", "--scope",
                  "priority=3 - Moderate", "--target", "6", "--go-live", "2024-02-26",
                  "--action", "Knowledge article for resets@2024-02-20", "--owner", "qm",
                  "--who", "alice", "--store", small])  # fmt: skip
    assert isinstance(made, dict)
    assert made["scope"] == {"priority": ["3 - Moderate"]}
    assert made["actions"][0]["due"] == "2024-02-20"
    ident = str(made["initiative_id"])
    _ok(["improve", "update", ident, "--status", "do", "--done", "1", "--who", "bob",
         "--note", "started", "--store", small])  # fmt: skip
    checked = _json(["improve", "verify", ident, "--store", small])
    assert isinstance(checked, dict)
    assert checked["verdict"] == "improved"
    assert checked["proposed_standard"] is not None
    assert checked["standard"] is None
    adopted = _json(["improve", "adopt", ident, "--who", "bob", "--store", small])
    assert adopted["status"] == "act"
    chart = pd.read_csv(io.StringIO(_ok(["improve", "verify", ident, "--chart", "--no-save",
                                         "-f", "csv", "--store", small])))  # fmt: skip
    assert set(chart["stage"]) == {"before", "after"}
    history = pd.read_csv(io.StringIO(_ok(["improve", "show", ident, "--log", "-f", "csv",
                                           "--store", small])))  # fmt: skip
    assert list(history["who"])[:2] == ["alice", "bob"]
    assert "bob" in set(
        history.loc[history["what"] == "control standard adopted by the owner", "who"]
    )
    assert "started" in set(history["what"])
    # the register exports to CSV and JSON files
    out = tmp_path / "register.csv"
    _ok(["improve", "list", "-f", "csv", "-o", str(out), "--store", small])
    register = pd.read_csv(out)
    assert register.loc[0, "status"] == "act"
    assert register.loc[0, "verdict"] == "improved"
    rows = _json(["improve", "list", "--store", small])
    assert isinstance(rows, list)
    assert rows[0]["title"] == "Faster resolution"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["improve", "show", "42"], "no initiative 42"),
        (["improve", "new", "x", "--kpi", "nope"], "no KPI 'nope'"),
        (["improve", "new", "x", "--kpi", "mttr", "--scope", "colour=red"], "cannot be scoped"),
        (["improve", "verify", "1"], "no go-live date"),
        (["improve", "update", "1", "--status", "control"], "not a step of the PDCA cycle"),
    ],
)
def test_user_errors_are_one_line_and_exit_1(small: str, args: list[str], message: str) -> None:
    _ok(["improve", "new", "Dateless", "--kpi", "mttr", "--store", small])
    result = runner.invoke(app, [*args, "--store", small])
    assert result.exit_code == 1
    assert message in result.output
    assert len(result.output.strip().splitlines()) == 1


@pytest.fixture(scope="module")
def volvo(tmp_path_factory: pytest.TempPathFactory) -> str:
    root = tmp_path_factory.mktemp("improve-volvo") / "store"
    pdca.ingest(shared_file(VOLVO), store=root)
    return str(root)


def _evidence(text: str) -> dict[str, str]:
    return dict(part.split("=", 1) for part in text.split("; "))


@pytest.mark.realdata
def test_suggest_names_pingpong_and_push_to_front_with_the_mining_numbers(volvo: str) -> None:
    found = pd.read_csv(io.StringIO(_ok(["improve", "suggest", "-f", "csv", "--store", volvo])))
    with Store.open(volvo, read_only=True) as st:
        pairs = ping_pong(st.events()).pairs
        summary = escalation(st.events()).summary.iloc[0]
    raw = pd.read_csv(
        shared_file(VOLVO), usecols=["SR Number", "Change Date+Time"], encoding="utf-8-sig"
    )
    stamps = pd.to_datetime(raw["Change Date+Time"], utc=True)
    # months of openings: each request's first event, first to last (not to the last event)
    opened = stamps.groupby(raw["SR Number"]).min()
    months = (opened.max() - opened.min()).total_seconds() / 86400 / 30.4375
    assert set(found["finding"]) == {"ping-pong", "push-to-front"}
    assert list(found["gain_hours_per_month"]) == sorted(found["gain_hours_per_month"])[::-1]
    ping = found[found["finding"] == "ping-pong"]
    top = pairs.sort_values("total_away", ascending=False).head(len(ping))
    for _, want in top.iterrows():
        key = f"pingpong/{want['holder']}/{want['via']}"
        match = ping[ping["key"] == key]
        assert len(match) == 1, key
        ev = _evidence(match.iloc[0]["evidence"])
        assert int(ev["bounces"]) == want["bounces"]
        assert int(ev["tickets"]) == want["tickets"]
        assert float(ev["total_away_hours"]) == pytest.approx(want["total_away"] / 3600, rel=1e-5)
        gain = match.iloc[0]["gain_hours_per_month"]
        assert gain == pytest.approx(want["total_away"] / 3600 / months, rel=1e-9)
    push = _evidence(found[found["finding"] == "push-to-front"].iloc[0]["evidence"])
    assert int(push["push_to_front"]) == summary["push_to_front"]
    assert int(push["resolved"]) == summary["resolved"]
    assert float(push["push_to_front_share"]) == pytest.approx(
        summary["push_to_front_share"], rel=1e-5
    )
    gap = 0.7 * summary["resolved"] - summary["push_to_front"]
    assert float(push["gap_tickets"]) == pytest.approx(gap, rel=1e-5)


@pytest.mark.realdata
def test_accepting_a_suggestion_creates_a_prefilled_initiative(volvo: str) -> None:
    found = pd.read_csv(io.StringIO(_ok(["improve", "suggest", "-f", "csv", "--store", volvo])))
    key = found.loc[found["finding"] == "ping-pong", "key"].iloc[0]
    made = _json(["improve", "suggest", "--accept", key, "--owner", "qm", "--store", volvo])
    assert isinstance(made, dict)
    _, x, y = key.split("/")
    assert made["scope"] == {"assignment_group": sorted([x, y])}
    assert made["kpi"] == "multi_hop_rate"
    assert made["baseline"]["value"] is not None
    assert made["target"] == pytest.approx(round(made["baseline"]["value"] * 0.5, 4))
    push = _json(["improve", "suggest", "--accept", "push-to-front", "--store", volvo])
    assert isinstance(push, dict)
    assert push["kpi"] == "escalation_rate"
    assert push["target"] == pytest.approx(30.0)
