"""One handle for an opened store: :func:`open` gives a :class:`Desk` that answers every question
the web app and the CLI ask (KPIs, scorecard, SLA, monitor, mining, drill-down), opening the store
once, resolving the objectives once and building each log's KPI inputs once.

The module-level API functions (:func:`pdca.api.kpi`, :func:`pdca.api.sla`, …) open a desk, ask
it and close it; a long-running program (the web app) keeps one desk open instead.

Threads: several threads may ask one desk at once. On DuckDB each thread reads through its own
cursor of the one database connection (a cursor is a connection of its own to the same database,
so the threads' queries run in parallel) and keeps its own KPI inputs, built on its first
question; on Spark the questions take turns (one lock). Cursors are kept until
:meth:`Desk.close`. Measured on a 5,000-ticket store and two cores, 32 mixed questions (KPIs, SLA,
process map, a scoped KPI) from 8 threads took 25 s with a cursor per thread and 37 s with one
lock around one connection (both gave the same answers); a repeated KPI question takes about
40 ms on an open desk against about 360 ms through :func:`pdca.api.kpi`, which opens the store
and builds the inputs each time.

While a desk is open its process holds the store open read-only: DuckDB lets no other process
write to it then, and in the same process opening it for writing fails (DuckDB refuses a second
connection with another configuration; today's ``Store.open`` reports it as "not a readable pdca
store"). To import: close the desk, import, open a new desk — a desk answers from the data as it
was when it opened.

Visibility (docs/web.md, "Visibility"): :meth:`Desk.scoped` gives a desk that sees only the
tickets of some services or assignment groups — a ticket is visible when ANY of its events names
one of the services or one of the groups, and then the whole ticket is (all its events). Every
answer of a scoped desk (KPIs, scorecard, SLA, monitor, mining, process map, drill-down, status)
is computed on the visible tickets only, as if the store held nothing else.
"""

from __future__ import annotations

import functools
import inspect
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import Any, ParamSpec, TypeVar, cast

import pandas as pd

from pdca.api.common import choose_log, resolve_objectives
from pdca.api.desk_memo import Memo, Unkeyable, freeze
from pdca.api.desk_scope import Scope, visible
from pdca.engine.choice import EngineSettings, open_for_analysis
from pdca.engine.store import Store
from pdca.errors import InputError, PdcaError
from pdca.methods.kpi.definition import Inputs
from pdca.model.objectives import Resolved
from pdca.model.schema import Col

P = ParamSpec("P")
R = TypeVar("R")
Goals = Path | str | Resolved | None
"""An objectives file, what :func:`resolve_objectives` found, or None (look it up)."""
_ORDER = (Col.LOG, Col.CASE_ID, Col.TIMESTAMP, "seq", "import_id", "row")
"""The stable order of events (as :meth:`pdca.engine.store.Store.events_df` gives them)."""


class _Opened:
    """The opened store a desk and its scoped desks share, with each thread's view of it."""

    def __init__(self, store: Path | str | None, engine: EngineSettings | str | None) -> None:
        self.store = store
        self._exit = ExitStack()
        self.main: Any = self._exit.enter_context(open_for_analysis(store, engine))
        self.duckdb = isinstance(self.main, Store)
        self._local = threading.local()
        self._lock = threading.RLock()
        self._cursors: list[Store] = []
        self.closed = False
        self.builds = 0
        """How many KPI inputs were built (each log and scope, once per thread)."""
        self.memo = Memo()
        """The answers given so far (a desk answers from the data as it was when it opened)."""

    @contextmanager
    def reading(self) -> Iterator[tuple[Any, dict[Any, Inputs]]]:
        """This thread's store and its cache of built inputs (Spark: one at a time)."""
        if self.closed:
            raise PdcaError("the desk is closed", "open the store again with pdca.open()")
        if not self.duckdb:
            with self._lock:
                yield self.main, self._cache()
            return
        yield self._thread_store(), self._cache()

    def _cache(self) -> dict[Any, Inputs]:
        cache: dict[Any, Inputs] | None = getattr(self._local, "inputs", None)
        if cache is None:
            cache = self._local.inputs = {}
        return cache

    def _thread_store(self) -> Store:
        mine: Store | None = getattr(self._local, "store", None)
        if mine is None:
            with self._lock:
                main = cast(Store, self.main)
                # a cursor is a connection of its own to the same database (DuckDB's way to
                # read from several threads); the cached tables of a thread live in its cursor
                mine = Store(main.root, main._con.cursor(), read_only=True)
                self._cursors.append(mine)
            self._local.store = mine
        return mine

    def close(self) -> None:
        with self._lock:
            if self.closed:
                return
            self.closed = True
            for cursor in self._cursors:
                cursor.close()
            self._cursors.clear()
            self._exit.close()


@dataclass(frozen=True)
class _Tables:
    """What one log (or every log) looks like to a desk: its visible tables."""

    events: Any
    tickets: Any
    surveys: Any
    kept: Callable[[str], Any] | None
    """The tables the import kept for the whole log; None when scoped (they cover every ticket)."""


def _remembered(method: Callable[P, R]) -> Callable[P, R]:
    """Keep ``method``'s answers in the desk's memo (:mod:`pdca.api.desk_memo`): the same
    question on the same desk (scope, log, arguments) is computed once and then copied."""
    signature = inspect.signature(method)

    @functools.wraps(method)
    def remembered(*args: P.args, **kwargs: P.kwargs) -> R:
        self = cast(Desk, args[0])
        try:
            bound = signature.bind(*args, **kwargs)
            bound.apply_defaults()
            asked = {k: v for k, v in bound.arguments.items() if k != "self"}
            key = (method.__name__, id(self._shared), freeze(self._scope), self._log, freeze(asked))
        except (Unkeyable, TypeError):
            return method(*args, **kwargs)
        return self._opened.memo.answer(key, lambda: method(*args, **kwargs))

    return remembered


class Desk:
    """An opened store: ask it questions, then :meth:`close` it (or use it in a ``with``).

    Made by :func:`open`; :meth:`scoped` makes one that sees fewer tickets. Every method takes the
    parameters of the API function of the same name, less ``store``, ``engine`` and
    ``objectives`` (the desk's), and gives the same result.
    """

    def __init__(
        self,
        opened: _Opened,
        *,
        objectives: Goals,
        log: str | None,
        scope: tuple[Scope, ...] = (),
        owner: bool = True,
        shared: dict[str, Any] | None = None,
    ) -> None:
        self._opened = opened
        self._log = log
        self._scope = scope
        self._owner = owner
        self._shared = shared if shared is not None else {"objectives": objectives}

    # -- the handle ----------------------------------------------------------------------------
    def __enter__(self) -> Desk:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close the store (and every thread's cursor). A scoped desk leaves its parent open."""
        if self._owner:
            self._opened.close()

    @property
    def objectives(self) -> Resolved:
        """The objectives every answer uses, resolved on first use (:func:`resolve_objectives`)."""
        found = self._shared["objectives"]
        if not isinstance(found, Resolved):
            with self._opened._lock:
                found = self._shared["objectives"]
                if not isinstance(found, Resolved):
                    found = resolve_objectives(found, store=self._opened.store)
                    self._shared["objectives"] = found
        return found

    @property
    def scope(self) -> tuple[Scope, ...]:
        """The visibility restrictions of this desk (empty: every ticket)."""
        return self._scope

    @property
    def input_builds(self) -> int:
        """How many times this desk's store built KPI inputs (for tests and benchmarks)."""
        return self._opened.builds

    def scoped(
        self,
        service: Iterable[str] | None = None,
        assignment_group: Iterable[str] | None = None,
    ) -> Desk:
        """A desk over the same store that sees only the tickets any of whose events names one of
        the ``service`` values or one of the ``assignment_group`` values (either grants sight;
        an empty list grants none). Scoping a scoped desk narrows it further. The new desk
        shares this one's store: closing it leaves this one open."""
        if service is None and assignment_group is None:
            raise InputError(
                "a scope names services or assignment groups",
                "give service=[...] and/or assignment_group=[...]",
            )
        scope = Scope.of(service, assignment_group)
        return Desk(
            self._opened,
            objectives=None,
            log=self._log,
            scope=(*self._scope, scope),
            owner=False,
            shared=self._shared,
        )

    def remember(self, name: str, args: Sequence[Any], compute: Callable[[], R]) -> R:
        """The answer to a question built on this desk's answers (a page's view of them, say),
        kept like the desk's own (:mod:`pdca.api.desk_memo`): ``compute()`` runs once per
        ``name`` and ``args`` on this desk and its scope; callers get copies. Arguments that
        cannot be a key make it run each time."""
        try:
            key = ("remember", name, id(self._shared), freeze(self._scope), self._log, freeze(args))
        except Unkeyable:
            return compute()
        return self._opened.memo.answer(key, compute)

    # -- what the questions read ---------------------------------------------------------------
    def _name(self, st: Any, log: str | None) -> str:
        return choose_log(st, log if log is not None else self._log)

    def _tables(self, st: Any, name: str | None) -> _Tables:
        events, tickets, surveys = st.events(name), st.tickets(name), st.surveys(name)
        if not self._scope:
            kept = None if name is None else _kept_tables(st, name)
            return _Tables(events, tickets, surveys, kept)
        keys = visible(events, self._scope)
        on = [Col.LOG, Col.CASE_ID]
        return _Tables(
            events.semi_join(keys, on),
            tickets.semi_join(keys, on),
            None if surveys is None else surveys.semi_join(keys, on),
            None,
        )

    def _inputs(self, st: Any, cache: dict[Any, Inputs], name: str) -> Inputs:
        """The KPI inputs of log ``name`` as this desk sees it, built once per thread."""
        key = (name, self._scope)
        found = cache.get(key)
        if found is None:
            tables = self._tables(st, name)
            found = build_inputs(tables, self.objectives.objectives)
            cache[key] = found
            with self._opened._lock:
                self._opened.builds += 1
        return found

    # -- Measure -------------------------------------------------------------------------------
    @_remembered
    def kpi(
        self,
        kpis: Sequence[str] = (),
        *,
        log: str | None = None,
        by: Sequence[str] = (),
        period: str | None = None,
        start: datetime | None = None,
        end: datetime | None = None,
        options: dict[str, dict[str, Any]] | None = None,
    ) -> pd.DataFrame:
        """:func:`pdca.api.kpi` on this desk."""
        from pdca.api.measure import kpi_frame  # noqa: PLC0415

        with self._opened.reading() as (st, cache):
            inputs = self._inputs(st, cache, self._name(st, log))
            return kpi_frame(
                inputs,
                self.objectives,
                kpis,
                by=by,
                period=period,
                start=start,
                end=end,
                options=options,
            )

    @_remembered
    def kpi_tickets(
        self,
        kpi: str,
        period_start: datetime | str | None = None,
        period: str | None = None,
        by: str | None = None,
        value: str | None = None,
        *,
        log: str | None = None,
        options: dict[str, Any] | None = None,
    ) -> pd.DataFrame:
        """The tickets behind one value of :meth:`kpi`
        (:func:`pdca.api.drilldown.kpi_tickets_frame`)."""
        from pdca.api.drilldown import kpi_tickets_frame  # noqa: PLC0415

        with self._opened.reading() as (st, cache):
            inputs = self._inputs(st, cache, self._name(st, log))
            return kpi_tickets_frame(
                inputs,
                kpi,
                period_start=period_start,
                period=period,
                by=by,
                value=value,
                options=options,
            )

    @_remembered
    def scorecard(self, *, log: str | None = None, period: str = "month") -> pd.DataFrame:
        """:func:`pdca.api.scorecard` on this desk (kept beside a DuckDB store until the data,
        the objectives, the scope or pdca's code change)."""
        from pdca.api.measure import scorecard_frame  # noqa: PLC0415

        with self._opened.reading() as (st, cache):
            name = self._name(st, log)
            return scorecard_frame(
                st,
                name,
                lambda: self._inputs(st, cache, name),
                self.objectives,
                period=period,
                scope=[s.key() for s in self._scope],
            )

    @_remembered
    def sla(
        self,
        *,
        log: str | None = None,
        clock: str | None = None,
        running: bool = False,
        breached: bool = False,
        top: int | None = None,
    ) -> pd.DataFrame:
        """:func:`pdca.api.sla` on this desk."""
        from pdca.api.measure import check_sla_options, sla_frame  # noqa: PLC0415

        check_sla_options(clock, top)
        with self._opened.reading() as (st, cache):
            inputs = self._inputs(st, cache, self._name(st, log))
            frame = sla_frame(inputs, clock, running=running, breached=breached)
        return _sla_top(frame, top, urgent=not (running or breached), resolved=self.objectives)

    @_remembered
    def sla_summary(
        self, clocks: pd.DataFrame | None = None, *, log: str | None = None
    ) -> pd.DataFrame:
        """:func:`pdca.api.measure.sla_summary` of ``clocks`` (default: this desk's
        :meth:`sla`)."""
        from pdca.api.measure import sla_summary  # noqa: PLC0415

        return sla_summary(self.sla(log=log) if clocks is None else clocks)

    def most_urgent(
        self,
        clocks: pd.DataFrame | None = None,
        *,
        only_urgent: bool = False,
        log: str | None = None,
    ) -> pd.DataFrame:
        """:func:`pdca.api.measure.most_urgent` of ``clocks`` (default: this desk's :meth:`sla`)."""
        from pdca.api.measure import most_urgent  # noqa: PLC0415

        return most_urgent(self.sla(log=log) if clocks is None else clocks, only_urgent=only_urgent)

    @_remembered
    def sla_clocks(
        self,
        state: str,
        clocks: pd.DataFrame | None = None,
        *,
        log: str | None = None,
        limit: int | None = None,
        offset: int = 0,
    ) -> pd.DataFrame:
        """The clocks behind one count of :func:`pdca.api.measure.sla_summary` (``clocks``,
        ``met``, ``breached``, ``running`` within the target, ``about_to_breach``), most urgent
        first (:func:`pdca.api.measure.most_urgent`), of ``clocks`` (default: this desk's
        :meth:`sla`), declaring the objectives like :meth:`sla`. With ``limit``: at most that
        many of them after the first ``offset``, and ``attrs["total"]`` says how many there are."""
        from pdca.api.measure import SUMMARY_COUNTS, _states, most_urgent  # noqa: PLC0415

        if state not in SUMMARY_COUNTS:
            raise InputError(f"unknown clock state {state!r}", f"use {', '.join(SUMMARY_COUNTS)}")
        if (limit is not None and limit < 0) or offset < 0:
            raise InputError("limit and offset count clocks", "give numbers of 0 or more")
        if limit is not None:
            every = self.sla_clocks(state, clocks, log=log)
            shown = every.iloc[offset : offset + limit].reset_index(drop=True)
            shown.attrs = {**every.attrs, "total": len(every)}
            return shown
        if clocks is None:
            clocks = self.sla(log=log)
        chosen = clocks[_states(clocks)[state].to_numpy()]
        chosen.attrs = dict(clocks.attrs)
        return most_urgent(chosen).reset_index(drop=True)

    @_remembered
    def sla_agreement(self, *, log: str | None = None) -> dict[str, Any]:
        """:func:`pdca.api.sla_agreement` on this desk."""
        from pdca.api.measure import OBJECTIVES_ATTR  # noqa: PLC0415
        from pdca.methods.kpi.clock import sla_clocks  # noqa: PLC0415
        from pdca.methods.kpi.source_sla import source_agreement  # noqa: PLC0415

        with self._opened.reading() as (st, cache):
            inputs = self._inputs(st, cache, self._name(st, log))
            clocks = sla_clocks(inputs.events, inputs.tickets, self.objectives.objectives)
            record: dict[str, Any] = source_agreement(clocks, inputs.events).to_dict()
        record[OBJECTIVES_ATTR] = self.objectives.metadata()
        return record

    @_remembered
    def sla_capability(
        self,
        *,
        log: str | None = None,
        clock: str = "resolution",
        by: str = Col.PRIORITY,
        min_tickets: int = 30,
    ) -> pd.DataFrame:
        """:func:`pdca.api.sla_capability` on this desk."""
        from pdca.api.measure import capability_frame  # noqa: PLC0415

        frame = self.sla(log=log, clock=clock)
        return capability_frame(frame, self.objectives, by, min_tickets)

    # -- Control -------------------------------------------------------------------------------
    def monitor(
        self,
        *,
        log: str | None = None,
        kpis: Sequence[str] = (),
        by: str | None = "auto",
        period: str = "week",
        phase1: int | None = None,
        current: int = 3,
        top: int = 10,
        rules: Any = "western-electric",
        charts: bool = False,
        min_n: int | None = None,
        include_incomplete: bool = False,
    ) -> pd.DataFrame:
        """:func:`pdca.api.monitor` on this desk."""
        found = self.monitor_details(
            log=log,
            kpis=kpis,
            by=by,
            period=period,
            phase1=phase1,
            current=current,
            top=top,
            rules=rules,
            min_n=min_n,
            include_incomplete=include_incomplete,
        )
        chosen: pd.DataFrame = found.charts if charts else found.signals
        return chosen

    @_remembered
    def monitor_details(
        self,
        *,
        log: str | None = None,
        kpis: Sequence[str] = (),
        by: str | None = "auto",
        period: str = "week",
        phase1: int | None = None,
        current: int = 3,
        top: int = 10,
        rules: Any = "western-electric",
        min_n: int | None = None,
        include_incomplete: bool = False,
    ) -> Any:
        """:func:`pdca.api.monitor_details` on this desk."""
        from pdca.api.control import monitor_inputs  # noqa: PLC0415
        from pdca.errors import ConfigError  # noqa: PLC0415

        if period not in {"day", "week", "month"}:
            raise ConfigError(f"unknown period {period!r}", hint="use day, week or month")
        self.objectives  # noqa: B018 (resolved before the store is read, as the function does)
        with self._opened.reading() as (st, cache):
            inputs = self._inputs(st, cache, self._name(st, log))
            return monitor_inputs(
                inputs,
                kpis=kpis,
                by=by,
                period=period,
                phase1=phase1,
                current=current,
                top=top,
                rules=rules,
                min_n=min_n,
                include_incomplete=include_incomplete,
            )

    # -- Analyse -------------------------------------------------------------------------------
    @_remembered
    def mine_parts(
        self,
        view: str,
        *,
        log: str | None = None,
        activity: Sequence[str] = (Col.ACTIVITY,),
        by: str = Col.ASSIGNMENT_GROUP,
        top: int | None = None,
        filters: Sequence[str] = (),
        model: Path | str | None = None,
        calendar: str | None = None,
    ) -> dict[str, pd.DataFrame]:
        """:func:`pdca.api.mine_parts` on this desk (the store's log; a calendar of the desk's
        objectives)."""
        from pdca.api.analyse import ask_view  # noqa: PLC0415

        with self._opened.reading() as (st, _):
            name = self._name(st, log)
            tables = self._tables(st, name)
            return ask_view(
                view,
                tables.events,
                tables.kept,
                activity=activity,
                by=by,
                top=top,
                filters=filters,
                model=model,
                calendar=calendar,
                objectives=self.objectives.objectives if calendar is not None else None,
            )

    def mine(
        self,
        view: str,
        *,
        part: str | None = None,
        log: str | None = None,
        activity: Sequence[str] = (Col.ACTIVITY,),
        by: str = Col.ASSIGNMENT_GROUP,
        top: int | None = None,
        filters: Sequence[str] = (),
        model: Path | str | None = None,
        calendar: str | None = None,
    ) -> pd.DataFrame:
        """:func:`pdca.api.mine` on this desk."""
        from pdca.api.analyse import pick_part  # noqa: PLC0415

        parts = self.mine_parts(
            view,
            log=log,
            activity=activity,
            by=by,
            top=top,
            filters=filters,
            model=model,
            calendar=calendar,
        )
        return pick_part(view, parts, part)

    @_remembered
    def process_map(
        self,
        *,
        log: str | None = None,
        activity: Sequence[str] = (Col.ACTIVITY,),
        filters: Sequence[str] = (),
        label: str = "frequency",
        max_activities: int | None = None,
        min_edge_share: float = 0.0,
        title: str | None = None,
        calendar: str | None = None,
    ) -> str:
        """:func:`pdca.api.process_map` on this desk."""
        from pdca.api.analyse import draw_map  # noqa: PLC0415

        goals = self.objectives.objectives if calendar is not None else None
        with self._opened.reading() as (st, _):
            name = self._name(st, log)
            tables = self._tables(st, name)
            return draw_map(
                name,
                tables.events,
                tables.kept,
                activity=activity,
                filters=filters,
                label=label,
                max_activities=max_activities,
                min_edge_share=min_edge_share,
                title=title,
                calendar=calendar,
                objectives=goals,
            )

    @_remembered
    def column_values(self, column: str, *, log: str | None = None, limit: int = 12) -> list[str]:
        """:func:`pdca.api.analyse.column_values` on this desk."""
        with self._opened.reading() as (st, _):
            events = self._tables(st, self._name(st, log)).events
            counts = events[column].value_counts()
            count = counts.columns[-1]
            top = counts.filter(counts[column].notnull())
            top = top.order_by(counts[count].desc()).limit(limit)
            frame: pd.DataFrame = top.to_pandas()
        return [str(v) for v in frame[column]]

    # -- Data ----------------------------------------------------------------------------------
    @_remembered
    def status(self) -> pd.DataFrame:
        """:func:`pdca.status`: one row per log (a scoped desk counts its visible tickets and
        events only, and lists only the logs where it sees some)."""
        with self._opened.reading() as (st, _):
            whole: pd.DataFrame = st.logs()
            if not self._scope:
                return whole
            from pdca.api.desk_scope import scoped_status  # noqa: PLC0415

            tables = self._tables(st, None)
            return scoped_status(whole, tables.events, tables.surveys)

    def logs(self) -> list[str]:
        """The names of the logs (a scoped desk: those where it sees tickets)."""
        return [str(v) for v in self.status()["log"]]

    def events(
        self,
        log: str | None = None,
        *,
        case_ids: Sequence[str] | None = None,
        where: Mapping[str, Any] | None = None,
        limit: int | None = None,
        offset: int = 0,
    ) -> pd.DataFrame:
        """:func:`pdca.events`: canonical events in their stable order (every log unless ``log``
        or the desk's log names one), for drill-down only those of the tickets ``case_ids`` and
        whose columns hold the values of ``where`` (``{"priority": "1 - Critical"}``, or a list
        of values), at most ``limit`` rows after the first ``offset``."""
        name = log if log is not None else self._log
        plain = not (self._scope or case_ids is not None or where or limit is not None or offset)
        with self._opened.reading() as (st, _):
            if plain and isinstance(st, Store):
                return st.events_df(name)
            if name is not None:
                name = self._name(st, name)
            table = _drill(self._tables(st, name).events, case_ids, where)
            table = _page(table.order_by(list(_ORDER)), limit, offset)
            if isinstance(st, Store):
                import ibis  # noqa: PLC0415

                return st.query(str(ibis.to_sql(table, dialect="duckdb")))
            frame: pd.DataFrame = table.to_pandas()
            return frame

    def tickets(
        self,
        log: str | None = None,
        *,
        case_ids: Sequence[str] | None = None,
        where: Mapping[str, Any] | None = None,
        limit: int | None = None,
        offset: int = 0,
    ) -> pd.DataFrame:
        """:func:`pdca.tickets`: tickets with their derived facts; with any filter, scope or
        ``limit`` ordered by log and ticket (filters as in :meth:`events`)."""
        name = log if log is not None else self._log
        plain = not (self._scope or case_ids is not None or where or limit is not None or offset)
        with self._opened.reading() as (st, _):
            if name is not None and not plain:
                name = self._name(st, name)
            table = self._tables(st, name).tickets
            if not plain:
                table = _drill(table, case_ids, where).order_by([Col.LOG, Col.CASE_ID])
                table = _page(table, limit, offset)
            frame: pd.DataFrame = table.to_pandas()
            return frame


def build_inputs(tables: _Tables, goals: Any) -> Inputs:
    """What the KPIs of a log read: its events, tickets, surveys, the objectives and the tables
    the import kept (none on Spark, none for a scoped desk)."""
    return Inputs(
        tables.events,
        tables.tickets,
        extra={"objectives": goals},
        surveys=tables.surveys,
        kept=tables.kept,
    )


def _kept_tables(st: Any, log: str) -> Callable[[str], Any]:
    """The tables the import kept for the whole log (for :class:`Inputs`)."""
    return lambda name: st.derived(name, log)


def _drill(table: Any, case_ids: Sequence[str] | None, where: Mapping[str, Any] | None) -> Any:
    """The rows of ``table`` of the tickets ``case_ids`` whose columns hold ``where``'s values."""
    if case_ids is not None:
        table = table.filter(table[Col.CASE_ID].isin([str(c) for c in case_ids]))
    for column, value in (where or {}).items():
        if column not in table.columns:
            raise InputError(
                f"there is no column {column!r} to filter on",
                f"use one of: {', '.join(table.columns)}",
            )
        if value is None:
            table = table.filter(table[column].isnull())
        elif isinstance(value, str | int | float | bool):
            table = table.filter(table[column] == value)
        else:
            table = table.filter(table[column].isin(list(value)))
    return table


def _page(table: Any, limit: int | None, offset: int) -> Any:
    if limit is not None and limit < 0:
        raise InputError(f"limit {limit} is negative", "give a number of rows")
    if offset < 0:
        raise InputError(f"offset {offset} is negative", "give a number of rows to skip")
    if limit is None and not offset:
        return table
    return table.limit(limit, offset=offset)


def _sla_top(
    frame: pd.DataFrame, top: int | None, *, urgent: bool, resolved: Resolved
) -> pd.DataFrame:
    from pdca.api.measure import _declare, most_urgent  # noqa: PLC0415

    if top is not None:
        frame = most_urgent(frame, only_urgent=urgent).head(top)
        frame = frame.reset_index(drop=True)
    return _declare(frame, resolved, {})


def open(
    store: Path | str | None = None,
    *,
    objectives: Goals = None,
    engine: EngineSettings | str | None = None,
    log: str | None = None,
) -> Desk:
    """Open a store for questions: a :class:`Desk` (a context manager; :meth:`Desk.close` it).

    ``store`` is the store directory (default ``$PDCA_STORE``, else ``./.pdca``), read-only;
    ``objectives`` an objectives file (or what :func:`resolve_objectives` found; else the usual
    lookup, done once on first use); ``engine`` ``"duckdb"`` or ``"spark"`` (default: the
    configuration's); ``log`` the log every question is about unless it names another (default:
    the store's only log).
    """
    opened = _Opened(store, engine)
    try:
        if log is not None:
            with opened.reading() as (st, _):
                choose_log(st, log)
    except BaseException:
        opened.close()
        raise
    return Desk(opened, objectives=objectives, log=log)
