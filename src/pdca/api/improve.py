"""The Act API: the improvement register, verification of effects, control and suggestions.

Initiatives live in the records database (:mod:`pdca.records.register`: ``<store>/records.sqlite``
or PostgreSQL with ``PDCA_RECORDS_URL``), so that many people can change the register while an
import writes the analytics store; the data they are measured on is only read. Every change is
logged with who made it and when, in the initiative's change log and in the audit log. A store
made by an earlier pdca kept its register in DuckDB: it is copied into the records database the
first time the register is opened (:func:`open_register`), and the DuckDB tables are left as
they are. Every function takes ``records=`` (an opened :class:`~pdca.records.Records` or a
database URL; default: the store's). docs/improve.md walks through the cycle.
"""

from __future__ import annotations

import getpass
import os
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
from pydantic import ValidationError
from sqlalchemy.orm import Session

from pdca.api.common import choose_log, resolve_objectives
from pdca.engine.store import DB_FILE, Store, resolve_store_dir
from pdca.errors import ConfigError, InputError, StoreError
from pdca.improve.initiative import (
    DEFAULT_BASELINE_DAYS,
    REOPENED,
    Action,
    check_cycle,
    check_scope,
    check_status,
    naive_utc,
    parse_scope,
    register_table,
    to_actions,
)
from pdca.improve.suggest import PUSH_TO_FRONT_TARGET, Suggestion, suggestions
from pdca.improve.verify import REST, Check, Comparison, measure_baseline, verify
from pdca.methods.kpi.catalogue import get_kpi
from pdca.methods.kpi.definition import Inputs
from pdca.records import Records, open_records
from pdca.records import register as reg
from pdca.records.db import RECORDS_FILE, RECORDS_URL_ENV, records_url

When = datetime | date | None
ScopeLike = dict[str, Any] | Sequence[str] | None
RecordsLike = Records | str | None
"""An opened records database, its URL, or None (the store's: ``PDCA_RECORDS_URL`` or
``<store>/records.sqlite``)."""

__all__ = [
    "PUSH_TO_FRONT_TARGET",
    "accept_suggestion",
    "adopt_standard",
    "initiative",
    "initiative_log",
    "initiatives",
    "new_initiative",
    "register_report",
    "register_table",
    "reverify_all",
    "suggest_initiatives",
    "update_initiative",
    "verify_initiative",
]


def _who(who: str | None) -> str:
    if who:
        return who
    try:
        return getpass.getuser()
    except (OSError, KeyError):
        return "unknown"


def _existing(store: Path | str | None) -> Path:
    """The store directory, which must hold a pdca store (the register is measured on it)."""
    root = resolve_store_dir(store)
    if not (root / DB_FILE).exists():
        raise StoreError(
            f"there is no pdca store in {root}",
            "import data first with `pdca ingest FILE`, or point --store / PDCA_STORE at it",
        )
    return root


def _reading(store: Path | str | None) -> Store:
    """The analytics store, read-only: the register is written to the records database, so
    nothing here needs (or blocks) the store's write lock."""
    return Store.open(_existing(store), read_only=True)


# -- the register in the records database ------------------------------------------------------
_OPENED: dict[str, Records] = {}
_CHECKED: set[tuple[str, str]] = set()
_LOCK = threading.Lock()


def _records(root: Path, records: RecordsLike) -> Records:
    """The records database of ``root`` (opened and migrated once per process and URL)."""
    if isinstance(records, Records):
        return records
    url = records_url(root, records)
    with _LOCK:
        found = _OPENED.get(url)
        if found is None:
            found = _OPENED[url] = open_records(root, records)
        return found


def _old_register_rows(root: Path) -> bool:
    """Whether the store's DuckDB tables hold initiatives of an earlier pdca (not copied yet)."""
    if not (root / DB_FILE).exists():
        return False
    try:
        with Store.open(root, read_only=True) as st:
            return bool(st.initiatives())
    except (StoreError, duckdb.Error):
        return False


def _copy_old_register(opened: Records, root: Path) -> None:
    """Copy the DuckDB register of a store made by an earlier pdca, once (see
    :func:`pdca.records.register.migrate_store`); the DuckDB tables are left as they are."""
    key = (opened.url, str(root))
    if key in _CHECKED or not (root / DB_FILE).exists():
        return
    with opened.session() as session:
        if reg.migrated(session, str(root)) is not None:
            _CHECKED.add(key)
            return
    try:
        with Store.open(root, read_only=True) as st:
            old = st.initiatives()
            log = st.initiative_log()
    except StoreError:
        return  # the store is busy (an import in another process): copy it next time
    except duckdb.Error:  # a store older than the register tables: nothing to copy
        old, log = [], pd.DataFrame(columns=list(reg.LOG_COLUMNS))
    with opened.session() as session:
        reg.copy_once(session, str(root), old, log)
    _CHECKED.add(key)


def open_register(store: Path | str | None = None, records: RecordsLike = None) -> Records:
    """The records database holding ``store``'s register, with a register kept in the store's
    DuckDB tables by an earlier pdca copied into it (once)."""
    root = resolve_store_dir(store).resolve()
    opened = _records(root, records)
    _copy_old_register(opened, root)
    return opened


@contextmanager
def _register(store: Path | str | None, records: RecordsLike) -> Iterator[Session]:
    """A records session on ``store``'s register: committed on success, rolled back on error."""
    with open_register(store, records).session() as session:
        yield session


def live_initiatives(
    *, store: Path | str | None = None, log: str | None = None, records: RecordsLike = None
) -> bool:
    """Whether any initiative (of ``log``, when given) has gone live (it is verified again after
    an import). A store without a register gets no records database made for this question."""
    root = resolve_store_dir(store)
    if (
        records is None
        and not os.environ.get(RECORDS_URL_ENV)
        and not (root / RECORDS_FILE).exists()
    ) and not _old_register_rows(root):
        return False
    with _register(store, records) as session:
        return any(
            r["go_live"] is not None and (log is None or r["log"] == log)
            for r in reg.read_all(session)
        )


def _inputs(st: Store, log: str, objectives: Path | str | None = None) -> Inputs:
    """The log's tables with the objectives resolved as every command does (docs/sla.md)."""
    resolved = resolve_objectives(objectives, store=st.root)
    return Inputs(
        st.events(log),
        st.tickets(log),
        extra={"objectives": resolved.objectives, "objectives_from": resolved.source},
        surveys=st.surveys(log),
    )


GO_LIVE_STEP = {"pdca": "do", "dmaic": "improve"}
"""The step an initiative reaches when its change goes live."""
CHECK_STEP = {"pdca": "check", "dmaic": "improve"}
"""The step a verification with a verdict moves an earlier initiative to."""
ACT_STEP = {"pdca": "act", "dmaic": "control"}
"""The step an adopted control standard moves the initiative to."""


def _advance(cycle: str, status: str, step: str) -> str:
    """``step`` when it lies after ``status`` in the cycle, else ``status``."""
    steps = check_cycle(cycle)
    return step if steps.index(step) > steps.index(status) else status


def _comparison(value: Comparison | Sequence[str]) -> Comparison:
    """``"rest"``, ``"none"``/None, a scope, or COLUMN=VALUE pairs, as stored."""
    if value is None or value == "none":
        return None
    if value == REST:
        return REST
    if isinstance(value, dict):
        return check_scope(value)
    if isinstance(value, str):
        return parse_scope([value])
    return parse_scope(list(value))


def _options(kpi: str, options: dict[str, Any] | None) -> dict[str, Any]:
    definition = get_kpi(kpi)
    try:
        parsed = definition.parse_options(options)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise ConfigError(
            f"invalid option {where} for KPI {kpi}: {first['msg']}", "see docs/kpis.md"
        ) from None
    return parsed.model_dump(mode="json", exclude_defaults=True)


def new_initiative(
    title: str,
    *,
    kpi: str,
    store: Path | str | None = None,
    log: str | None = None,
    problem: str | None = None,
    owner: str | None = None,
    scope: ScopeLike = None,
    kpi_options: dict[str, Any] | None = None,
    target: float | None = None,
    go_live: When = None,
    baseline_days: int = DEFAULT_BASELINE_DAYS,
    cycle: str = "pdca",
    status: str | None = None,
    actions: Sequence[Action | dict[str, Any] | str] = (),
    who: str | None = None,
    comparison: Comparison | Sequence[str] = REST,
    objectives: Path | str | None = None,
    records: RecordsLike = None,
) -> dict[str, Any]:
    """Create an initiative; its baseline is measured from the data at once.

    The baseline is the KPI over the ``baseline_days`` before go-live (or, without a go-live
    date, before the last event in scope). ``target`` is in the KPI's unit (hours, %).
    ``comparison`` is the comparison group of its verification: ``"rest"`` (the tickets outside
    the scope), ``None`` (none) or a scope; it is kept with the baseline. ``objectives`` is the
    objectives file the KPI is measured with (SLA targets, calendars).
    """
    with _reading(store) as st:
        name = choose_log(st, log)
        record = _record(
            st, name, title, kpi=kpi, kpi_options=kpi_options, scope=scope, go_live=go_live,
            baseline_days=baseline_days, cycle=cycle, status=status, objectives=objectives,
        )  # fmt: skip
    record["baseline"]["comparison"] = _comparison(comparison)
    record.update(problem=problem, owner=owner, target=target, actions=to_actions(actions))
    with _register(store, records) as session:
        new_id = reg.insert(session, record, _who(who))
        return reg.read(session, new_id)


def _record(
    st: Store,
    log: str,
    title: str,
    *,
    kpi: str,
    kpi_options: dict[str, Any] | None,
    scope: ScopeLike,
    go_live: When,
    baseline_days: int,
    cycle: str,
    status: str | None,
    objectives: Path | str | None = None,
) -> dict[str, Any]:
    """A new initiative's fields, with its baseline measured from the data."""
    if not title.strip():
        raise InputError("an initiative needs a title")
    if baseline_days < 1:
        raise InputError("baseline_days must be at least 1")
    steps = check_cycle(cycle)
    normal_scope = (
        check_scope(scope) if scope is None or isinstance(scope, dict) else parse_scope(list(scope))
    )
    options = _options(kpi, kpi_options)
    live = naive_utc(go_live)
    inputs = _inputs(st, log, objectives)
    baseline = measure_baseline(
        inputs,
        kpi,
        options=options,
        scope=normal_scope,
        reference=live,
        days=baseline_days,
    )
    first = status or steps[0]
    span = inputs.span()
    if status is None and live is not None and span is not None and live <= span[1]:
        first = GO_LIVE_STEP[cycle]
    return {
        "log": log,
        "title": title.strip(),
        "cycle": cycle,
        "status": check_status(cycle, first),
        "kpi": kpi,
        "kpi_options": options,
        "scope": normal_scope,
        "baseline": baseline,
        "go_live": live,
    }


def initiative(
    initiative_id: int, *, store: Path | str | None = None, records: RecordsLike = None
) -> dict[str, Any]:
    """One initiative with every field (scope, baseline, actions, standard, last verdict)."""
    with _register(_existing(store), records) as session:
        return reg.read(session, initiative_id)


def initiative_log(
    initiative_id: int | None = None,
    *,
    store: Path | str | None = None,
    records: RecordsLike = None,
) -> pd.DataFrame:
    """Who changed what and when (for one initiative, or the whole register)."""
    with _register(_existing(store), records) as session:
        if initiative_id is not None:
            reg.read(session, initiative_id)
        return reg.read_log(session, initiative_id)


def initiatives(*, store: Path | str | None = None, records: RecordsLike = None) -> pd.DataFrame:
    """The register: one row per initiative with its latest verdict."""
    with _register(_existing(store), records) as session:
        return register_table(reg.read_all(session))


def update_initiative(
    initiative_id: int,
    *,
    store: Path | str | None = None,
    who: str | None = None,
    note: str | None = None,
    title: str | None = None,
    problem: str | None = None,
    owner: str | None = None,
    status: str | None = None,
    target: float | None = None,
    go_live: When = None,
    add_actions: Sequence[Action | dict[str, Any] | str] = (),
    done_actions: Sequence[int] = (),
    records: RecordsLike = None,
) -> dict[str, Any]:
    """Change an initiative; every changed field is logged (``note`` says why).

    The initiative is locked while it is read and changed: concurrent changes take turns.
    """
    with _register(_existing(store), records) as session:
        current = reg.lock(session, initiative_id)
        given = {"title": title, "problem": problem, "owner": owner, "target": target}
        changes: dict[str, Any] = {k: v for k, v in given.items() if v is not None}
        if status is not None:
            changes["status"] = check_status(current["cycle"], status)
        if go_live is not None:
            changes["go_live"] = naive_utc(go_live)
            if status is None:
                cycle = current["cycle"]
                moved = _advance(cycle, current["status"], GO_LIVE_STEP[cycle])
                if moved != current["status"]:
                    changes["status"] = moved
        if add_actions or done_actions:
            actions = list(current.get("actions") or [])
            for number in done_actions:
                if not 1 <= number <= len(actions):
                    raise InputError(
                        f"initiative {initiative_id} has no action {number}",
                        f"actions are numbered 1 to {len(actions)}",
                    )
                actions[number - 1] = {**actions[number - 1], "done": True}
            changes["actions"] = actions + to_actions(add_actions)
        reg.update(session, initiative_id, changes, _who(who), note or "updated")
        return reg.read(session, initiative_id)


def _check(
    st: Store, record: dict[str, Any], objectives: Path | str | None = None, **kw: Any
) -> Check:
    """Verify ``record`` on the store's data (nothing is written)."""
    if record["go_live"] is None:
        raise InputError(
            f"initiative {record['initiative_id']} has no go-live date",
            f"set it with `pdca improve update {record['initiative_id']} --go-live DATE`",
        )
    baseline = record.get("baseline") or {}
    if kw.get("comparison", "") == "":
        kw["comparison"] = baseline.get("comparison", REST)
    else:
        kw["comparison"] = _comparison(kw["comparison"])
    return verify(
        _inputs(st, record["log"], objectives),
        kpi=record["kpi"],
        options=record["kpi_options"],
        scope=record["scope"],
        go_live=record["go_live"],
        baseline_days=int(baseline.get("days") or DEFAULT_BASELINE_DAYS),
        baseline=baseline.get("value"),
        target=record["target"],
        standard=record["standard"],
        **kw,
    )


def verify_initiative(
    initiative_id: int,
    *,
    store: Path | str | None = None,
    save: bool = True,
    who: str | None = None,
    method: str | None = None,
    confidence: float = 0.95,
    power: float = 0.8,
    seed: int = 0,
    comparison: Comparison | Sequence[str] = "",
    objectives: Path | str | None = None,
    records: RecordsLike = None,
) -> Check:
    """Check an initiative's effect (before vs after go-live) and keep the verdict.

    ``comparison`` overrides the comparison group kept with the initiative (``"rest"``,
    ``"none"`` or a scope). A verdict moves an initiative from plan or do to check; an
    *improved* verdict proposes the after-period limits as the control standard, which the owner
    adopts with :func:`adopt_standard`. Once a standard is in force, a verification that finds a
    signal against it on the worse side reopens the Act step.
    """
    kw: dict[str, Any] = {
        "method": method, "confidence": confidence, "power": power, "seed": seed,
        "comparison": comparison, "objectives": objectives,
    }  # fmt: skip
    root = _existing(store)
    with _register(root, records) as session:
        record = reg.read(session, initiative_id)
    with _reading(root) as st:
        check = _check(st, record, **kw)
    if save:
        with _register(root, records) as session:
            _keep(session, initiative_id, check, _who(who))
    return check


def _keep(session: Session, initiative_id: int, check: Check, user: str) -> None:
    """Save a verification: the verdict with its inputs, the step it moves the initiative to, and
    a reopened Act step after a control alert (the initiative is locked while it is changed)."""
    record = reg.lock(session, initiative_id)
    changes: dict[str, Any] = {"verdict": check.record()}
    moved = _advance(record["cycle"], record["status"], CHECK_STEP[record["cycle"]])
    if moved != record["status"] and not check.alerts:
        changes["status"] = moved
    reg.update(session, initiative_id, changes, user, "verified", action="initiative.verify")
    if check.alerts:
        reopened = {"status": REOPENED[record["cycle"]]}
        reg.update(
            session, initiative_id, reopened, user, "control signal: reopens the Act step",
            action="initiative.verify",
        )  # fmt: skip


def adopt_standard(
    initiative_id: int,
    *,
    store: Path | str | None = None,
    who: str | None = None,
    note: str | None = None,
    records: RecordsLike = None,
) -> dict[str, Any]:
    """The owner's confirmation: the standard proposed by the last *improved* verdict comes into
    force, and the initiative moves to the Act step (Control in DMAIC)."""
    with _register(_existing(store), records) as session:
        record = reg.lock(session, initiative_id)
        verdict = record.get("verdict") or {}
        proposed = verdict.get("proposed_standard")
        if verdict.get("verdict") != "improved" or not proposed:
            said = verdict.get("verdict") or "not verified yet"
            raise InputError(
                f"initiative {initiative_id} has no standard to adopt (its last verdict: {said})",
                "a standard is proposed by an 'improved' verdict: run `pdca improve verify "
                f"{initiative_id}` first",
            )
        step = _advance(record["cycle"], record["status"], ACT_STEP[record["cycle"]])
        changes = {"standard": proposed, "status": step}
        reg.update(
            session, initiative_id, changes, _who(who),
            note or "control standard adopted by the owner", action="initiative.adopt",
        )  # fmt: skip
        return reg.read(session, initiative_id)


def reverify_all(
    *,
    store: Path | str | None = None,
    log: str | None = None,
    who: str | None = None,
    objectives: Path | str | None = None,
    records: RecordsLike = None,
) -> list[dict[str, Any]]:
    """Verify again every initiative that has gone live, and keep the verdicts (after an import).

    Only initiatives with a go-live date count (of ``log``, when given). Each gives one row:
    ``initiative_id``, ``title``, ``kpi``, ``previous`` and ``verdict`` (None when it cannot be
    verified yet, ``reason`` then says why), ``changed`` (the verdict differs from the one kept
    before), ``alerts`` (control signals against its standard, which reopen the Act step),
    ``status`` and ``sentence``. A store without initiatives gives an empty list at once.
    """
    root = resolve_store_dir(store)
    if not (root / DB_FILE).exists():
        return []
    with _register(root, records) as session:
        live = [
            r
            for r in reg.read_all(session)
            if r["go_live"] is not None and (log is None or r["log"] == log)
        ]
    if not live:
        return []
    user = _who(who)
    out = []
    with _reading(root) as st:
        for record in live:
            previous = (record.get("verdict") or {}).get("verdict")
            row: dict[str, Any] = {
                "initiative_id": record["initiative_id"],
                "title": record["title"],
                "kpi": record["kpi"],
                "previous": previous,
            }
            try:
                check = _check(st, record, objectives)
            except InputError as exc:
                out.append(
                    {**row, "verdict": None, "changed": False, "alerts": [],
                     "status": record["status"], "sentence": None, "reason": str(exc)}
                )  # fmt: skip
                continue
            with _register(root, records) as session:
                _keep(session, record["initiative_id"], check, user)
                status = reg.read(session, record["initiative_id"])["status"]
            out.append(
                {
                    **row,
                    "verdict": check.verdict,
                    "changed": check.verdict != previous,
                    "alerts": list(check.alerts),
                    "status": status,
                    "sentence": check.sentence,
                    "reason": None,
                }
            )
    return out


def _suggestions(  # noqa: PLR0917 (the suggestion settings, passed on)
    st: Store,
    log: str,
    target: float,
    top: int,
    spc: bool = True,
    objectives: Path | str | None = None,
) -> list[Suggestion]:
    if not 0 < target < 1:
        raise InputError(f"the push-to-front target must lie between 0 and 1, got {target}")
    inputs = _inputs(st, log, objectives)
    return suggestions(inputs, push_to_front_target=target, top=top, spc=spc)


def suggest_initiatives(
    *,
    store: Path | str | None = None,
    log: str | None = None,
    push_to_front_target: float = PUSH_TO_FRONT_TARGET,
    top: int = 5,
    spc: bool = True,
    objectives: Path | str | None = None,
) -> pd.DataFrame:
    """Candidate initiatives from the mining results, the SPC monitor's signals on the worse side
    and low SLA capability (``spc=False`` leaves those two out), the largest expected gain first.
    ``attrs["objectives"]`` says which objectives (SLA targets, calendars) they were measured with.
    """
    with Store.open(store, read_only=True) as st:
        name = choose_log(st, log)
        found = _suggestions(st, name, push_to_front_target, top, spc, objectives)
        declared = resolve_objectives(objectives, store=st.root).metadata()
    columns = ["key", "finding", "gain_hours_per_month", "title", "kpi", "evidence"]
    frame = pd.DataFrame([s.row() for s in found], columns=columns)
    frame.attrs["objectives"] = declared
    return frame


def accept_suggestion(
    key: str,
    *,
    store: Path | str | None = None,
    log: str | None = None,
    owner: str | None = None,
    who: str | None = None,
    go_live: When = None,
    push_to_front_target: float = PUSH_TO_FRONT_TARGET,
    top: int = 5,
    spc: bool = True,
    objectives: Path | str | None = None,
    records: RecordsLike = None,
) -> dict[str, Any]:
    """Create an initiative from a suggestion: title, problem, scope, KPI, baseline, target."""
    with Store.open(store, read_only=True) as st:
        name = choose_log(st, log)
        listed = _suggestions(st, name, push_to_front_target, top, spc, objectives)
        found = {s.key: s for s in listed}
    chosen = found.get(key)
    if chosen is None:
        raise InputError(
            f"there is no suggestion {key!r}",
            f"use one of: {', '.join(found) or '(none)'} (see `pdca improve suggest`)",
        )
    with _reading(store) as st:
        record = _record(
            st, name, chosen.title, kpi=chosen.kpi, kpi_options=None, scope=chosen.scope,
            go_live=go_live, baseline_days=DEFAULT_BASELINE_DAYS, cycle="pdca", status=None,
            objectives=objectives,
        )  # fmt: skip
    record["baseline"]["comparison"] = REST
    baseline = record["baseline"]["value"]
    target = chosen.target
    if chosen.target_factor is not None and baseline is not None:
        target = round(baseline * chosen.target_factor, 4)
    record.update(problem=chosen.problem, owner=owner, target=target, actions=[])
    with _register(store, records) as session:
        new_id = reg.insert(session, record, _who(who))
        return reg.read(session, new_id)


def register_report(
    *,
    store: Path | str | None = None,
    objectives: Path | str | None = None,
    records: RecordsLike = None,
) -> list[dict[str, Any]]:
    """For reports: each initiative with its verdict, staged control chart and a sentence.

    Verification runs afresh (nothing is saved); an initiative that cannot be verified yet
    (no go-live, too few tickets after it) carries the reason as its sentence.
    """
    out = []
    root = _existing(store)
    with _register(root, records) as session:
        listed = reg.read_all(session)
    with _reading(root) as st:
        for record in listed:
            try:
                check: Check | None = _check(st, record, objectives)
            except InputError as exc:
                check, reason = None, str(exc)
            out.append(
                {
                    "initiative": record,
                    "verdict": None if check is None else check.verdict,
                    "sentence": reason if check is None else check.sentence,
                    "limits": None if check is None else check.limits,
                    "alerts": [] if check is None else check.alerts,
                    "check": check,
                }
            )
    return out
