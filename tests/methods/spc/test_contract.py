"""One contract suite over every chart in the registry.

__init__ only stores parameters; fit returns the chart; results end in ``_``; phase-I limits are
frozen for phase II; stages are estimated separately; excluded points do not count; user errors
are pdca errors.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest

from pdca.errors import ConfigError, InputError, PdcaError
from pdca.methods.spc import CHARTS, chart
from pdca.methods.spc.base import PANEL_COLUMNS, ControlChart

N = 30
ISSUE_IDS = {
    "imr",
    "xbar-r",
    "xbar-s",
    "p",
    "np",
    "c",
    "u",
    "laney-p",
    "laney-u",
    "ewma",
    "cusum",
    "t",
    "g",
}
FITTED = ("panels_", "limits_", "signals_", "stages_", "runs_", "estimates_", "rules_")


def _example(chart_id: str, seed: int = 7) -> dict[str, Any]:
    """Fit arguments with N points for each chart (values in ``values``)."""
    rng = np.random.default_rng(seed)
    sizes = rng.integers(40, 61, N).astype(float)
    makers: dict[str, Callable[[], dict[str, Any]]] = {
        "imr": lambda: {"values": rng.normal(10, 1, N)},
        "xbar-r": lambda: {"values": rng.normal(10, 1, (N, 5))},
        "xbar-s": lambda: {"values": rng.normal(10, 1, (N, 4))},
        "p": lambda: {"values": rng.binomial(sizes.astype(int), 0.2), "sizes": sizes},
        "np": lambda: {"values": rng.binomial(50, 0.2, N), "sizes": np.full(N, 50.0)},
        "c": lambda: {"values": rng.poisson(12, N)},
        "u": lambda: {"values": rng.poisson(sizes * 0.3), "sizes": sizes},
        "laney-p": lambda: {
            "values": rng.binomial(sizes.astype(int) * 100, 0.2),
            "sizes": sizes * 100,
        },
        "laney-u": lambda: {"values": rng.poisson(sizes * 30), "sizes": sizes},
        "ewma": lambda: {"values": rng.normal(10, 1, N)},
        "cusum": lambda: {"values": rng.normal(10, 1, N)},
        "t": lambda: {"values": rng.exponential(5.0, N)},
        "g": lambda: {"values": rng.geometric(0.1, N) - 1.0},
    }
    return makers[chart_id]()


def _fit(chart_id: str, data: dict[str, Any], **kwargs: Any) -> ControlChart:
    return CHARTS[chart_id]().fit(data["values"], data.get("sizes"), **kwargs)


def _with(data: dict[str, Any], mask: np.ndarray, value: float = 0.0) -> dict[str, Any]:
    """``data`` with the points in ``mask`` set to ``value`` (a valid count for every chart)."""
    values = np.array(data["values"], dtype=float)
    values[mask] = value
    return {**data, "values": values}


def _limits(fitted: ControlChart, points: slice | np.ndarray = slice(None)) -> pd.DataFrame:
    cols = ["centre", "lcl", "ucl"]
    return pd.concat(
        {
            name: frame[cols].iloc[points].reset_index(drop=True)
            for name, frame in fitted.panels_.items()
        },
        axis=1,
    )


IDS = sorted(CHARTS)


def test_registry_has_every_chart_of_the_issue() -> None:
    assert set(CHARTS) == ISSUE_IDS
    for chart_id, cls in CHARTS.items():
        assert cls.id == chart_id
        assert issubclass(cls, ControlChart)
        assert cls.definition.strip()


@pytest.mark.parametrize("chart_id", IDS)
def test_init_only_stores_parameters(chart_id: str) -> None:
    cls = CHARTS[chart_id]
    params = [p for p in inspect.signature(cls.__init__).parameters.values() if p.name != "self"]
    assert params, "every chart takes parameters"
    assert all(p.kind is p.KEYWORD_ONLY and p.default is not p.empty for p in params)
    sentinels = {p.name: object() for p in params}
    made = cls(**sentinels)  # no validation or conversion in __init__
    assert vars(made) == sentinels
    assert all(vars(made)[k] is v for k, v in sentinels.items())
    default = cls()
    assert default.get_params() == {p.name: p.default for p in params}
    assert not [k for k in vars(default) if k.endswith("_")]
    assert chart_id in repr(default) or cls.__name__ in repr(default)


@pytest.mark.parametrize("chart_id", IDS)
def test_fit_returns_self_with_results(chart_id: str) -> None:
    data = _example(chart_id)
    made = CHARTS[chart_id]()
    before = dict(vars(made))
    for name in FITTED:
        assert not hasattr(made, name)
    fitted = made.fit(data["values"], data.get("sizes"))
    assert fitted is made
    assert {k: v for k, v in vars(made).items() if not k.endswith("_")} == before
    for name in FITTED:
        assert hasattr(made, name), name
    assert list(made.panels_) == list(made.panels)
    assert made.limits_ is made.panels_[made.panels[0]]
    for frame in made.panels_.values():
        assert len(frame) == N
        assert [c for c in frame.columns if c in PANEL_COLUMNS] == list(PANEL_COLUMNS)
        lcl, centre, ucl = (frame[c].to_numpy() for c in ("lcl", "centre", "ucl"))
        assert np.all(np.isnan(lcl) | (lcl <= centre + 1e-12))
        assert np.all(np.isnan(ucl) | (centre <= ucl + 1e-12))
        assert (frame["phase"] == 1).all()
        assert not frame["excluded"].any()
    assert len(made.stages_) == 1
    assert made.stages_.loc[0, "estimated_from"] == N
    assert made.estimates_
    assert all(isinstance(v, float) for v in made.estimates_.values())


@pytest.mark.parametrize("chart_id", IDS)
def test_refit_is_deterministic(chart_id: str) -> None:
    data = _example(chart_id)
    a = _fit(chart_id, data)
    b = _fit(chart_id, data)
    for name in a.panels:
        pd.testing.assert_frame_equal(a.panels_[name], b.panels_[name])
    assert a.signals_ == b.signals_


@pytest.mark.parametrize("chart_id", IDS)
def test_phase_one_limits_are_frozen_for_phase_two(chart_id: str) -> None:
    data = _example(chart_id)
    phase = np.r_[np.ones(20, dtype=int), np.full(N - 20, 2)]
    fitted = _fit(chart_id, data, phase=phase)
    assert fitted.stages_.loc[0, "estimated_from"] == 20
    changed = _fit(chart_id, _with(data, phase == 2), phase=phase)
    pd.testing.assert_frame_equal(_limits(fitted), _limits(changed))
    assert not fitted.limits_["value"].equals(changed.limits_["value"])
    trial = {k: np.asarray(v)[:20] for k, v in data.items()}
    alone = _fit(chart_id, trial)
    pd.testing.assert_frame_equal(_limits(fitted, slice(0, 20)), _limits(alone))
    assert list(fitted.limits_["phase"]) == list(phase)


@pytest.mark.parametrize("chart_id", IDS)
def test_stages_are_estimated_separately(chart_id: str) -> None:
    data = _example(chart_id)
    stage = np.array(["before"] * 12 + ["after"] * (N - 12), dtype=object)
    fitted = _fit(chart_id, data, stage=stage)
    assert list(fitted.stages_["stage"]) == ["before", "after"]
    assert list(fitted.stages_["points"]) == [12, N - 12]
    later = {k: np.asarray(v)[12:] for k, v in data.items()}
    alone = _fit(chart_id, later)
    pd.testing.assert_frame_equal(_limits(fitted, slice(12, None)), _limits(alone))
    assert fitted.estimates_ == alone.estimates_
    for signal in fitted.signals_:
        assert len({stage[p] for p in signal.points}) == 1, signal


@pytest.mark.parametrize("chart_id", IDS)
def test_excluded_points_do_not_count(chart_id: str) -> None:
    data = _example(chart_id)
    fitted = _fit(chart_id, data, exclude=[2, 7])
    assert fitted.stages_.loc[0, "estimated_from"] == N - 2
    assert list(np.flatnonzero(fitted.limits_["excluded"])) == [2, 7]
    mask = np.zeros(N, dtype=bool)
    mask[[2, 7]] = True
    changed = _fit(chart_id, _with(data, mask), exclude=mask)
    pd.testing.assert_frame_equal(_limits(fitted), _limits(changed))


@pytest.mark.parametrize("chart_id", IDS)
def test_rules_are_configurable(chart_id: str) -> None:
    data = _example(chart_id)
    cls = CHARTS[chart_id]
    assert [r.id for r in _fit(chart_id, data).rules_] == list(cls.default_rules)
    only = cls(rules="WE1").fit(data["values"], data.get("sizes"))
    assert [r.id for r in only.rules_] == ["WE1"]
    if cls.run_rules:
        nelson = cls(rules="nelson").fit(data["values"], data.get("sizes"))
        assert [r.id for r in nelson.rules_] == [f"N{i}" for i in range(1, 9)]
    else:
        with pytest.raises(ConfigError, match="run rules do not apply"):
            cls(rules="nelson").fit(data["values"], data.get("sizes"))
    with pytest.raises(ConfigError, match="unknown run rule"):
        cls(rules=["WE1", "WE9"]).fit(data["values"], data.get("sizes"))


@pytest.mark.parametrize("chart_id", IDS)
@pytest.mark.parametrize(
    ("change", "match"),
    [
        ({"values": []}, "no .* to chart|need subgroups"),
        ({"phase": np.full(N, 2)}, "phase-I points left"),
        ({"phase": np.r_[np.full(10, 2), np.ones(N - 10, dtype=int)]}, "follow phase-II"),
        ({"phase": np.full(N, 3)}, "phase must be 1"),
        ({"phase": np.ones(N - 1)}, "one entry per point"),
        ({"stage": ["a"] * 10 + ["b"] * 10 + ["a"] * 10}, "comes back"),
        ({"exclude": [N + 3]}, "positions run"),
    ],
)
def test_user_errors_are_pdca_errors(chart_id: str, change: dict[str, Any], match: str) -> None:
    data = _example(chart_id)
    args = {"values": data["values"], "sizes": data.get("sizes")}
    extra = {k: v for k, v in change.items() if k != "values"}
    if "values" in change:
        args["values"] = change["values"]
    with pytest.raises(InputError, match=match):
        CHARTS[chart_id]().fit(args["values"], args["sizes"], **extra)


@pytest.mark.parametrize("chart_id", IDS)
def test_missing_values_are_rejected(chart_id: str) -> None:
    data = _example(chart_id)
    values = np.array(data["values"], dtype=float)
    values.flat[3] = np.nan
    if values.ndim == 2:  # NaN marks a missing observation in a subgroup matrix
        values[4] = np.nan
    with pytest.raises(InputError):
        CHARTS[chart_id]().fit(values, data.get("sizes"))


@pytest.mark.parametrize("chart_id", IDS)
def test_invalid_parameters_are_config_errors(chart_id: str) -> None:
    data = _example(chart_id)
    params = inspect.signature(CHARTS[chart_id].__init__).parameters
    name = next(p for p in ("nsigmas", "decision") if p in params)
    with pytest.raises(ConfigError):
        CHARTS[chart_id](**{name: -1.0}).fit(data["values"], data.get("sizes"))


def test_chart_factory() -> None:
    made = chart("P", nsigmas=2.0)
    assert type(made) is CHARTS["p"]
    assert made.get_params()["nsigmas"] == 2.0
    with pytest.raises(ConfigError, match="unknown chart"):
        chart("xbar")
    with pytest.raises(ConfigError):
        chart("p", smoothing=0.3)
    assert issubclass(ConfigError, PdcaError)
