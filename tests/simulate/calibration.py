"""Measure, from the shared real logs, the numbers the simulator's defaults are calibrated on.

Run ``python -m tests.simulate.calibration`` from the project root to print them as JSON;
docs/simulator.md lists each number with the statistic and the log it comes from, and
``test_calibration.py`` checks that the defaults in :mod:`pdca.simulate.calibrated` still equal
what this script measures. Plain pandas on the raw files: nothing here uses pdca itself.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

DATA = Path(__file__).resolve().parents[3] / "shared" / "data"
SERVICENOW = DATA / "servicenow_incident_event_log.csv.gz"
VOLVO = DATA / "bpic2013_volvo_incidents.csv.gz"

PROBS = (0.0, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99, 1.0)
"""Knots of the quantile tables; the last knot is the 99.5 % quantile (the tail is cut there)."""
TOP_QUANTILE = 0.995
FLOOR_HOURS = 1 / 120
"""Durations are floored at 30 s: ServiceNow stamps minutes, so 0 means 'within the minute'."""
PRIORITIES = ("1 - Critical", "2 - High", "3 - Moderate", "4 - Low")
WAIT_USER = "Awaiting User Info"
RESOLVED = ("Resolved", "Closed")
AUTO_CLOSE_HOURS = 120.0


def _hours(delta: pd.Series) -> pd.Series:
    return delta.dt.total_seconds() / 3600.0


def _quantiles(values: pd.Series) -> list[float]:
    probs = [min(p, TOP_QUANTILE) for p in PROBS]
    q = values.clip(lower=FLOOR_HOURS).quantile(probs)
    return [round(float(v), 4) for v in q]


def _stints(frame: pd.DataFrame, case: str, label: str) -> pd.DataFrame:
    """Runs of equal ``label`` per case: case, label, start, end (start of the next run)."""
    change = frame[label].ne(frame.groupby(case)[label].shift()) | frame[case].ne(
        frame[case].shift()
    )
    runs = frame.assign(run=change.cumsum())
    st = runs.groupby("run").agg(case=(case, "first"), label=(label, "first"), start=("ts", "min"))
    st["end"] = st.groupby("case")["start"].shift(-1)
    st["next"] = st.groupby("case")["label"].shift(-1)
    return st


def servicenow(path: Path = SERVICENOW) -> dict[str, Any]:
    """Priorities, timings, waits, reopens, closure, knowledge and seasonality (ServiceNow)."""
    d = pd.read_csv(path, na_values=["?"], dtype=str, keep_default_na=False)
    d["row"] = np.arange(len(d))
    d["ts"] = pd.to_datetime(d["sys_updated_at"], format="%d/%m/%Y %H:%M")
    d["mod"] = d["sys_mod_count"].astype(int)
    d = d.sort_values(["number", "ts", "mod", "row"], kind="stable")
    g = d.groupby("number")
    last = g.tail(1).set_index("number")
    opened = g["ts"].min()
    resolved = d[d["incident_state"].isin(RESOLVED)].groupby("number")["ts"].min()
    responded = d[~d["incident_state"].isin(["New", "-100"])].groupby("number")["ts"].min()
    res_h = _hours(resolved - opened).dropna()
    resp_h = _hours(responded - opened).dropna()
    prio = last["priority"]

    out: dict[str, Any] = {"tickets": len(last), "events": len(d)}
    joint = pd.crosstab(last["impact"], last["urgency"])
    out["impact_urgency_counts"] = {
        f"{i}|{u}": int(joint.loc[i, u]) for i in joint.index for u in joint.columns
    }
    out["priority_of"] = {
        f"{i}|{u}": sorted(
            set(last.loc[(last["impact"] == i) & (last["urgency"] == u), "priority"])
        )
        for i in joint.index
        for u in joint.columns
        if joint.loc[i, u] > 0
    }
    out["priority_share"] = {p: round(float((prio == p).mean()), 4) for p in PRIORITIES}
    out["resolution_hours_quantiles"] = {
        p: _quantiles(res_h[prio.reindex(res_h.index) == p]) for p in PRIORITIES
    }
    out["resolution_hours_median"] = {
        p: round(float(res_h[prio.reindex(res_h.index) == p].median()), 2) for p in PRIORITIES
    }
    out["response_hours_quantiles"] = {
        p: _quantiles(resp_h[prio.reindex(resp_h.index) == p]) for p in PRIORITIES
    }
    out["fast_share_2h"] = round(float((res_h < 2).mean()), 4)

    st = _stints(d, "number", "incident_state")
    waits = st[st["label"] == WAIT_USER]
    waiting_tickets = waits["case"].unique()
    out["wait_user_ticket_share"] = round(len(waiting_tickets) / len(last), 4)
    out["wait_user_stints_per_waiting_ticket"] = round(len(waits) / len(waiting_tickets), 4)
    vendor = st[st["label"] == "Awaiting Vendor"]
    out["wait_vendor_share_of_waits"] = round(len(vendor) / (len(vendor) + len(waits)), 4)
    # the share of the time to first resolution spent waiting, for tickets that waited before it
    first_res = resolved.reindex(st["case"]).to_numpy()
    before = st[(st["label"] == WAIT_USER) & (st["end"].to_numpy() <= first_res)]
    waited = _hours(before["end"] - before["start"]).groupby(before["case"]).sum()
    frac = (waited / res_h.reindex(waited.index)).dropna()
    out["wait_fraction_of_resolution_median"] = round(float(frac.median()), 4)
    has_wait = res_h.index.isin(waited.index)
    out["resolution_median_with_wait_hours"] = round(float(res_h[has_wait].median()), 2)
    out["resolution_median_without_wait_hours"] = round(float(res_h[~has_wait].median()), 2)

    reopen_count = last["reopen_count"].astype(int)
    out["reopen_ticket_share"] = round(float((reopen_count > 0).mean()), 4)
    reopened = st[(st["label"] == "Resolved") & st["next"].isin(["Active", WAIT_USER, "New"])]
    out["reopen_after_hours_quantiles"] = _quantiles(
        _hours(reopened["end"] - reopened["start"]).dropna()
    )
    # rework: from the reopen (end of the resolved run) to the next resolution
    res_start = st["start"].where(st["label"].isin(RESOLVED))
    next_res = res_start.groupby(st["case"]).shift(-1).groupby(st["case"]).bfill()
    out["rework_hours_quantiles"] = _quantiles(
        _hours(next_res[reopened.index] - reopened["end"]).dropna()
    )
    out["response_resolution_spearman"] = round(
        float(resp_h.reindex(res_h.index).corr(res_h, method="spearman")), 4
    )
    closed = pd.to_datetime(last["closed_at"], format="%d/%m/%Y %H:%M")
    res_col = pd.to_datetime(last["resolved_at"], format="%d/%m/%Y %H:%M")
    close_h = _hours(closed - res_col).dropna()
    auto = (close_h >= AUTO_CLOSE_HOURS) & (close_h < AUTO_CLOSE_HOURS + 2)
    out["auto_close_share"] = round(float(auto.mean()), 4)
    out["auto_close_jitter_hours_median"] = round(
        float((close_h[auto] - AUTO_CLOSE_HOURS).median()), 4
    )
    out["late_close_excess_hours_quantiles"] = _quantiles(
        close_h[close_h >= AUTO_CLOSE_HOURS + 2] - AUTO_CLOSE_HOURS
    )

    kb = last["knowledge"].str.lower() == "true"
    out["knowledge_share"] = round(float(kb.mean()), 4)
    fast = res_h.reindex(last.index) < 2
    out["knowledge_share_fast"] = round(float(kb[fast].mean()), 4)
    out["knowledge_share_slow"] = round(
        float(kb[~fast & res_h.reindex(last.index).notna()].mean()), 4
    )

    opened_at = pd.to_datetime(last["opened_at"], format="%d/%m/%Y %H:%M")
    out["weekday_share"] = [
        round(float(v), 4)
        for v in opened_at.dt.day_of_week.value_counts(normalize=True).sort_index()
    ]
    weekend = opened_at.dt.day_of_week >= 5
    for name, mask in (("hour_share_weekday", ~weekend), ("hour_share_weekend", weekend)):
        counts = opened_at[mask].dt.hour.value_counts().reindex(range(24), fill_value=0)
        out[name] = [round(float(v), 4) for v in counts / counts.sum()]
    out["tickets_per_caller"] = round(len(last) / last["caller_id"].nunique(), 2)
    cats = last["category"].value_counts(normalize=True)
    out["category_top20_share"] = [round(float(v), 4) for v in cats.head(20) / cats.head(20).sum()]
    locs = last["location"].value_counts(normalize=True)
    out["location_top8_share"] = [round(float(v), 4) for v in locs.head(8) / locs.head(8).sum()]
    out["events_per_ticket"] = round(len(d) / len(last), 3)
    reassign = last["reassignment_count"].astype(int)
    out["reassignment_share"] = {str(k): round(float((reassign == k).mean()), 4) for k in range(4)}
    return out


def _path(values: pd.Series) -> tuple[str, ...]:
    out: list[str] = []
    for v in values:
        if not out or out[-1] != v:
            out.append(v)
    return tuple(out)


def volvo(path: Path = VOLVO) -> dict[str, Any]:
    """Routing between support levels and teams, ping-pong and time shares (Volvo IT)."""
    d = pd.read_csv(path, encoding="utf-8-sig", dtype=str)
    d["row"] = np.arange(len(d))
    d["ts"] = pd.to_datetime(d["Change Date+Time"], utc=True)
    d = d.sort_values(["SR Number", "ts", "row"], kind="stable")
    g = d.groupby("SR Number")
    levels = g["ST Level"].agg(_path)
    teams = g["Involved ST"].agg(_path)
    out: dict[str, Any] = {"tickets": int(g.ngroups)}
    start_l1 = levels.map(lambda p: p[0] == "L1")
    out["start_beyond_l1_share"] = round(float((~start_l1).mean()), 4)
    direct = levels[~start_l1]
    out["direct_reaching_l3_share"] = round(float(direct.map(lambda p: "L3" in p).mean()), 4)
    l1 = levels[start_l1]
    escalated = l1[l1.map(lambda p: len(p) > 1)]
    out["l1_escalation_share"] = round(len(escalated) / len(l1), 4)
    out["escalated_reaching_l3_share"] = round(float(escalated.map(lambda p: "L3" in p).mean()), 4)
    returned = escalated.map(lambda p: len(p) > len(set(p)))
    out["escalated_ping_pong_share"] = round(float(returned.mean()), 4)
    ends_l1 = escalated[returned].map(lambda p: p[-1] == "L1")
    out["ping_pong_ending_at_l1_share"] = round(float(ends_l1.mean()), 4)
    out["team_ping_pong_share"] = round(float(teams.map(lambda p: len(p) > len(set(p))).mean()), 4)
    handovers = teams.map(len) - 1
    out["team_handover_share"] = {
        str(k): round(float((handovers == k).mean()), 4) for k in range(4)
    }
    # lateral hand-overs: a team change that stays on the same level (L2 -> other L2)
    lv = g["ST Level"].agg(list)
    tm = g["Involved ST"].agg(list)
    lateral = [
        any(
            a != b and la == lb == "L2"
            for a, b, la, lb in zip(t[:-1], t[1:], lvl[:-1], lvl[1:], strict=True)
        )
        for t, lvl in zip(tm, lv, strict=True)
    ]
    lateral_s = pd.Series(lateral, index=tm.index)
    out["escalated_lateral_l2_share"] = round(float(lateral_s[escalated.index].mean()), 4)
    # time shares before the first completion, by status: queued vs worked
    first_done = d[d["Status"] == "Completed"].groupby("SR Number")["ts"].min()
    d["next_ts"] = g["ts"].shift(-1)
    before = d[d["next_ts"].notna() & (d["next_ts"] <= d["SR Number"].map(first_done))]
    spent = _hours(before["next_ts"] - before["ts"])
    by_status = spent.groupby(before["Activity"].map(_family)).sum()
    total = by_status.sum()
    out["time_share_before_resolution"] = {
        k: round(float(v / total), 4) for k, v in by_status.items()
    }
    return out


def _family(activity: str) -> str:
    if activity.startswith("Queued"):
        return "queued"
    if "Wait" in activity:
        return "waiting"
    return "worked"


def main() -> None:
    json.dump({"servicenow": servicenow(), "volvo": volvo()}, sys.stdout, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
