"""Conformance of the public ServiceNow log to the built-in ITIL incident model.

Two kinds of check, neither of which copies pdca's output:

* sample incidents, whose raw rows (read here with plain pandas) are listed in a comment and
  whose deviations were worked out by hand from those rows;
* the whole log, recomputed in plain pandas from the raw CSV, with this module's own table of
  ServiceNow labels and the transitions read straight from the model file with tomllib.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import pdca
from pdca.engine.store import Store
from pdca.methods.mining.bottlenecks import bottlenecks
from pdca.methods.mining.conformance import ConformanceResult, check_conformance
from pdca.model.schema import Col
from tests.conftest import SERVICENOW, shared_file

pytestmark = pytest.mark.realdata

LOG = "servicenow_incident_event_log"
ROOT = Path(__file__).resolve().parents[3]
MODEL = tomllib.loads(
    (ROOT / "src/pdca/methods/mining/models/itil_incident.toml").read_text(encoding="utf-8")
)
DOC = ROOT / "docs" / "conformance.md"
LABELS = {  # ServiceNow's incident_state → canonical state; -100 (a bad value) is left out
    "New": "new",
    "Active": "in_progress",
    "Awaiting User Info": "waiting_customer",
    "Awaiting Evidence": "waiting_customer",
    "Awaiting Vendor": "waiting_vendor",
    "Awaiting Problem": "waiting_other",
    "Resolved": "resolved",
    "Closed": "closed",
}


@pytest.fixture(scope="module")
def raw() -> pd.DataFrame:
    """The CSV in the stable order: incident, time, sys_mod_count, file row."""
    frame = pd.read_csv(shared_file(SERVICENOW), dtype=str, keep_default_na=False)
    frame["ts"] = pd.to_datetime(frame["sys_updated_at"], format="%d/%m/%Y %H:%M")
    frame["mod"] = frame["sys_mod_count"].astype(int)
    frame["file_row"] = np.arange(len(frame))
    frame = frame.sort_values(["number", "ts", "mod", "file_row"], kind="stable")
    frame["position"] = frame.groupby("number").cumcount()
    return frame.reset_index(drop=True)


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    root = tmp_path_factory.mktemp("conformance-sn")
    pdca.ingest(shared_file(SERVICENOW), store=root)
    with Store.open(root, read_only=True) as st:
        yield st


@pytest.fixture(scope="module")
def result(store: Store) -> ConformanceResult:
    return check_conformance(store.events(LOG))


def _deviations(result: ConformanceResult, case: str) -> list[tuple[Any, ...]]:
    d = result.deviations[result.deviations[Col.CASE_ID] == case]
    return [
        (p, str(ts), k, None if pd.isna(f) else f, None if pd.isna(t) else t, m)
        for p, ts, k, f, t, m in zip(
            d["position"], d[Col.TIMESTAMP], d["kind"], d["from"], d["to"], d["message"],
            strict=True,
        )
    ]  # fmt: skip


def _raw_rows(raw: pd.DataFrame, case: str) -> list[tuple[str, int, str, str]]:
    rows = raw[raw["number"] == case]
    return list(
        zip(
            rows["incident_state"], rows["mod"], rows["sys_updated_at"], rows["assignment_group"],
            strict=True,
        )
    )  # fmt: skip


# -- sample incidents, checked by hand -------------------------------------------------------------
ALLOWED_AFTER_NEW = (
    "in_progress, waiting_customer, waiting_vendor, waiting_other, resolved or cancelled"
)

SAMPLES: dict[str, tuple[list[tuple[str, int, str, str]], list[tuple[Any, ...]], float]] = {
    # Conforming. new, in_progress x5, waiting_customer, resolved, closed: four transitions, all
    # allowed; the two updates at 1/3 09:14 are ordered by sys_mod_count (5, then 6).
    "INC0000047": (
        [
            ("New", 0, "29/2/2016 04:57", "Group 70"),
            ("Active", 1, "29/2/2016 05:30", "Group 24"),
            ("Active", 2, "29/2/2016 05:33", "Group 24"),
            ("Active", 3, "29/2/2016 11:31", "Group 24"),
            ("Active", 4, "29/2/2016 11:32", "Group 24"),
            ("Active", 5, "1/3/2016 09:14", "Group 24"),
            ("Awaiting User Info", 6, "1/3/2016 09:14", "Group 24"),
            ("Resolved", 7, "1/3/2016 09:52", "Group 24"),
            ("Closed", 8, "6/3/2016 10:00", "Group 24"),
        ],
        [],
        1.0,  # 6 moves: start, 4 transitions, end
    ),
    # Logged when it was already resolved: the first state is resolved. 3 moves, 1 bad.
    "INC0000093": (
        [
            ("Resolved", 0, "29/2/2016 08:56", "Group 70"),
            ("Closed", 1, "5/3/2016 10:00", "Group 70"),
        ],
        [
            (
                0,
                "2016-02-29 08:56:00",
                "bad_start",
                None,
                "resolved",
                "began in resolved; a ticket may begin in new or in_progress",
            ),
        ],
        2 / 3,
    ),
    # Reopened after it was closed: closed → in_progress at position 6 (28/4 11:12).
    # new x3, in_progress, resolved, closed, in_progress x4, resolved, closed: 8 moves, 1 bad.
    "INC0001894": (
        [
            ("New", 0, "3/3/2016 12:59", "Group 70"),
            ("New", 1, "4/3/2016 14:06", "Group 70"),
            ("New", 2, "4/3/2016 14:06", "Group 10"),
            ("Active", 4, "8/3/2016 14:34", "Group 10"),
            ("Resolved", 9, "22/3/2016 15:05", "Group 10"),
            ("Closed", 10, "27/3/2016 15:59", "Group 10"),
            ("Active", 11, "28/4/2016 11:12", "Group 10"),
            ("Active", 13, "28/4/2016 11:12", "Group 10"),
            ("Active", 14, "28/4/2016 11:12", "Group 10"),
            ("Active", 15, "28/4/2016 11:12", "Group 10"),
            ("Resolved", 21, "16/5/2016 07:51", "Group 10"),
            ("Closed", 22, "21/5/2016 08:07", "Group 10"),
        ],
        [
            (
                6,
                "2016-04-28 11:12:00",
                "bad_transition",
                "closed",
                "in_progress",
                "closed → in_progress is not an allowed transition; closed is final",
            ),
        ],
        7 / 8,
    ),
    # Passed between teams six times: 5→70 (3), 70→15 (4), 15→70 (6), 70→12 (7), 12→15 (8),
    # 15→33 (9); the 4th change, at position 7, breaks the limit of 3. The states
    # (new x10, waiting_customer, resolved, closed) fit the model: fitness 1, not conforming.
    "INC0000065": (
        [
            ("New", 0, "29/2/2016 07:46", "Group 5"),
            ("New", 2, "29/2/2016 07:55", "Group 5"),
            ("New", 3, "29/2/2016 08:26", "Group 5"),
            ("New", 4, "29/2/2016 08:26", "Group 70"),
            ("New", 5, "29/2/2016 09:19", "Group 15"),
            ("New", 6, "29/2/2016 09:26", "Group 15"),
            ("New", 7, "29/2/2016 09:27", "Group 70"),
            ("New", 8, "29/2/2016 11:17", "Group 12"),
            ("New", 9, "29/2/2016 14:51", "Group 15"),
            ("New", 10, "1/3/2016 16:52", "Group 33"),
            ("Awaiting User Info", 11, "2/3/2016 15:17", "Group 33"),
            ("Resolved", 12, "2/3/2016 15:21", "Group 33"),
            ("Closed", 13, "7/3/2016 16:00", "Group 33"),
        ],
        [
            (
                7,
                "2016-02-29 11:17:00",
                "max_reassignments",
                "Group 70",
                "Group 12",
                "4th change of assignment_group (Group 70 → Group 12); at most 3 allowed, 6 in all",
            ),
        ],
        1.0,
    ),
    # In the file the New rows come first, but by time the ticket went new (09:52), resolved
    # (11:03), new again (11:10), closed: new → resolved is a first-contact resolution (allowed);
    # resolved → new and new → closed are bad: two bad transitions of 5 moves.
    "INC0000137": (
        [
            ("New", 1, "29/2/2016 09:52", "Group 70"),
            ("Resolved", 2, "29/2/2016 11:03", "Group 70"),
            ("New", 1, "29/2/2016 11:10", "Group 70"),
            ("Closed", 3, "5/3/2016 12:00", "Group 70"),
        ],
        [
            (
                2,
                "2016-02-29 11:10:00",
                "bad_transition",
                "resolved",
                "new",
                (
                    "resolved → new is not an allowed transition; after resolved the model allows "
                    "closed or in_progress"
                ),
            ),
            (
                3,
                "2016-03-05 12:00:00",
                "bad_transition",
                "new",
                "closed",
                (
                    f"new → closed is not an allowed transition; after new the model allows "
                    f"{ALLOWED_AFTER_NEW}"
                ),
            ),
        ],
        3 / 5,
    ),
    # The two -100 rows (no canonical state) are skipped but keep their positions; new →
    # resolved at position 3 is a first-contact resolution. 4 moves (start, new → resolved,
    # resolved → closed, end), none bad: it conforms.
    "INC0028089": (
        [
            ("New", 0, "10/5/2016 22:09", "Group 64"),
            ("-100", 1, "16/6/2016 12:02", "Group 64"),
            ("-100", 2, "16/6/2016 12:03", "Group 64"),
            ("Resolved", 3, "16/6/2016 12:03", "Group 64"),
            ("Resolved", 4, "16/6/2016 13:02", "Group 64"),
            ("Closed", 5, "21/6/2016 13:07", "Group 64"),
        ],
        [],
        1.0,
    ),
}


@pytest.mark.parametrize("case", list(SAMPLES))
def test_sample_incidents_checked_by_hand(
    raw: pd.DataFrame, result: ConformanceResult, case: str
) -> None:
    rows, deviations, fitness = SAMPLES[case]
    assert _raw_rows(raw, case) == rows  # the comment above describes the data
    assert _deviations(result, case) == deviations
    t = result.tickets[result.tickets[Col.CASE_ID] == case].iloc[0]
    assert t["fitness"] == pytest.approx(fitness, abs=1e-12)
    assert bool(t["conforming"]) == (not deviations)


def test_the_samples_are_in_the_docs() -> None:
    doc = " ".join(DOC.read_text(encoding="utf-8").split())
    for case, (_, deviations, _) in SAMPLES.items():
        assert case in doc
        for d in deviations:
            assert d[-1] in doc, f"{case}: {d[-1]}"


# -- the whole log, recomputed in plain pandas ---------------------------------------------------
@pytest.fixture(scope="module")
def oracle(raw: pd.DataFrame) -> dict[str, Any]:
    """Deviations and fitness of every incident, from the written definitions."""
    allowed = {(a, b) for a, targets in MODEL["transitions"].items() for b in targets}
    steps = raw.assign(state=raw["incident_state"].map(LABELS)).dropna(subset=["state"])
    by_case = steps.groupby("number")
    steps = steps.assign(prev=by_case["state"].shift(), next=by_case["state"].shift(-1))
    first, last = steps["prev"].isna(), steps["next"].isna()
    moved = steps["prev"].notna() & (steps["prev"] != steps["state"])
    pairs = list(zip(steps["prev"], steps["state"], strict=True))
    bad_move = moved & ~pd.Series([p in allowed for p in pairs], index=steps.index)
    bad_start = first & ~steps["state"].isin(MODEL["start"])
    finished = last & ~steps["state"].isin(MODEL["open"])
    bad_end = finished & ~steps["state"].isin(MODEL["end"])
    found = set()
    for mask, kind in ((bad_start, "bad_start"), (bad_move, "bad_transition")):
        for _, r in steps[mask].iterrows():
            frm = None if kind == "bad_start" else r["prev"]
            found.add((r["number"], r["position"], kind, frm, r["state"]))
    for _, r in steps[bad_end].iterrows():
        found.add((r["number"], r["position"], "bad_end", r["state"], None))
    per = (
        pd.DataFrame(
            {
                "moves": first.astype(int) + moved.astype(int) + finished.astype(int),
                "bad": bad_start.astype(int) + bad_move.astype(int) + bad_end.astype(int),
                "number": steps["number"],
            }
        )
        .groupby("number")[["moves", "bad"]]
        .sum()
    )
    fitness = 1 - per["bad"] / per["moves"]
    # reassignments: changes between consecutive events that name a group ("?" is missing)
    groups = raw[raw["assignment_group"] != "?"]
    before = groups.groupby("number")["assignment_group"].shift()
    change = before.notna() & (before != groups["assignment_group"])
    nth = change.astype(int).groupby(groups["number"]).cumsum()
    total = change.astype(int).groupby(groups["number"]).transform("sum")
    fourth = groups[change & (nth == 4)]
    for (_, r), b in zip(fourth.iterrows(), before[fourth.index], strict=True):
        found.add((r["number"], r["position"], "max_reassignments", b, r["assignment_group"]))
    too_many = set(fourth["number"])
    deviating = {f[0] for f in found}
    conforming = ~fitness.index.isin(list(deviating))
    return {
        "found": found,
        "fitness": fitness,
        "too_many": too_many,
        "conforming": int(conforming.sum()),
        "max_total": dict(zip(fourth["number"], total[fourth.index], strict=True)),
    }


def test_every_deviation_of_the_whole_log(
    result: ConformanceResult, oracle: dict[str, Any]
) -> None:
    d = result.deviations
    ours = {
        (c, p, k, None if pd.isna(f) else f, None if pd.isna(t) else t)
        for c, p, k, f, t in zip(
            d[Col.CASE_ID], d["position"], d["kind"], d["from"], d["to"], strict=True
        )
    }
    assert len(ours) == len(d)
    assert ours == oracle["found"]


def test_fitness_of_every_incident(result: ConformanceResult, oracle: dict[str, Any]) -> None:
    ours = result.tickets.set_index(Col.CASE_ID)["fitness"]
    theirs = oracle["fitness"]
    assert len(ours) == len(theirs) == 20_769
    assert set(ours.index) == set(theirs.index)
    assert np.abs(ours.sort_index().to_numpy() - theirs.sort_index().to_numpy()).max() < 1e-12


def test_summary_of_the_whole_log(result: ConformanceResult, oracle: dict[str, Any]) -> None:
    s = result.summary.iloc[0]
    assert s["tickets"] == 20_769
    assert s["conforming"] == oracle["conforming"]
    assert s["share"] == pytest.approx(oracle["conforming"] / 20_769, abs=1e-12)
    assert s["mean_fitness"] == pytest.approx(oracle["fitness"].mean(), abs=1e-12)
    assert s["deviations"] == len(oracle["found"])
    doc = DOC.read_text(encoding="utf-8")  # the headline numbers in the docs are these
    assert f"{oracle['conforming']:,} of 20,769" in doc
    assert f"{oracle['fitness'].mean():.3f}" in doc


def test_reassignments_agree_with_the_ticket_facts(
    result: ConformanceResult, store: Store, oracle: dict[str, Any]
) -> None:
    d = result.deviations[result.deviations["kind"] == "max_reassignments"]
    facts = store.tickets(LOG).to_pandas()
    assert set(d[Col.CASE_ID]) == set(facts[facts[Col.REASSIGNMENT_COUNT] > 3][Col.CASE_ID])
    assert set(d[Col.CASE_ID]) == oracle["too_many"]
    totals = dict(zip(facts[Col.CASE_ID], facts[Col.REASSIGNMENT_COUNT], strict=True))
    for case, message in zip(d[Col.CASE_ID], d["message"], strict=True):
        assert message.endswith(f"at most 3 allowed, {totals[case]} in all")
        assert totals[case] == oracle["max_total"][case]


def test_top_deviations_of_the_whole_log(result: ConformanceResult, oracle: dict[str, Any]) -> None:
    top = result.top(3)
    counts: dict[tuple[str, Any, Any], int] = {}
    for _, _, kind, frm, to in oracle["found"]:
        key = (kind, None, None) if kind == "max_reassignments" else (kind, frm, to)
        counts[key] = counts.get(key, 0) + 1
    expected = sorted(counts.items(), key=lambda kv: -kv[1])[:3]
    got = [
        ((k, None if pd.isna(f) else f, None if pd.isna(t) else t), n)
        for k, f, t, n in zip(top["kind"], top["from"], top["to"], top["deviations"], strict=True)
    ]
    assert got == expected


# -- ITSM defaults: first-contact resolution, closure waits ----------------------------------------
def test_resolving_from_new_is_not_a_deviation(
    raw: pd.DataFrame, result: ConformanceResult
) -> None:
    steps = raw.assign(state=raw["incident_state"].map(LABELS)).dropna(subset=["state"])
    before = steps.groupby("number")["state"].shift()
    first_contact = set(steps.loc[(before == "new") & (steps["state"] == "resolved"), "number"])
    assert len(first_contact) > 4_000  # about a quarter of the incidents: the case matters
    d = result.deviations
    assert not ((d["from"] == "new") & (d["to"] == "resolved")).any()
    conforming = set(result.tickets.loc[result.tickets["conforming"], Col.CASE_ID])
    assert len(first_contact & conforming) > 3_000
    assert f"quarter of the incidents ({len(first_contact):,})" in DOC.read_text(encoding="utf-8")


def test_the_first_bottleneck_is_a_work_wait(raw: pd.DataFrame, store: Store) -> None:
    got = bottlenecks(store.events(LOG))
    kinds = dict(zip(got["activity"], got["kind"], strict=True))
    # labels whose rows are all resolved or closed in the raw file, by this module's own table
    after = {label for label, state in LABELS.items() if state in {"resolved", "closed"}}
    assert {a for a, k in kinds.items() if k == "closure"} == after & set(kinds)
    assert got["activity"].iloc[0] not in after
    closure = got["kind"].eq("closure").to_numpy()
    assert closure.any()
    assert not (closure[:-1] & ~closure[1:]).any()  # work waits first, then closure waits
    # the wait after Resolved is the largest of all, but listed after every work wait
    assert got.loc[got["total"].idxmax(), "activity"] == "Resolved"
    edges = bottlenecks(store.events(LOG), edges=True)
    assert edges["source"].iloc[0] not in after
    assert edges.loc[edges["total"].idxmax(), ["source", "target"]].tolist() == [
        "Resolved",
        "Closed",
    ]
