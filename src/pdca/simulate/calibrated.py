"""The numbers the simulator's defaults are calibrated on, measured once from two real logs.

Each constant says which log and which statistic it comes from; docs/simulator.md has the same
table. They are plain constants: the simulator never reads the logs at run time.
``tests/simulate/calibration.py`` measures them again from the files and a test checks that the
constants below still equal what it measures.

* ServiceNow = the UCI "Incident management process enriched event log" (20,769 incidents,
  119,998 audit rows, day-first minute timestamps; per ticket the last row's attributes).
* Volvo = BPI Challenge 2013 Volvo IT incidents (7,554 tickets, 65,533 events, support levels).

Durations are in hours. Quantile tables have one value per probability of
:data:`QUANTILE_PROBS`; the last knot is the 99.5 % quantile (the extreme tail is cut there) and
values are floored at 30 s (ServiceNow stamps whole minutes, so 0 means "within the minute").
"""

from __future__ import annotations

from typing import Final

PRIORITIES: Final = ("1 - Critical", "2 - High", "3 - Moderate", "4 - Low")
IMPACTS: Final = ("1 - High", "2 - Medium", "3 - Low")
URGENCIES: Final = ("1 - High", "2 - Medium", "3 - Low")

QUANTILE_PROBS: Final = (0.0, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99, 1.0)

# -- ServiceNow: priorities ------------------------------------------------------------------
IMPACT_URGENCY_COUNTS: Final = ((220, 122, 0), (215, 19550, 24), (4, 65, 569))
"""Tickets per impact (rows 1-3) and urgency (columns 1-3)."""
PRIORITY_MATRIX: Final = ((0, 1, 2), (1, 2, 3), (2, 3, 3))
"""Index into :data:`PRIORITIES` for each impact and urgency: every observed pair maps to exactly
one priority; impact 1 with urgency 3 is never observed and takes ServiceNow's default (3)."""

# -- ServiceNow: time to first resolution and to first response, per priority ----------------
RESOLUTION_HOURS: Final[dict[str, tuple[float, ...]]] = {
    "1 - Critical": (0.0083, 0.8058, 2.1683, 5.7067, 18.2433, 27.8133, 66.95, 120.6867,
                     168.86, 293.5, 606.195, 946.6825, 3680.3738, 3956.6847),
    "2 - High": (0.0833, 0.6233, 1.4333, 4.1167, 9.97, 24.1667, 47.45, 114.08, 176.9733,
                 329.8367, 381.55, 556.06, 1040.484, 2242.5167),
    "3 - Moderate": (0.0083, 0.0083, 0.0167, 0.1333, 0.4167, 2.0167, 18.0667, 45.0867,
                     97.4467, 186.63, 354.16, 652.16, 2634.782, 4040.84),
    "4 - Low": (0.0083, 0.0083, 0.0083, 0.0167, 0.1, 0.4167, 3.2583, 27.1367, 77.6683,
                213.0633, 501.18, 1453.08, 5722.1625, 7259.2012),
}  # fmt: skip
"""First event -> first event in state Resolved or Closed (calendar hours, waits included)."""
RESPONSE_HOURS: Final[dict[str, tuple[float, ...]]] = {
    "1 - Critical": (0.0083, 0.0083, 0.0083, 0.0083, 0.0083, 0.16, 0.9583, 2.7467, 5.4633,
                     19.3633, 47.57, 121.7483, 311.8225, 341.7342),
    "2 - High": (0.0083, 0.0083, 0.0083, 0.26, 1.01, 2.1933, 4.55, 12.2733, 23.35, 55.0667,
                 120.47, 271.24, 799.5367, 1302.66),
    "3 - Moderate": (0.0083, 0.0083, 0.0083, 0.0083, 0.0083, 0.0167, 0.2167, 0.95, 5.3567,
                     25.0867, 97.03, 190.3, 621.204, 1494.76),
    "4 - Low": (0.0083, 0.0083, 0.0083, 0.0083, 0.0083, 0.0083, 0.0333, 0.2667, 2.245, 18.93,
                76.095, 166.3017, 332.709, 411.679),
}  # fmt: skip
"""First event -> first event in a state other than New (calendar hours)."""
RESPONSE_RESOLUTION_SPEARMAN: Final = 0.541
"""Spearman rank correlation of response and resolution time per ticket."""
FAST_SHARE_2H: Final = 0.3941
"""Share of resolved tickets resolved within 2 hours (the fast mode of a bimodal distribution)."""

# -- ServiceNow: waiting for the user ---------------------------------------------------------
WAIT_TICKET_SHARE: Final = 0.2299
"""Share of tickets with at least one 'Awaiting User Info' run."""
WAIT_STINTS_PER_WAITING_TICKET: Final = 1.0714
WAIT_VENDOR_SHARE: Final = 0.0391
"""'Awaiting Vendor' runs among 'Awaiting User Info' + 'Awaiting Vendor' runs."""
WAIT_FRACTION_MEDIAN: Final = 0.7349
"""Median share of the time to first resolution spent awaiting the user, for tickets that waited."""

# -- ServiceNow: reopen, closure, knowledge ---------------------------------------------------
REOPEN_SHARE: Final = 0.0113
"""Share of tickets whose reopen_count (last row) is above 0."""
REOPEN_AFTER_HOURS: Final = (0.0167, 0.1, 0.15, 0.36, 0.7733, 1.82, 4.8, 14.91, 19.8833, 28.01,
                             68.8767, 96.6167, 170.8333, 188.5397)  # fmt: skip
"""Length of the Resolved run that a reopen ends."""
REWORK_HOURS: Final = (0.0083, 0.38, 1.1467, 3.95, 8.7967, 21.14, 30.8, 69.4433, 120.9233,
                       190.66, 394.3067, 601.19, 1873.6913, 2308.3023)  # fmt: skip
"""Reopen -> next Resolved/Closed."""
AUTO_CLOSE_HOURS: Final = 120.0
AUTO_CLOSE_SHARE: Final = 0.8309
"""Share of tickets closed 120 to 122 hours after resolved_at (the 5-day auto-close)."""
AUTO_CLOSE_JITTER_MEDIAN: Final = 0.4833
LATE_CLOSE_EXCESS_HOURS: Final = (2.0333, 27.5, 32.7833, 55.4667, 77.3, 103.45, 127.7, 199.3667,
                                  226.1167, 264.0667, 292.6667, 310.9167, 1678.9867,
                                  1725.7433)  # fmt: skip
"""Hours past the 120 h auto-close for tickets closed later than 122 h."""
KNOWLEDGE_SHARE_FAST: Final = 0.0746
"""Share of tickets flagged knowledge=true among those resolved within 2 hours."""
KNOWLEDGE_SHARE_SLOW: Final = 0.2325

# -- ServiceNow: seasonality and population ---------------------------------------------------
WEEKDAY_SHARE: Final = (0.2282, 0.1905, 0.2015, 0.1778, 0.156, 0.0246, 0.0215)
"""Share of tickets opened (opened_at) on Monday ... Sunday."""
HOUR_SHARE_WEEKDAY: Final = (0.0084, 0.007, 0.0052, 0.0039, 0.0038, 0.0037, 0.0101, 0.0235,
                             0.1005, 0.1263, 0.1188, 0.1016, 0.0543, 0.0676, 0.0933, 0.0898,
                             0.077, 0.0438, 0.0177, 0.0091, 0.0076, 0.0145, 0.0075,
                             0.005)  # fmt: skip
HOUR_SHARE_WEEKEND: Final = (0.0522, 0.0397, 0.024, 0.0272, 0.0199, 0.023, 0.0491, 0.0376,
                             0.0805, 0.0596, 0.0909, 0.0564, 0.0355, 0.0397, 0.0449, 0.0408,
                             0.0533, 0.0313, 0.0408, 0.0345, 0.0209, 0.0293, 0.0355,
                             0.0334)  # fmt: skip
TICKETS_PER_CALLER: Final = 4.3
CATEGORY_SHARE_TOP20: Final = (0.14, 0.1396, 0.1163, 0.0988, 0.0633, 0.0466, 0.0464, 0.0436,
                               0.0431, 0.0363, 0.0346, 0.0271, 0.0267, 0.026, 0.0244, 0.0226,
                               0.0219, 0.0196, 0.0131, 0.0099)  # fmt: skip
"""The 20 most frequent categories' shares, renormalised: the popularity of services."""
LOCATION_SHARE_TOP8: Final = (0.2899, 0.1976, 0.1685, 0.1087, 0.1024, 0.0796, 0.0346, 0.0186)

# -- Volvo: routing between support levels and teams -----------------------------------------
START_BEYOND_L1: Final = 0.1128
"""Share of tickets whose first event is at L2 or L3."""
DIRECT_REACHING_L3: Final = 0.2723
"""Among those, the share that reaches L3."""
L1_ESCALATION: Final = 0.3217
"""Among tickets starting at L1, the share that reaches another level."""
ESCALATED_REACHING_L3: Final = 0.1429
ESCALATED_PING_PONG: Final = 0.4745
"""Among escalated tickets (from L1), the share whose level path returns to a level."""
PING_PONG_ENDING_AT_L1: Final = 0.7341
"""Among those, the share whose path ends at L1 (sent back and resolved there)."""
ESCALATED_LATERAL_L2: Final = 0.1378
"""Among escalated tickets, the share handed from one L2 team to another."""
TIME_SHARE_QUEUED: Final = 0.2058
"""Share of the time before the first completion spent in Queued states (waits: 0.4983)."""
TIME_SHARE_WORKED: Final = 0.2959
