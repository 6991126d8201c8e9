"""The configuration: calibrated defaults, validation with one-line errors, derived files."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest
from pydantic import ValidationError

from pdca.errors import ConfigError
from pdca.model.objectives import load_objectives
from pdca.simulate import InjectedChange, SimulationConfig
from pdca.simulate import calibrated as cal
from pdca.simulate.catalog import build_catalog
from pdca.simulate.config import make_config
from pdca.simulate.lifecycle import sample_table
from pdca.simulate.truth import objectives_toml

SERVICENOW_PRIORITY_SHARE = {
    "1 - Critical": 0.0106,
    "2 - High": 0.0162,
    "3 - Moderate": 0.9415,
    "4 - Low": 0.0317,
}
"""Measured by tests/simulate/calibration.py (share of tickets per priority, last row)."""


def test_default_priority_mix_is_servicenows() -> None:
    shares = SimulationConfig().priority_shares()
    assert sum(shares.values()) == pytest.approx(1.0)
    for prio, share in SERVICENOW_PRIORITY_SHARE.items():
        assert shares[prio] == pytest.approx(share, abs=6e-4)


def test_total_tickets_default_and_exact() -> None:
    assert SimulationConfig().total_tickets == 137 * 365
    assert SimulationConfig(days=10).total_tickets == 1370
    assert SimulationConfig(days=10, tickets=5).total_tickets == 5
    config = SimulationConfig(days=2)
    assert (config.end_at - config.start_at).days == 2


def test_quantile_tables_are_sampled_through_their_knots() -> None:
    table = cal.RESOLUTION_HOURS["3 - Moderate"]
    knots = np.asarray(cal.QUANTILE_PROBS)
    assert np.allclose(sample_table(table, knots), table)
    between = sample_table(table, np.asarray([0.55]))[0]
    assert table[6] < between < table[7]
    assert between == pytest.approx(np.sqrt(table[6] * table[7]))  # halfway in log hours


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"days": 0}, "days"),
        ({"tickets": 0}, "tickets"),
        ({"arrivals": {"weekday_share": (1, 1, 1)}}, "weekday_share needs 7 values"),
        ({"arrivals": {"holidays": ("13-01",)}}, "arrivals"),
        ({"routing": {"direct_channels": ("Pigeon",)}}, "direct channels"),
        ({"routing": {"ping_pong": 1.5}}, "routing.ping_pong"),
        ({"timing": {"rework_hours": (1.0, 2.0)}}, "rework_hours needs 14 quantiles"),
        ({"timing": {"reopen_after_hours": (5.0,) + (1.0,) * 13}}, "non-decreasing"),
        ({"sla": {}}, "sla needs targets"),
        ({"impact_urgency": ((1, 1, 1),)}, "impact_urgency needs 3 rows"),
        ({"colour": "blue"}, "colour"),
    ],
)
def test_bad_settings_raise_one_line_config_errors(
    options: dict[str, object], message: str
) -> None:
    with pytest.raises(ConfigError, match="invalid simulation setting") as info:
        make_config(**options)
    assert message in str(info.value)
    assert "\n" not in str(info.value)


def test_changes_validate_themselves() -> None:
    with pytest.raises(ValidationError, match="needs a service"):
        InjectedChange(kind="mttr", start=datetime(2025, 1, 1))
    with pytest.raises(ValidationError, match="naive UTC"):
        InjectedChange(kind="pingpong", start=datetime(2025, 1, 1, tzinfo=UTC))


def test_the_objectives_file_carries_the_sla_targets(tmp_path: Path) -> None:
    config = SimulationConfig()
    path = tmp_path / "objectives.toml"
    path.write_text(objectives_toml(config), encoding="utf-8")
    goals = load_objectives(path)
    assert len(goals.sla) == 4
    text = path.read_text(encoding="utf-8")
    assert 'response = "15m"' in text
    assert 'resolution = "4h"' in text


def test_catalog_grows_past_the_named_services() -> None:
    catalog = build_catalog(SimulationConfig.model_validate({"organisation": {"services": 25}}))
    assert catalog.services[:2] == ["Email", "Network"]
    assert catalog.services[-1] == "Service 25"
    assert catalog.service_weights.sum() == pytest.approx(1.0)
    assert np.all(np.diff(catalog.service_weights) <= 0)
    assert len(catalog.cis) == 25 * 5
    # every service has an L2 and an L3 team of the right level
    assert set(catalog.team_level[catalog.service_l2]) == {1}
    assert set(catalog.team_level[catalog.service_l3]) == {2}
