"""The Control API: control charts of any measurement file, and KPI monitoring of the store.

:func:`spc` charts a quality manager's own data (a CSV or Excel file, or a DataFrame) the way
Minitab does: name the value column, the subgroup, size, stage and label columns, phase I and the
rules. :func:`control_chart` draws it as SVG. :func:`monitor` puts the store's KPIs on the charts
that fit them, per group and period, and lists the current signals (docs/monitor.md).
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from pdca.api.common import resolve_objectives
from pdca.engine.choice import EngineSettings
from pdca.errors import ConfigError, InputError
from pdca.methods.kpi.catalogue import TICKET_BREAKDOWNS
from pdca.methods.kpi.definition import Inputs
from pdca.methods.spc.base import ControlChart
from pdca.methods.spc.monitor import MISSING, Monitor
from pdca.methods.spc.monitor import monitor as monitor_kpis
from pdca.methods.spc.registry import CHARTS
from pdca.methods.spc.registry import chart as make_chart
from pdca.methods.spc.rules import RULE_SETS, RuleSpec
from pdca.model.schema import Col
from pdca.render.control_chart import control_chart_svg

SIZED = frozenset({"p", "np", "u", "laney-p", "laney-u"})
"""Charts whose points need a subgroup size or area of opportunity."""
SUBGROUPED = frozenset({"xbar-r", "xbar-s"})
RULE_ALIASES = {"we": "western-electric", "ah": "anhoej", "anhøj": "anhoej"}
_DECIMAL_COMMA = r"[+-]?\d*(?:,\d+)?"

Data = Path | str | pd.DataFrame
Columns = str | Sequence[str]
Phase1 = int | tuple[int, int] | str | None


def spc(
    data: Data,
    chart: str,
    value: Columns,
    *,
    subgroup: str | None = None,
    size: str | None = None,
    phase1: Phase1 = None,
    stages: str | None = None,
    rules: RuleSpec | None = None,
    exclude: Sequence[int] = (),
    label: str | None = None,
    sheet: str | None = None,
    encoding: str | None = None,
    delimiter: str | None = None,
    chart_options: Mapping[str, Any] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Limits and signals of one control chart of a file's columns (docs/monitor.md).

    ``value`` names the measurement (or count) column, or several columns holding one subgroup per
    row; ``subgroup`` the column whose equal values form a subgroup; ``size`` the subgroup sizes
    or areas of opportunity (p, np, u, Laney charts); ``stages`` a column of stage labels (limits
    per stage); ``label`` the column naming each point (dates). ``phase1`` is the first N points of
    each stage, or ``(A, B)`` / ``"A:B"``, the points A to B (1-based, within each stage): points
    before A are excluded from the estimates, points after B are phase II. ``exclude`` lists
    points (1-based) left out of the estimates. ``rules`` is ``we``, ``nelson``, ``anhoej`` or
    rule ids such as ``"WE1,N2"``. ``chart_options`` are the chart's own parameters (docs/spc.md):
    ``{"smoothing": 0.1, "nsigmas": 2.7}`` for EWMA's λ and L, ``{"reference": 0.5,
    "decision": 5}`` for CUSUM's k and h, ``{"sigma": "pooled-sbar"}`` for an estimator of sigma or
    ``{"sigma": 1.0, "centre": 10.0}`` for known values (:func:`chart_parameters` lists them).

    Returns the limits (one row per point and panel, column ``panel`` first) and the signals.
    """
    fitted = fit_chart(
        data,
        chart,
        value,
        subgroup=subgroup,
        size=size,
        phase1=phase1,
        stages=stages,
        rules=rules,
        exclude=exclude,
        label=label,
        sheet=sheet,
        encoding=encoding,
        delimiter=delimiter,
        chart_options=chart_options,
    )
    return limits_frame(fitted), signals_frame(fitted)


def control_chart(
    data: Data,
    chart: str,
    value: Columns,
    *,
    title: str | None = None,
    y_label: str | None = None,
    **options: Any,
) -> str:
    """The chart of :func:`spc` (same arguments) as a standalone SVG document."""
    fitted = fit_chart(data, chart, value, **options)
    names = value if isinstance(value, str) else ", ".join(value)
    return control_chart_svg(
        fitted,
        title=title or f"{fitted.id} chart of {names}",
        y_label=y_label if y_label is not None else names,
    )


def fit_chart(
    data: Data,
    chart: str,
    value: Columns,
    *,
    subgroup: str | None = None,
    size: str | None = None,
    phase1: Phase1 = None,
    stages: str | None = None,
    rules: RuleSpec | None = None,
    exclude: Sequence[int] = (),
    label: str | None = None,
    sheet: str | None = None,
    encoding: str | None = None,
    delimiter: str | None = None,
    chart_options: Mapping[str, Any] | None = None,
) -> ControlChart:
    """The fitted chart behind :func:`spc` (its ``limits_``, ``panels_``, ``signals_``, …)."""
    chart_id = chart.lower()
    options = dict(chart_options or {})
    accepted = chart_parameters(chart_id)
    for key in options:
        if key not in accepted or key == "rules":
            raise ConfigError(
                f"the {chart_id} chart has no parameter {key!r}",
                hint=f"its parameters are: {', '.join(p for p in accepted if p != 'rules')}",
            )
    built = make_chart(chart_id, rules=parse_rules(rules), **options)
    frame, where = _read(data, sheet=sheet, encoding=encoding, delimiter=delimiter)
    columns = [value] if isinstance(value, str) else list(value)
    wide = len(columns) > 1
    for name in [*columns, subgroup, size, stages, label]:
        if name is not None and name not in frame.columns:
            raise InputError(
                f"there is no column {name!r} in {where}",
                hint=f"the columns are: {', '.join(repr(str(c)) for c in frame.columns)}",
            )
    if chart_id in SIZED and size is None:
        raise InputError(f"the {chart_id} chart needs --size", hint="the subgroup size column")
    if chart_id in SUBGROUPED and subgroup is None and not wide:
        raise InputError(
            f"the {chart_id} chart needs subgroups",
            hint="name the subgroup column (--subgroup) or several value columns",
        )
    numbers = {c: _numbers(frame[c], c, where) for c in [*columns, *([size] if size else [])]}
    keep = np.all([v.notna().to_numpy() for v in numbers.values()], axis=0)
    frame = frame[keep].reset_index(drop=True)
    numbers = {c: v[keep].reset_index(drop=True) for c, v in numbers.items()}
    if frame.empty:
        raise InputError(f"{where} has no rows with numbers in {', '.join(columns)}")
    if wide:
        values: Any = np.column_stack([numbers[c].to_numpy() for c in columns])
        groups, first = None, np.arange(len(frame))
    elif subgroup is not None:
        values = numbers[columns[0]].to_numpy()
        codes, _ = pd.factorize(frame[subgroup].astype(str), sort=False)
        groups = frame[subgroup].astype(str).to_numpy()
        first = np.unique(codes, return_index=True)[1]
        _constant_within(frame, codes, [stages], where)
    else:
        values, groups, first = numbers[columns[0]].to_numpy(), None, np.arange(len(frame))
    sizes = numbers[size].to_numpy()[first] if size else None
    stage = frame[stages].astype(str).to_numpy()[first] if stages else None
    phase, excluded = _phase_and_exclusions(len(first), stage, phase1, exclude)
    built.fit(values, sizes, groups=groups, stage=stage, phase=phase, exclude=excluded)
    if label is not None:
        labels = frame[label].astype(str).to_numpy()[first]
        for panel in built.panels_.values():
            panel["label"] = labels
    return built


def chart_parameters(chart: str) -> tuple[str, ...]:
    """The parameters of the chart with this id (``smoothing``, ``nsigmas``, ``sigma``, …)."""
    chart_id = chart.lower()
    if chart_id not in CHARTS:
        raise ConfigError(f"unknown chart {chart!r}", hint=f"use one of {', '.join(CHARTS)}")
    signature = inspect.signature(CHARTS[chart_id].__init__)
    return tuple(p for p in signature.parameters if p != "self")


def parse_rules(rules: RuleSpec | None) -> RuleSpec | None:
    """``we``, ``nelson``, ``anhoej``, a set name or a comma list of rule ids, as a rule spec."""
    if not isinstance(rules, str):
        return rules
    parts = [p.strip() for p in rules.split(",") if p.strip()]
    if not parts:
        raise ConfigError("no rules given", hint=f"use {', '.join(RULE_SETS)} or ids like WE1,N2")
    return [RULE_ALIASES.get(p.lower(), p) for p in parts]


def parse_phase1(text: str | None) -> int | tuple[int, int] | None:
    """``N`` (the first N points) or ``A:B`` (points A to B, 1-based) from the command line."""
    if text is None or not text.strip():
        return None
    found = re.fullmatch(r"\s*(\d+)\s*(?::\s*(\d+)\s*)?", text)
    if not found:
        raise ConfigError(f"--phase1 {text!r} is not N or A:B", hint="e.g. --phase1 25 or 1:25")
    if found.group(2) is None:
        return int(found.group(1))
    return int(found.group(1)), int(found.group(2))


def limits_frame(fitted: ControlChart) -> pd.DataFrame:
    """Every panel of a fitted chart, one row per point and panel, the panel name first."""
    frames = [p.assign(panel=name) for name, p in fitted.panels_.items()]
    out = pd.concat(frames, ignore_index=True)
    return out[["panel", *[c for c in out.columns if c != "panel"]]]


def signals_frame(fitted: ControlChart) -> pd.DataFrame:
    """The signals of a fitted chart: rule, panel, stage, points (1-based), message."""
    rows = [
        {
            "rule": s.rule,
            "panel": s.panel,
            "stage": s.stage,
            "first": min(s.points) + 1 if s.points else None,
            "last": max(s.points) + 1 if s.points else None,
            "flagged": ",".join(str(p + 1) for p in s.flagged),
            "message": s.message,
        }
        for s in fitted.signals_
    ]
    columns = ["rule", "panel", "stage", "first", "last", "flagged", "message"]
    return pd.DataFrame(rows, columns=columns)


def monitor(
    *,
    store: Path | str | None = None,
    engine: EngineSettings | str | None = None,
    log: str | None = None,
    kpis: Sequence[str] = (),
    by: str | None = "auto",
    period: str = "week",
    objectives: Path | str | None = None,
    phase1: int | None = None,
    current: int = 3,
    top: int = 10,
    rules: RuleSpec | None = "western-electric",
    charts: bool = False,
    min_n: int | None = None,
    include_incomplete: bool = False,
) -> pd.DataFrame:
    """Current signals of the store's KPIs across groups (docs/monitor.md).

    ``by`` is a ticket attribute (``"auto"``: ``service`` when the log records services, else
    ``category``; ``None``: the whole service desk); the ``top`` groups with the most tickets are
    charted. ``charts=True`` returns one row per chart (binding, limits, status, the periods left
    out) instead. Points with fewer than ``min_n`` tickets (default: 5 for means and medians, 10
    for shares) and periods the log covers incompletely (unless ``include_incomplete``) are left
    out of the limits and never signal.
    """
    found = monitor_details(
        store=store,
        engine=engine,
        log=log,
        kpis=kpis,
        by=by,
        period=period,
        objectives=objectives,
        phase1=phase1,
        current=current,
        top=top,
        rules=rules,
        min_n=min_n,
        include_incomplete=include_incomplete,
    )
    return found.charts if charts else found.signals


def monitor_details(
    *,
    store: Path | str | None = None,
    engine: EngineSettings | str | None = None,
    log: str | None = None,
    kpis: Sequence[str] = (),
    by: str | None = "auto",
    period: str = "week",
    objectives: Path | str | None = None,
    phase1: int | None = None,
    current: int = 3,
    top: int = 10,
    rules: RuleSpec | None = "western-electric",
    min_n: int | None = None,
    include_incomplete: bool = False,
) -> Monitor:
    """:func:`monitor`'s whole result: the signals, one row per chart, each chart's points and
    limits (``panels``, keyed by KPI and group, with each point's ``n``, whether it ``counted``
    and the ``note`` saying why not) for drawing, and per KPI the incomplete periods left out
    (``incomplete``) and the minimum n (``min_n``)."""
    if period not in {"day", "week", "month"}:
        raise ConfigError(f"unknown period {period!r}", hint="use day, week or month")
    resolved = resolve_objectives(objectives, store=store)  # docs/sla.md: lookup order
    from pdca.api.desk import open as open_desk  # noqa: PLC0415 (the desk imports this module)

    with open_desk(store, objectives=resolved, engine=engine) as desk:
        found: Monitor = desk.monitor_details(
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
        return found


def monitor_inputs(
    inputs: Inputs,
    *,
    kpis: Sequence[str],
    by: str | None,
    period: str,
    phase1: int | None,
    current: int,
    top: int,
    rules: RuleSpec | None,
    min_n: int | None,
    include_incomplete: bool,
) -> Monitor:
    """:func:`monitor_details` of a log's KPI inputs (what the desk answers)."""
    tickets = inputs.tickets
    column = _breakdown(tickets, by)
    groups = _top_groups(tickets, column, top) if column else None
    return monitor_kpis(
        inputs,
        kpis,
        by=column,
        groups=groups,
        period=period,
        phase1=phase1,
        current=current,
        rules=parse_rules(rules) or "western-electric",
        min_n=min_n,
        include_incomplete=include_incomplete,
    )


def _breakdown(tickets: Any, by: str | None) -> str | None:
    if by is None or by in {"", "none"}:
        return None
    if by != "auto":
        if by not in TICKET_BREAKDOWNS:
            raise ConfigError(
                f"cannot monitor by {by!r}", hint=f"use one of: {', '.join(TICKET_BREAKDOWNS)}"
            )
        return by
    for candidate in (Col.SERVICE, Col.CATEGORY):
        if int(tickets.filter(tickets[candidate].notnull()).count().execute()) > 0:
            return candidate
    return None


def _top_groups(tickets: Any, column: str, top: int) -> list[str]:
    """The ``top`` values of ``column`` with the most tickets (counted in the engine)."""
    if top < 1:
        raise ConfigError("--top must be at least 1")
    frame = tickets.group_by(column).aggregate(_n=tickets.count()).execute()
    frame[column] = frame[column].fillna(MISSING).astype(str)
    frame = frame.sort_values(["_n", column], ascending=[False, True])
    return [str(v) for v in frame[column].head(top)]


def _read(
    data: Data, *, sheet: str | None, encoding: str | None, delimiter: str | None
) -> tuple[pd.DataFrame, str]:
    if isinstance(data, pd.DataFrame):
        return data.reset_index(drop=True), "the data"
    from pdca.ingest.reader import ROW  # noqa: PLC0415 (the readers load on use)
    from pdca.ingest.table import read_table  # noqa: PLC0415

    path = Path(data)
    table = read_table(path, encoding=encoding, delimiter=delimiter, sheet=sheet)
    frame = table.raw.frame.drop(columns=[ROW], errors="ignore")
    frame.columns = [str(c).strip() for c in frame.columns]
    return frame, path.name


def _numbers(column: pd.Series, name: str, where: str) -> pd.Series:
    """A column as floats: blank cells are missing, a decimal comma is read as a point."""
    if pd.api.types.is_numeric_dtype(column):
        return column.astype("float64")
    text = column.astype("string").str.strip().replace({"": pd.NA, "*": pd.NA})
    given = text.dropna()
    if given.str.contains(",", regex=False).any() and given.str.fullmatch(_DECIMAL_COMMA).all():
        text = text.str.replace(",", ".", regex=False)
    out = pd.to_numeric(text, errors="coerce")
    bad = out.isna() & text.notna()
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0])
        raise InputError(
            f"column {name!r} of {where} holds {text.iloc[row]!r} (data row {row + 1}), "
            "not a number",
            hint="fix or blank that cell; blank cells are skipped",
        )
    return out.astype("float64")


def _constant_within(
    frame: pd.DataFrame, codes: Any, columns: list[str | None], where: str
) -> None:
    for column in columns:
        if column is None:
            continue
        per = pd.Series(frame[column].astype(str).to_numpy()).groupby(codes).nunique()
        if (per > 1).any():
            raise InputError(
                f"column {column!r} of {where} changes inside a subgroup",
                hint="give every row of a subgroup the same stage",
            )


def _phase_and_exclusions(
    n: int, stage: Any, phase1: Phase1, exclude: Sequence[int]
) -> tuple[np.ndarray[Any, np.dtype[np.int64]] | None, np.ndarray[Any, np.dtype[np.bool_]]]:
    """Phase per point (phase I = points A..B of each stage) and the excluded points."""
    excluded = np.zeros(n, dtype=np.bool_)
    for p in exclude:
        if not 1 <= int(p) <= n:
            raise InputError(f"--exclude names point {p}, but the points run 1..{n}")
        excluded[int(p) - 1] = True
    if isinstance(phase1, str):
        phase1 = parse_phase1(phase1)
    if phase1 is None:
        return None, excluded
    first, last = (1, phase1) if isinstance(phase1, int) else phase1
    if not 1 <= first <= last:
        raise InputError(f"phase I {first}:{last} is not a range of points (1-based, A ≤ B)")
    labels = np.zeros(n) if stage is None else pd.factorize(pd.Series(stage))[0]
    position = pd.Series(labels).groupby(labels).cumcount().to_numpy() + 1
    phase = np.where(position <= last, 1, 2).astype(np.int64)
    excluded |= position < first
    return phase, excluded
