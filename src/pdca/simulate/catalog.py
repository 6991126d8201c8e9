"""The simulated organisation: services with their CIs and articles, teams, agents, places.

Everything here follows from the configuration alone (no randomness), so names and codes are
the same in every run with the same :class:`~pdca.simulate.config.Organisation`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from pdca.simulate import calibrated as cal
from pdca.simulate.config import SimulationConfig

Floats = npt.NDArray[np.float64]
Ints = npt.NDArray[np.int64]

# name, code, category, preferred L2 team, preferred L3 team
_SERVICES: tuple[tuple[str, str, str, int, int], ...] = (
    ("Email", "MAIL", "Software", 5, 0),
    ("Network", "NET", "Network", 1, 2),
    ("Laptops & Desktops", "PC", "Hardware", 0, 0),
    ("Identity & Access", "IAM", "Access", 3, 3),
    ("ERP Finance", "ERPF", "Business application", 6, 1),
    ("VPN", "VPN", "Network", 1, 2),
    ("Printing", "PRT", "Hardware", 0, 0),
    ("Collaboration", "COLLAB", "Software", 5, 0),
    ("CRM", "CRM", "Business application", 2, 1),
    ("HR Portal", "HRP", "Business application", 2, 1),
    ("Telephony", "TEL", "Network", 1, 2),
    ("File Storage", "FILE", "Infrastructure", 4, 0),
    ("ERP Logistics", "ERPL", "Business application", 6, 1),
    ("Mobile Devices", "MOB", "Hardware", 0, 0),
    ("Web Shop", "SHOP", "Business application", 2, 1),
    ("Software Distribution", "SWD", "Software", 0, 0),
    ("Data Warehouse", "DWH", "Infrastructure", 7, 1),
    ("Payroll", "PAY", "Business application", 6, 1),
    ("Database Platform", "DB", "Infrastructure", 7, 0),
    ("Security", "SEC", "Security", 3, 3),
)
_L1 = ("Service Desk North", "Service Desk South", "Service Desk East", "Service Desk West")
_L2 = (
    "L2 Workplace",
    "L2 Network",
    "L2 Business Apps",
    "L2 Identity",
    "L2 Infrastructure",
    "L2 Collaboration",
    "L2 ERP",
    "L2 Data",
)
_L3 = (
    "L3 Platform Engineering",
    "L3 Application Development",
    "L3 Network Engineering",
    "L3 Security Operations",
)
_LOCATIONS = (
    "Gothenburg",
    "Ghent",
    "Krakow",
    "Brussels",
    "Bangalore",
    "Curitiba",
    "Lyon",
    "Shanghai",
)
SYMPTOMS: tuple[str, ...] = (
    "Error message",
    "How-to question",
    "Access request",
    "Performance",
    "Hardware fault",
    "Data issue",
    "Outage",
)
SYMPTOM_WEIGHTS: tuple[float, ...] = (0.25, 0.15, 0.15, 0.15, 0.1, 0.1, 0.1)
"""Assumed mix of symptoms (the subcategory); related tickets of a major incident say Outage."""
OUTAGE = SYMPTOMS.index("Outage")
LEVELS: tuple[str, ...] = ("L1", "L2", "L3")


def _named(base: tuple[str, ...], n: int, fallback: str) -> list[str]:
    return [base[i] if i < len(base) else f"{fallback} {i + 1}" for i in range(n)]


def _extend_shares(shares: tuple[float, ...], n: int) -> Floats:
    """The first ``n`` shares, continued geometrically (x 0.9 each) past the measured ones."""
    values = list(shares[:n])
    while len(values) < n:
        values.append(values[-1] * 0.9)
    out: Floats = np.asarray(values, dtype=np.float64)
    result: Floats = out / out.sum()
    return result


def zipf(n: int) -> Floats:
    """Weights 1, 1/2, 1/3, … normalised: a few CIs and articles account for most tickets."""
    w: Floats = 1.0 / np.arange(1, n + 1, dtype=np.float64)
    result: Floats = w / w.sum()
    return result


@dataclass(frozen=True)
class Catalog:
    """Names and codes of everything a ticket can refer to."""

    services: list[str]
    service_weights: Floats
    categories: list[str]
    service_category: Ints
    service_l2: Ints
    service_l3: Ints
    cis: list[str]
    """All CIs, service by service (``cis_per_service`` each)."""
    ci_weights: Floats
    kb_articles: list[str]
    kb_weights: Floats
    teams: list[str]
    """L1 teams, then L2, then L3."""
    team_level: Ints
    team_agents: Ints
    """Index of each team's first agent in :attr:`agents`."""
    agents: list[str]
    locations: list[str]
    location_weights: Floats
    location_l1: Ints
    channels: list[str]
    channel_weights: Floats
    channel_direct: npt.NDArray[np.bool_]
    callers: int
    n_l1: int
    n_l2: int

    def service_code(self, name: str) -> int:
        """Index of a service by name (``-1`` if unknown)."""
        return self.services.index(name) if name in self.services else -1

    def agents_of(self, team: Ints, pick: Floats, sizes: Ints) -> Ints:
        """One agent of each team, chosen by a uniform number ``pick`` in [0, 1)."""
        return self.team_agents[team] + (pick * sizes[team]).astype(np.int64)


def build_catalog(config: SimulationConfig) -> Catalog:
    """The organisation of ``config``."""
    org = config.organisation
    n = org.services
    entries = [
        _SERVICES[i] if i < len(_SERVICES) else (f"Service {i + 1}", f"SVC{i + 1}", "Other", i, i)
        for i in range(n)
    ]
    categories = sorted({e[2] for e in entries})
    cis = [f"{e[1]}-{k + 1:02d}" for e in entries for k in range(org.cis_per_service)]
    kb = [f"KB{i + 1:02d}{k + 1:03d}" for i in range(n) for k in range(org.kb_articles_per_service)]
    l1 = _named(_L1, org.teams_l1, "Service Desk")
    l2 = _named(_L2, org.teams_l2, "L2 Team")
    l3 = _named(_L3, org.teams_l3, "L3 Team")
    sizes = [org.agents_l1] * len(l1) + [org.agents_l2] * len(l2) + [org.agents_l3] * len(l3)
    first_agent = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64)
    agents = [f"Agent {i + 1:03d}" for i in range(int(sum(sizes)))]
    channels = list(config.routing.channels)
    cw = np.asarray(list(config.routing.channels.values()), dtype=np.float64)
    callers = max(50, int(np.ceil(config.total_tickets / org.tickets_per_caller)))
    return Catalog(
        services=[e[0] for e in entries],
        service_weights=_extend_shares(cal.CATEGORY_SHARE_TOP20, n),
        categories=categories,
        service_category=np.asarray([categories.index(e[2]) for e in entries], dtype=np.int64),
        service_l2=np.asarray([len(l1) + e[3] % len(l2) for e in entries], dtype=np.int64),
        service_l3=np.asarray([len(l1) + len(l2) + e[4] % len(l3) for e in entries], np.int64),
        cis=cis,
        ci_weights=zipf(org.cis_per_service),
        kb_articles=kb,
        kb_weights=zipf(org.kb_articles_per_service),
        teams=[*l1, *l2, *l3],
        team_level=np.asarray([0] * len(l1) + [1] * len(l2) + [2] * len(l3), dtype=np.int64),
        team_agents=first_agent,
        agents=agents,
        locations=_named(_LOCATIONS, org.locations, "Location"),
        location_weights=_extend_shares(cal.LOCATION_SHARE_TOP8, org.locations),
        location_l1=np.arange(org.locations, dtype=np.int64) % len(l1),
        channels=channels,
        channel_weights=cw / cw.sum(),
        channel_direct=np.asarray([c in config.routing.direct_channels for c in channels]),
        callers=callers,
        n_l1=len(l1),
        n_l2=len(l2),
    )


def team_sizes(catalog: Catalog) -> Ints:
    """Agents per team."""
    ends = np.append(catalog.team_agents[1:], len(catalog.agents))
    return (ends - catalog.team_agents).astype(np.int64)


def describe(catalog: Catalog) -> dict[str, Any]:
    """The organisation as plain data (for the ground-truth file)."""
    return {
        "services": [
            {
                "name": name,
                "share": round(float(w), 4),
                "category": catalog.categories[int(catalog.service_category[i])],
                "l2_team": catalog.teams[int(catalog.service_l2[i])],
                "l3_team": catalog.teams[int(catalog.service_l3[i])],
            }
            for i, (name, w) in enumerate(
                zip(catalog.services, catalog.service_weights, strict=True)
            )
        ],
        "teams": {
            level: [t for t, lv in zip(catalog.teams, catalog.team_level, strict=True) if lv == i]
            for i, level in enumerate(LEVELS)
        },
        "agents": len(catalog.agents),
        "locations": catalog.locations,
        "channels": catalog.channels,
        "callers": catalog.callers,
    }
