"""SLA clocks (``/sla``): the summary per priority and service (``pdca sla``'s), the running
clocks, those about to breach (least time left first), the breached ones (largest overrun
first) and compliance by assignment group — paginated, with the objectives in force and whether
they are pdca's defaults."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import HTMLResponse

from pdca.web.api.sla import ATTRIBUTION, clock_rows, group_rows, summary_rows
from pdca.web.auth import Viewer
from pdca.web.desk import DeskDep
from pdca.web.pages import add_page
from pdca.web.templating import page

router = APIRouter(include_in_schema=False)
add_page("sla", "SLA", "/sla")

PAGE_SIZE = 25
LISTS = (
    (
        "running",
        "rp",
        "Running clocks",
        "still running within the target, least time to breach first",
    ),
    (
        "about_to_breach",
        "up",
        "About to breach",
        "running with less than {share} of the target left, least time to breach first",
    ),
    (
        "breached",
        "bp",
        "Breached",
        "past the target, stopped or still running; largest overrun first",
    ),
)
"""Each list of clocks: the summary count it lists, its page parameter, title and order."""
BY_TITLES = {"all": "All tickets", "priority": "By priority", "service": "By service"}
Page = Annotated[int, Query(ge=1, le=1_000_000)]


def _duration(seconds: Any) -> str:
    from pdca.render import format_duration  # noqa: PLC0415

    return "" if seconds is None else format_duration(float(seconds))


def _pct(share: Any) -> str:
    return "" if share is None else f"{share:.1%}"


def _verdict(met: Any) -> str:
    return "" if met is None else ("met" if met else "breached")


def _clock_view(row: dict[str, Any]) -> dict[str, Any]:
    """A clock as a table row: durations and times for people."""
    target, elapsed = row.get("target_s"), row.get("elapsed_s")
    overrun = None
    if row.get("breached") and target is not None and elapsed is not None:
        overrun = float(elapsed) - float(target)
    return {
        **row,
        "target": _duration(target),
        "elapsed": _duration(elapsed),
        "time_to_breach": _duration(row.get("time_to_breach_s")),
        "overrun": _duration(overrun),
        "started": (row.get("started_at") or "").replace("T", " ")[:16],
        "source": ""
        if row.get("source_met") is None
        else ("met" if row["source_met"] else "breached"),
    }


def _pager(request: Request, key: str, number: int, total: int) -> dict[str, Any]:
    pages = max(1, -(-total // PAGE_SIZE))
    base = {k: v for k, v in request.query_params.items() if k != key}

    def link(n: int) -> str | None:
        if not 1 <= n <= pages or n == number:
            return None
        return "/sla?" + urlencode({**base, key: n})

    return {"page": number, "pages": pages, "prev": link(number - 1), "next": link(number + 1)}


@router.get("/sla", response_class=HTMLResponse)
def sla(
    request: Request,
    who: Viewer,
    desk: DeskDep,
    log: Annotated[str | None, Query(max_length=500)] = None,
    rp: Page = 1,
    up: Page = 1,
    bp: Page = 1,
    gp: Page = 1,
) -> HTMLResponse:
    """The SLA page of one log (the first, unless ``log`` names another)."""
    from pdca.api.measure import ABOUT_TO_BREACH  # noqa: PLC0415

    logs = desk.logs()
    if not logs:
        return page(request, "sla.html", nav_key="sla", title="SLA", empty=True)
    log = log or logs[0]
    if log not in logs:
        raise HTTPException(404, "there is no such log in the store")
    summary, objectives = summary_rows(desk, log)
    numbers = {"rp": rp, "up": up, "bp": bp}
    lists = []
    for state, key, title, order in LISTS:
        number = numbers[key]
        rows, total, _ = clock_rows(desk, log, state, PAGE_SIZE, (number - 1) * PAGE_SIZE)
        lists.append(
            {
                "state": state,
                "title": title,
                "order": order.format(share=f"{ABOUT_TO_BREACH:.0%}"),
                "total": total,
                "first": (number - 1) * PAGE_SIZE + 1,
                "rows": [_clock_view(r) for r in rows],
                "pager": _pager(request, key, number, total),
            }
        )
    groups, _ = group_rows(desk, log)
    group_pager = _pager(request, "gp", gp, len(groups))
    groups = groups[(gp - 1) * PAGE_SIZE : gp * PAGE_SIZE]
    sections = [
        {
            "by": by,
            "title": title,
            "rows": [
                {**r, "compliance_pct": _pct(r["compliance"])} for r in summary if r["by"] == by
            ],
        }
        for by, title in BY_TITLES.items()
    ]
    return page(
        request,
        "sla.html",
        nav_key="sla",
        title=f"SLA: {log}",
        empty=False,
        log=log,
        logs=logs,
        objectives=objectives,
        sections=[s for s in sections if s["rows"]],
        share=f"{ABOUT_TO_BREACH:.0%}",
        lists=lists,
        groups=[
            {
                **g,
                "resolution": _pct(_share(g.get("sla_resolution_pct"))),
                "response": _pct(_share(g.get("sla_response_pct"))),
            }
            for g in groups
        ],
        group_pager=group_pager,
        attribution=ATTRIBUTION,
        services=any(r["by"] == "service" for r in summary),
    )


def _share(pct: Any) -> float | None:
    return None if pct is None else float(pct) / 100
