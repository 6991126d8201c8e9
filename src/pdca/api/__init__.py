"""The Python API behind every interface: what the CLI (and later the web app) calls.

It is split by the step of the cycle — :mod:`.data` (import, look, export), :mod:`.measure`
(KPIs, scorecard), :mod:`.analyse` (process mining), :mod:`.control` (control charts, KPI
monitoring) — and every public name is also available here. :func:`open` gives a
:class:`~pdca.api.desk.Desk`, one handle on an opened store that answers the same questions
without reopening it (the functions open one for each question). Names load on first use, so a
command pays only for the modules it needs.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

_MODULES: dict[str, tuple[str, ...]] = {
    "pdca.api.data": (
        "ImportReport",
        "Progress",
        "events",
        "export",
        "export_csv",
        "export_parquet",
        "imports",
        "ingest",
        "keep_mining_traces",
        "quarantine",
        "register_exporter",
        "status",
        "suggest_mapping",
        "tickets",
        "SurveyImportReport",
        "ingest_surveys",
    ),
    "pdca.api.desk": ("Desk", "open"),
    "pdca.api.measure": (
        "kpi",
        "kpi_catalogue",
        "scorecard",
        "sla",
        "sla_agreement",
        "sla_capability",
    ),
    "pdca.api.analyse": ("MINING_VIEWS", "mine", "mine_parts", "process_map"),
    "pdca.api.durations": ("DurationStats", "durations", "durations_cannot_give"),
    "pdca.api.control": ("control_chart", "monitor", "monitor_details", "spc"),
    "pdca.api.pull": ("PullReport", "pull"),
    "pdca.api.plan": ("capacity", "forecast", "staff"),
    "pdca.api.improve": (
        "accept_suggestion",
        "adopt_standard",
        "initiative",
        "initiative_log",
        "initiatives",
        "new_initiative",
        "register_report",
        "reverify_all",
        "suggest_initiatives",
        "update_initiative",
        "verify_initiative",
    ),
}
_WHERE = {name: module for module, names in _MODULES.items() for name in names}

if TYPE_CHECKING:
    from pdca.api.analyse import MINING_VIEWS, mine, mine_parts, process_map
    from pdca.api.control import control_chart, monitor, monitor_details, spc
    from pdca.api.data import (
        ImportReport,
        Progress,
        SurveyImportReport,
        events,
        export,
        export_csv,
        export_parquet,
        imports,
        ingest,
        ingest_surveys,
        keep_mining_traces,
        quarantine,
        register_exporter,
        status,
        suggest_mapping,
        tickets,
    )
    from pdca.api.desk import Desk, open
    from pdca.api.durations import DurationStats, durations, durations_cannot_give
    from pdca.api.improve import (
        accept_suggestion,
        adopt_standard,
        initiative,
        initiative_log,
        initiatives,
        new_initiative,
        register_report,
        reverify_all,
        suggest_initiatives,
        update_initiative,
        verify_initiative,
    )
    from pdca.api.measure import (
        kpi,
        kpi_catalogue,
        scorecard,
        sla,
        sla_agreement,
        sla_capability,
    )
    from pdca.api.pull import PullReport, pull


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'pdca.api' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_WHERE})


__all__ = [
    "MINING_VIEWS",
    "Desk",
    "DurationStats",
    "ImportReport",
    "Progress",
    "PullReport",
    "SurveyImportReport",
    "accept_suggestion",
    "adopt_standard",
    "control_chart",
    "durations",
    "durations_cannot_give",
    "events",
    "export",
    "export_csv",
    "export_parquet",
    "imports",
    "ingest",
    "ingest_surveys",
    "initiative",
    "initiative_log",
    "initiatives",
    "keep_mining_traces",
    "kpi",
    "kpi_catalogue",
    "mine",
    "mine_parts",
    "monitor",
    "monitor_details",
    "new_initiative",
    "open",
    "process_map",
    "pull",
    "quarantine",
    "register_exporter",
    "register_report",
    "reverify_all",
    "scorecard",
    "sla",
    "sla_agreement",
    "sla_capability",
    "spc",
    "status",
    "suggest_initiatives",
    "suggest_mapping",
    "tickets",
    "update_initiative",
    "verify_initiative",
]
