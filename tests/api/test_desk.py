"""The desk (``pdca.open``): one opened store answering what the API functions answer.

Oracles: the module-level functions (each opens the store for its one question), and for
scoping a second store holding only the visible tickets, made by filtering the simulator's
events with pandas (independently of pdca's scoping code) and importing them.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import pdca
from pdca import api
from pdca.api.analyse import column_values
from pdca.engine.store import Store
from pdca.errors import InputError, PdcaError
from pdca.simulate import SimulationConfig, simulate

GROUP = "Service Desk North"
SERVICE = "Laptops & Desktops"
KPIS = ["mttr", "mtta", "fcr", "reopen_rate", "sla_resolution", "backlog"]


@pytest.fixture(scope="module")
def stores(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The whole simulated desk, and stores holding only the tickets one group worked on and
    only those filed under one service (filtered with pandas, imported the same way)."""
    root = tmp_path_factory.mktemp("desk")
    whole = root / "whole" / "sim.csv"
    whole.parent.mkdir()
    config = SimulationConfig(seed=7, start=date(2025, 1, 1), days=90, tickets=400)
    simulate(config, out=whole, fmt="csv", hidden=False)
    api.ingest(whole, store=root / "whole" / "store")
    events = pd.read_csv(whole, dtype=str, keep_default_na=False)
    out: dict[str, Any] = {"whole": root / "whole" / "store", "events": events}
    for name, column, value in (
        ("group", "assignment_group", GROUP),
        ("service", "service", SERVICE),
    ):
        cases = set(events.loc[events[column] == value, "case_id"])
        part = root / name / "sim.csv"
        part.parent.mkdir()
        events[events["case_id"].isin(cases)].to_csv(part, index=False)
        api.ingest(part, store=root / name / "store")
        out[name] = root / name / "store"
        out[f"{name}_cases"] = cases
    assert 0 < len(out["group_cases"]) < events["case_id"].nunique()
    return out


def _same(left: pd.DataFrame, right: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(
        left.reset_index(drop=True), right.reset_index(drop=True), check_dtype=False
    )


def test_a_desk_answers_what_the_functions_answer(stores: dict[str, Any]) -> None:
    store = stores["whole"]
    with pdca.open(store) as desk:
        _same(desk.kpi(KPIS, period="month"), api.kpi(KPIS, store=store, period="month"))
        _same(desk.kpi(["mttr"], by=["priority"]), api.kpi(["mttr"], store=store, by=["priority"]))
        _same(desk.kpi(), api.kpi(store=store))
        _same(desk.scorecard(), api.scorecard(store=store))
        _same(desk.sla(), api.sla(store=store))
        _same(desk.sla(top=5), api.sla(store=store, top=5))
        _same(desk.mine("dfg"), api.mine("dfg", store=store))
        _same(desk.mine("variants", top=5), api.mine("variants", store=store, top=5))
        _same(desk.monitor(charts=True), api.monitor(store=store, charts=True))
        _same(desk.monitor(), api.monitor(store=store))
        _same(desk.status(), api.status(store))
        _same(desk.events(), api.events(store))
        _same(desk.tickets(), api.tickets(store))
        assert desk.process_map() == api.process_map(store=store)
        assert desk.logs() == ["sim"]


def test_the_answers_say_which_objectives_they_used(stores: dict[str, Any]) -> None:
    store = stores["whole"]
    with pdca.open(store) as desk:
        assert desk.kpi(["mttr"]).attrs == api.kpi(["mttr"], store=store).attrs
        assert desk.sla().attrs == api.sla(store=store).attrs


def test_the_store_opens_once_and_the_inputs_are_built_once(
    stores: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    opened: list[Any] = []
    real = Store.open.__func__  # type: ignore[attr-defined]

    def counting(cls: type[Store], *args: Any, **kwargs: Any) -> Store:
        opened.append(args)
        return real(cls, *args, **kwargs)  # type: ignore[no-any-return]

    monkeypatch.setattr(Store, "open", classmethod(counting))
    with pdca.open(stores["whole"]) as desk:
        for _ in range(3):
            desk.kpi(["mttr"])
            desk.kpi(["fcr"], period="month")
            desk.sla()
            desk.monitor()
        assert desk.input_builds == 1
        assert len(opened) == 1
        scoped = desk.scoped(assignment_group=[GROUP])
        scoped.kpi(["mttr"])
        scoped.kpi(["fcr"])
        assert desk.input_builds == 2  # one more: the scoped view of the log
        assert len(opened) == 1
    # the functions open the store for each question
    api.kpi(["mttr"], store=stores["whole"])
    assert len(opened) == 2


@pytest.mark.parametrize(
    ("name", "scope"),
    [
        ("group", {"assignment_group": [GROUP]}),
        ("service", {"service": [SERVICE]}),
    ],
)
def test_a_scoped_desk_answers_as_a_store_of_only_its_tickets(
    stores: dict[str, Any], name: str, scope: dict[str, list[str]]
) -> None:
    oracle = stores[name]
    with pdca.open(stores["whole"]) as desk:
        seen = desk.scoped(**scope)
        _same(seen.kpi(KPIS, period="month"), api.kpi(KPIS, store=oracle, period="month"))
        if name == "group":  # every KPI once (slow); the service scope checks a selection
            _same(seen.kpi(), api.kpi(store=oracle))
        _same(seen.kpi(["mttr"], by=["priority"]), api.kpi(["mttr"], by=["priority"], store=oracle))
        _same(seen.scorecard(), api.scorecard(store=oracle))
        _same(seen.sla(), api.sla(store=oracle))
        _same(seen.mine("dfg"), api.mine("dfg", store=oracle))
        _same(seen.mine("variants"), api.mine("variants", store=oracle))
        assert seen.process_map() == api.process_map(store=oracle)
        assert seen.column_values("priority") == column_values("priority", store=oracle)
        _same(seen.monitor(charts=True), api.monitor(store=oracle, charts=True))
        _same(seen.tickets(), api.tickets(oracle).sort_values("case_id"))
        where = ["row"]  # the line of the file it came from: the oracle's file is shorter
        _same(seen.events().drop(columns=where), api.events(oracle).drop(columns=where))
        status, truth = seen.status(), api.status(oracle)
        assert (
            status[["events", "tickets"]].values.tolist()
            == truth[["events", "tickets"]].values.tolist()
        )
        # the scoped scorecard kept beside the store is not given for the whole store's
        _same(desk.scorecard(), api.scorecard(store=stores["whole"]))
        _same(seen.scorecard(), api.scorecard(store=oracle))


def test_a_scoped_desk_never_shows_another_groups_ticket(stores: dict[str, Any]) -> None:
    events: pd.DataFrame = stores["events"]
    mine = stores["group_cases"]
    others = sorted(set(events["case_id"]) - mine)
    with pdca.open(stores["whole"]) as desk:
        seen = desk.scoped(assignment_group=[GROUP])
        assert set(seen.tickets()["case_id"]) == mine
        assert set(seen.events()["case_id"]) == mine
        assert seen.tickets(case_ids=others).empty
        assert seen.events(case_ids=others[:20]).empty
        assert (
            seen.events(where={"assignment_group": "L2 Network"}, limit=50)["case_id"]
            .isin(list(mine))
            .all()
        )
        page = seen.tickets(limit=7, offset=3)
        assert len(page) == 7
        assert set(page["case_id"]) <= mine
        clocks = seen.sla(running=True)
        assert set(clocks["case_id"]) <= mine
        assert set(seen.most_urgent(only_urgent=True)["case_id"]) <= mine
        assert set(seen.kpi_tickets("mttr")["case_id"]) <= mine
        assert set(seen.mine("durations")["case_id"]) <= mine
        # scoping again narrows: both scopes must see the ticket
        both = seen.scoped(service=[SERVICE])
        assert set(both.tickets()["case_id"]) == mine & stores["service_cases"]
        # an empty grant sees nothing
        assert desk.scoped(assignment_group=[]).tickets().empty


def test_scoping_is_refused_without_names(stores: dict[str, Any]) -> None:
    with pdca.open(stores["whole"]) as desk:
        with pytest.raises(InputError):
            desk.scoped()
        with pytest.raises(InputError, match="list of names"):
            desk.scoped(assignment_group=GROUP)


def test_drill_down_filters(stores: dict[str, Any]) -> None:
    events: pd.DataFrame = stores["events"]
    critical = events.loc[events["priority"] == "1 - Critical", "case_id"]
    with pdca.open(stores["whole"]) as desk:
        rows = desk.tickets(where={"priority": "1 - Critical"})
        assert set(rows["case_id"]) <= set(critical)
        assert (
            len(desk.events(case_ids=["INC0000001"])) == (events["case_id"] == "INC0000001").sum()
        )
        with pytest.raises(InputError, match="no column"):
            desk.tickets(where={"nope": 1})
        with pytest.raises(InputError):
            desk.events(limit=-1)


def test_a_closed_desk_refuses_questions(stores: dict[str, Any]) -> None:
    desk = pdca.open(stores["whole"])
    scoped = desk.scoped(service=[SERVICE])
    scoped.close()  # leaves its parent open
    assert desk.logs() == ["sim"]
    desk.close()
    with pytest.raises(PdcaError, match="closed"):
        desk.kpi(["mttr"])
    with pytest.raises(InputError, match="no log"):
        pdca.open(stores["whole"], log="nope")


def test_several_threads_get_the_answers_of_one(stores: dict[str, Any]) -> None:
    def ask(desk: Any) -> list[pd.DataFrame]:
        return [
            desk.kpi(["mttr", "fcr"], period="month"),
            desk.sla(top=10),
            desk.mine("dfg"),
            desk.scoped(assignment_group=[GROUP]).kpi(["mtta"]),
        ]

    with pdca.open(stores["whole"]) as desk:
        alone = ask(desk)
        with ThreadPoolExecutor(max_workers=6) as pool:
            answers = list(pool.map(lambda _: ask(desk), range(12)))
    for answer in answers:
        for got, want in zip(answer, alone, strict=True):
            _same(got, want)


def test_the_store_path_need_not_exist_to_fail_clearly(tmp_path: Path) -> None:
    with pytest.raises(PdcaError, match="no pdca store"):
        pdca.open(tmp_path / "none")
