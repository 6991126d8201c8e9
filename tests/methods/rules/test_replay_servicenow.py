"""Rule replay on the real ServiceNow log, against an independent pandas computation.

The recomputation reads the raw CSV and follows the written definitions (docs/rules.md), not
pdca's code: identical rows count once; events are ordered by time (day-first), then
``sys_mod_count``, then file position; ``?`` is missing; a ticket's category is the last one its
events name; its group stints are the runs of consecutive events naming the same group (events
without a group skipped); it is finally resolved at its first Resolved/Closed event after its
last event in an open state. The rule "Category 26 -> Group 70" then saves, per resolved ticket
of the category, the stints before Group 70's first stint that started by the resolution (and
the time from opening to it), or costs one hop and the pass-on time when Group 70 never held it.
"""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pdca import api
from pdca.api.rules import replay_rules
from tests.conftest import SERVICENOW, shared_file

pytestmark = [pytest.mark.realdata, pytest.mark.slow]

CATEGORY = "Category 26"
GROUP = "Group 70"
OPEN = {"New", "Active", "Awaiting User Info", "Awaiting Evidence", "Awaiting Vendor",
        "Awaiting Problem", "Awaiting Change", "On Hold", "In Progress"}  # fmt: skip
DONE = {"Resolved", "Closed"}
RULES = f"""
[[rule]]
name = "route"
when.category = "{CATEGORY}"
then.route_to = "{GROUP}"
"""


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("rules-sn") / "store"
    api.ingest(shared_file(SERVICENOW), store=root)
    return root


@pytest.fixture(scope="module")
def raw() -> pd.DataFrame:
    raw = pd.read_csv(shared_file(SERVICENOW), dtype=str, keep_default_na=False)
    raw = raw.drop_duplicates().reset_index(drop=True)
    raw["pos"] = np.arange(len(raw))
    raw["at"] = pd.to_datetime(raw["sys_updated_at"], format="%d/%m/%Y %H:%M")
    raw["mod"] = raw["sys_mod_count"].astype(int)
    return raw.sort_values(["number", "at", "mod", "pos"]).reset_index(drop=True)


def _expected(raw: pd.DataFrame) -> dict[str, float]:
    # pass-on time over every ticket: stints that ended in a reassignment
    held_total, held_count = 0.0, 0
    matched = changed = hops = 0
    hours = 0.0
    wrong = 0
    for _, t in raw.groupby("number", sort=False):
        grouped = t[t["assignment_group"] != "?"]
        stints: list[tuple[str, pd.Timestamp]] = []
        for group, at in zip(grouped["assignment_group"], grouped["at"], strict=True):
            if not stints or stints[-1][0] != group:
                stints.append((group, at))
        for (_, start), (_, nxt) in pairwise(stints):
            held_total += (nxt - start) / pd.Timedelta(hours=1)
            held_count += 1
        categories = [c for c in t["category"] if c != "?"]
        if not categories or categories[-1] != CATEGORY:
            continue
        matched += 1
        states = list(t["incident_state"])
        last_open = max((i for i, s in enumerate(states) if s in OPEN), default=-1)
        final = [i for i, s in enumerate(states) if s in DONE and i > last_open]
        if not final:
            continue
        resolved_at = t["at"].iloc[final[0]]
        before = [(g, at) for g, at in stints if at <= resolved_at]
        index = next((i for i, (g, _) in enumerate(before) if g == GROUP), None)
        if index is None:
            changed += 1
            hops -= 1
            wrong += 1
        elif index > 0:
            changed += 1
            hops += index
            hours += (before[index][1] - t["at"].iloc[0]) / pd.Timedelta(hours=1)
    pass_on = held_total / held_count
    return {
        "matched": matched,
        "changed": changed,
        "hops_avoided": hops,
        "hours_saved": hours - wrong * pass_on,
        "pass_on": pass_on,
    }


def test_routing_rule_on_servicenow(store: Path, raw: pd.DataFrame) -> None:
    frame = replay_rules(RULES, store=store, resamples=300)
    expected = _expected(raw)
    got = frame[frame["rule"] == "route"].set_index("metric")
    assert frame.attrs["pass_on_hours"] == pytest.approx(expected["pass_on"], abs=1e-3)
    for metric in ("matched", "changed", "hops_avoided"):
        assert got.loc[metric, "value"] == expected[metric], metric
    assert got.loc["hours_saved", "value"] == pytest.approx(expected["hours_saved"], rel=1e-6)
    # every interval holds its estimate
    assert (got["ci_low"] <= got["value"] + 1e-9).all()
    assert (got["value"] <= got["ci_high"] + 1e-9).all()
