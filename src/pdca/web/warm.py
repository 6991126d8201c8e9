"""Warm-up: the app asks its desk the questions of its usual pages before anyone does.

A desk keeps every answer until it is replaced (:mod:`pdca.api.desk_memo`), so a page that was
asked once answers from memory. On a large store the first asking takes seconds (1.1M events:
1 to 5 s per page on two cores), so the app asks them itself, in the background:

- when ``pdca serve`` starts (the first visitors may still wait for a page not yet warmed);
- after an import, on the **new** desk before it replaces the old one — the pages keep answering
  from the old data until the new desk knows the same pages, so an import never makes the usual
  pages slow.

The usual pages are, for every log: the scorecard, the KPI catalogue, each KPI's page as it
opens (weekly trend, control chart, first breakdown), the SLA page's first pages and the
monitor. Other questions (another period or breakdown, a drill-down, the process map with
filters, a scoped user's view) are computed on first asking and then kept. The warm-up asks the
same functions the pages call (``pages/*.py``), so it warms exactly what they ask.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from functools import partial
from typing import Any

LOG = logging.getLogger(__name__)


def usual_questions(desk: Any) -> list[tuple[str, Callable[[], Any]]]:
    """What the usual pages ask ``desk``, page by page: ``(what, ask)``."""
    from pdca.web.api.sla import clock_rows, group_rows, summary_rows  # noqa: PLC0415
    from pdca.web.pages.kpis import (  # noqa: PLC0415
        catalogue_view,
        default_breakdown,
        kpi_page_views,
    )
    from pdca.web.pages.monitor import monitor_view  # noqa: PLC0415
    from pdca.web.pages.sla import LISTS, PAGE_SIZE  # noqa: PLC0415
    from pdca.web.views import scorecard_view  # noqa: PLC0415

    asks: list[tuple[str, Callable[[], Any]]] = []
    for log in desk.logs():
        asks.append((f"scorecard of {log}", partial(scorecard_view, desk, log)))
        asks.append((f"SLA summary of {log}", partial(summary_rows, desk, log)))
        for state, *_ in LISTS:
            asks.append(
                (f"SLA {state} of {log}", partial(clock_rows, desk, log, state, PAGE_SIZE, 0))
            )
        asks.append((f"SLA by group of {log}", partial(group_rows, desk, log)))
        monitor = partial(monitor_view, desk, log, period="week", by="auto")
        asks.append((f"monitor of {log}", monitor))
        for row in catalogue_view(desk, log)["rows"]:
            kpi = str(row["kpi"])
            opening = partial(kpi_page_views, desk, log, kpi, "week", default_breakdown(kpi))
            asks.append((f"KPI {kpi} of {log}", opening))
    return asks


def warm(desk: Any, *, stop: threading.Event | None = None) -> dict[str, Any]:
    """Ask ``desk`` the usual pages' questions (stopping early when ``stop`` is set); returns
    what was asked, how long it took and which questions failed (a failing page shows its own
    error when visited; the warm-up goes on)."""
    began = time.perf_counter()
    asked, failed = 0, []
    for what, ask in usual_questions(desk):
        if stop is not None and stop.is_set():
            break
        try:
            ask()
        except Exception as exc:
            failed.append(f"{what}: {type(exc).__name__}: {exc}")
        asked += 1
    seconds = round(time.perf_counter() - began, 2)
    LOG.info("warmed %d questions in %.1f s (%d failed)", asked, seconds, len(failed))
    return {"asked": asked, "seconds": seconds, "failed": failed}


def warm_in_background(desk: Any) -> threading.Thread:
    """Start :func:`warm` on ``desk`` in a daemon thread."""
    thread = threading.Thread(target=warm, args=(desk,), name="pdca-warm", daemon=True)
    thread.start()
    return thread
