"""Staffing: agents per hour of the week for a service level, and what a plan would achieve.

* :mod:`.erlang_a` — Erlang A (abandonment); Erlang C is :mod:`pdca.methods.spc.erlang`;
* :mod:`.measured` — handling time and patience measured from a log;
* :mod:`.plan` — agents and positions per hour of the week from forecast arrivals;
* :mod:`.capacity` — a discrete-event queue fed by pdca's simulator arrival process calibrated
  to the log: projected backlog and service level of a plan.

The weekly heat map (SVG) is drawn by :mod:`pdca.render.staffing_heatmap`.
"""

from __future__ import annotations

from pdca.methods.staffing.plan import StaffPlan, parse_service_level, plan_week

__all__ = ["StaffPlan", "parse_service_level", "plan_week"]
