"""The ITSM analyses on the real Volvo incident log (BPIC 2013) against plain-Python oracles.

The oracles (tests/methods/mining/itsm_oracle.py) read the raw CSV with pandas, put each
incident's rows in order (time, then file row) and apply the definitions of docs/mining-itsm.md
with their own state table; they share no code with pdca. The log is imported once for the
module.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pandas as pd
import pytest

import pdca
from pdca.engine.store import Store
from pdca.methods import mining
from pdca.methods.mining.bottlenecks import bottlenecks
from pdca.methods.mining.chains import reassignment_chains
from pdca.methods.mining.escalation import escalation
from pdca.methods.mining.pingpong import ping_pong
from pdca.methods.mining.rework import rework
from pdca.model.schema import Col
from tests.conftest import VOLVO, shared_file
from tests.methods.mining import itsm_oracle as o

pytestmark = pytest.mark.realdata

HOLDER_COLUMNS = {Col.ASSIGNMENT_GROUP: o.VOLVO_GROUP, Col.SUPPORT_LEVEL: o.VOLVO_LEVEL}


@dataclass
class Ticket:
    stints: dict[str, list[tuple[str, datetime]]]
    kinds: list[str | None]
    times: list[datetime]


@pytest.fixture(scope="module")
def raw() -> pd.DataFrame:
    return o.volvo_raw(shared_file(VOLVO))


@pytest.fixture(scope="module")
def oracle(raw: pd.DataFrame) -> dict[str, Ticket]:
    out = {}
    rows = o.by_case(raw, ["ts", "kind", *HOLDER_COLUMNS.values()])
    for case, g in rows.items():
        times = [t.to_pydatetime() for t in g["ts"]]
        stints = {c: o.collapse(g[src], times) for c, src in HOLDER_COLUMNS.items()}
        out[case] = Ticket(stints, g["kind"], times)
    return out


@pytest.fixture(scope="module")
def volvo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, pd.DataFrame]]:
    root = tmp_path_factory.mktemp("itsm-volvo")
    log = pdca.ingest(shared_file(VOLVO), store=root).log
    with Store.open(root, read_only=True) as st:
        yield st.events(log), st.tickets(log).to_pandas()


@pytest.mark.parametrize(
    ("by", "ping_pong_tickets"), [(Col.ASSIGNMENT_GROUP, 1258), (Col.SUPPORT_LEVEL, 1121)]
)
def test_ping_pong(
    by: str, ping_pong_tickets: int, volvo: tuple[Any, pd.DataFrame], oracle: dict[str, Ticket]
) -> None:
    events, _ = volvo
    got = ping_pong(events, by)
    per = got.tickets.set_index(Col.CASE_ID)
    assert sorted(per.index) == sorted(oracle)  # every Volvo event names a team and a level
    returns: dict[str, int] = {}
    costs: dict[str, float] = {}
    pairs: Counter[tuple[str, str]] = Counter()
    away: dict[tuple[str, str], float] = {}
    pair_cases: dict[tuple[str, str], set[str]] = {}
    for case, tk in oracle.items():
        stints = tk.stints[by]
        returns[case] = len(stints) - len({h for h, _ in stints})
        costs[case] = o.ping_pong_cost(stints)
        assert per.loc[case, "sequence"] == tuple(h for h, _ in stints)
        for x, y, secs in o.bounces(stints):
            pairs[(x, y)] += 1
            away[(x, y)] = away.get((x, y), 0.0) + secs
            pair_cases.setdefault((x, y), set()).add(case)
    assert per["returns"].to_dict() == returns
    assert per["cost"].to_dict() == costs  # whole seconds: sums are exact
    pp = [c for c, r in returns.items() if r > 0]
    s = got.summary.iloc[0]
    assert (s["tickets"], s["ping_pong_tickets"], s["returns"]) == (
        len(oracle),
        len(pp),
        sum(returns.values()),
    )
    assert s["share"] == pytest.approx(len(pp) / len(oracle), rel=1e-12)
    assert len(pp) == ping_pong_tickets  # of 7,554 incidents: 16.7 % by team, 14.8 % by level
    assert s["total_cost"] == sum(costs.values())
    pp_costs = pd.Series([costs[c] for c in pp])
    assert s["mean_cost"] == pytest.approx(pp_costs.mean(), rel=1e-12)
    assert s["median_cost"] == pp_costs.median()
    table = {(r.holder, r.via): r for r in got.pairs.itertuples(index=False)}
    assert {k: r.bounces for k, r in table.items()} == dict(pairs)
    assert {k: r.tickets for k, r in table.items()} == {k: len(v) for k, v in pair_cases.items()}
    assert {k: r.total_away for k, r in table.items()} == away
    counts = list(zip(got.pairs["bounces"], got.pairs["tickets"], strict=True))
    assert counts == sorted(counts, reverse=True)


def test_push_to_front_and_paths(
    volvo: tuple[Any, pd.DataFrame], oracle: dict[str, Ticket]
) -> None:
    events, tickets = volvo
    got = escalation(events)
    per = got.tickets.set_index(Col.CASE_ID)
    paths = {c: tuple(h for h, _ in tk.stints[Col.SUPPORT_LEVEL]) for c, tk in oracle.items()}
    resolved = {c: o.finally_resolved(tk.kinds) for c, tk in oracle.items()}
    escalated = {c: any(lvl != "L1" for lvl in p) for c, p in paths.items()}
    push = {c: resolved[c] and not escalated[c] for c in oracle}
    assert per["path"].to_dict() == paths
    assert per["resolved"].to_dict() == resolved
    assert per["escalated"].to_dict() == escalated
    assert per["push_to_front"].to_dict() == push
    s = got.summary.iloc[0]
    n_resolved, n_push = sum(resolved.values()), sum(push.values())
    assert (s["tickets"], s["resolved"], s["push_to_front"]) == (len(oracle), n_resolved, n_push)
    assert s["push_to_front_share"] == pytest.approx(n_push / n_resolved, rel=1e-12)
    assert (n_resolved, n_push) == (7545, 4541)  # 60.2 % resolved at L1 without escalation
    # the same escalation rule as the KPI escalation_rate (support_level_reached ≠ L1)
    assert s["escalated"] == int((tickets[Col.SUPPORT_LEVEL_REACHED] != "L1").sum())
    assert int(tickets[Col.RESOLVED_AT].notna().sum()) == n_resolved
    counted = Counter(paths.values())
    assert dict(zip(got.paths["path"], got.paths["tickets"], strict=True)) == dict(counted)
    top = sorted(counted.items(), key=lambda kv: (-kv[1], kv[0]))[:10]
    assert list(zip(got.paths["path"][:10], got.paths["tickets"][:10], strict=True)) == top


def test_rework(volvo: tuple[Any, pd.DataFrame], oracle: dict[str, Ticket]) -> None:
    events, tickets = volvo
    got = rework(events)
    expected = []
    for case, tk in oracle.items():
        for n, (res, reopen, again) in enumerate(o.rework_loops(tk.kinds, tk.times), start=1):
            lost = None if again is None else o.seconds(res, again)
            expected.append((case, n, res, reopen, again, lost))
    rows: list[tuple[Any, ...]] = [
        (r.case_id, r.loop, r.resolved_at, r.reopened_at, r.resolved_again_at, r.time_lost)
        for r in got.loops.itertuples(index=False)
    ]
    assert len(rows) == len(expected) == int(tickets[Col.REOPEN_COUNT].sum())
    for mine, theirs in zip(rows, expected, strict=True):
        assert mine[:4] == theirs[:4]
        assert (mine[4] is pd.NaT, pd.isna(mine[5])) == (theirs[4] is None, theirs[5] is None)
        if theirs[4] is not None:
            assert mine[4:] == theirs[4:]
    s = got.summary.iloc[0]
    ever = [c for c, tk in oracle.items() if "res" in tk.kinds]
    reworked = {e[0] for e in expected}
    assert (s["resolved_tickets"], s["rework_tickets"]) == (len(ever), len(reworked))
    assert s["time_lost"] == sum(e[5] for e in expected if e[5] is not None)
    assert s["rework_tickets"] == int((tickets[Col.REOPEN_COUNT] > 0).sum())  # reopen_rate KPI


def test_reassignment_chains(volvo: tuple[Any, pd.DataFrame], oracle: dict[str, Ticket]) -> None:
    events, tickets = volvo
    got = reassignment_chains(events, top=20)
    chains = {c: tuple(h for h, _ in tk.stints[Col.ASSIGNMENT_GROUP]) for c, tk in oracle.items()}
    handovers = Counter(len(ch) - 1 for ch in chains.values())
    dist = got.distribution
    assert dict(zip(dist["handovers"], dist["tickets"], strict=True)) == dict(handovers)
    assert dist["cumulative_share"].iloc[-1] == pytest.approx(1.0)
    assert int((dist["handovers"] * dist["tickets"]).sum()) == int(
        tickets[Col.REASSIGNMENT_COUNT].sum()
    )
    top = sorted(Counter(chains.values()).items(), key=lambda kv: (-kv[1], kv[0]))[:20]
    assert list(zip(got.chains["chain"], got.chains["tickets"], strict=True)) == top


def test_bottlenecks(volvo: tuple[Any, pd.DataFrame], raw: pd.DataFrame) -> None:
    events, _ = volvo
    got = bottlenecks(events)
    nxt = raw.groupby(o.VOLVO_CASE, sort=False)["ts"].shift(-1)
    waits = pd.DataFrame(
        {
            "activity": raw["Activity"],
            "case": raw[o.VOLVO_CASE],
            "wait": (nxt - raw["ts"]).dt.total_seconds(),
        }
    ).dropna()
    g = waits.groupby("activity")["wait"]
    expected = pd.DataFrame({"total": g.sum(), "median": g.median(), "frequency": g.size()})
    # Volvo's "Completed-…" statuses are resolved, closed or cancelled: closure waits, listed last
    expected["closure"] = expected.index.str.startswith("Completed-")
    expected = expected.sort_values(["closure", "total"], ascending=[True, False])
    assert got["activity"].tolist() == expected.index.tolist()
    assert got["kind"].tolist() == ["closure" if c else "work" for c in expected["closure"]]
    assert got["activity"].iloc[0] == "Accepted-Wait - User"  # the first bottleneck is work
    assert got["total"].tolist() == expected["total"].tolist()
    assert got["median"].tolist() == expected["median"].tolist()
    assert got["frequency"].tolist() == expected["frequency"].tolist()
    assert (
        got["cases"].tolist()
        == waits.groupby("activity")["case"].nunique()[expected.index].tolist()
    )
    assert got["share"].sum() == pytest.approx(1.0)
    edges = bottlenecks(events, edges=True)
    pm = mining.process_map(events).set_index(["source", "target"])["total"]
    assert edges.set_index(["source", "target"])["total"].to_dict() == pm.to_dict()
