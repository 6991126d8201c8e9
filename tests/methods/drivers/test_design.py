"""The design of a driver model: pooling, nesting, aliasing, and contrasts recomputed by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from pdca.errors import InputError
from pdca.methods.drivers import analyse
from pdca.methods.drivers.design import OTHER, build_design
from pdca.methods.drivers.fit import fit_model
from pdca.methods.drivers.outcomes import Family, get_outcome


def _frame(n: int = 600, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    service = rng.choice(
        ["A1", "A2", "B1", "B2", "B3", "C1"], n, p=[0.2, 0.2, 0.2, 0.15, 0.15, 0.1]
    )
    return pd.DataFrame(
        {
            "category": [s[0] for s in service],
            "service": service,
            "channel": rng.choice(["Phone", "Email", "Fax"], n, p=[0.6, 0.37, 0.03]),
            "hours": rng.lognormal(2.0, 1.0, n),
        }
    )


def test_rare_levels_are_pooled_and_a_nested_attribute_is_coded_within_its_parent() -> None:
    frame = _frame()
    design = build_design(frame, ["category", "service", "channel"], min_n=30)
    category, service, channel = design.attributes
    assert channel.pooled == ["Fax"]  # 3 % of 600 tickets
    assert channel.absorbed == {OTHER: "Phone"}  # alone in (other), still too small
    assert channel.levels == ["Phone", "Email"]
    assert build_design(frame, ["channel"], min_n=10).attributes[0].levels[-1] == "Fax"
    assert service.parent == "category"
    assert service.parent_level["B3"] == "B"
    # C has one service: no estimate of its own, carried by category C
    assert "C1" not in service.effects
    # the services of a category are coded to average 0 (ticket-weighted) within it
    x = design.matrix
    for parent in ("A", "B"):
        inside = (frame["category"] == parent).to_numpy()
        cols = [c for lv, e in service.effects.items() if service.parent_level[lv] == parent
                for c in e]  # fmt: skip
        assert np.allclose(x[inside][:, cols].sum(axis=0), 0.0)
    assert category.reference == "B"


def test_an_attribute_that_repeats_another_is_left_out_and_aliased_columns_are_named() -> None:
    frame = _frame()
    frame["team"] = frame["category"].map({"A": "Team A", "B": "Team B", "C": "Team C"})
    frame["mix"] = np.where(frame["channel"] == "Email", "q", "p")  # Email or not
    design = build_design(frame, ["category", "team", "channel", "mix"], min_n=30)
    assert design.dropped["team"] == "the same grouping as category"
    assert "mix" in design.dropped  # Fax joined Phone: mix is channel again
    assert np.linalg.matrix_rank(design.matrix) == design.matrix.shape[1]


def test_effects_are_the_contrast_of_an_independent_fit() -> None:
    """Log-hours model without nesting: the effect of a level against the rest is its
    coefficient minus the ticket-weighted mean of the others', recomputed from statsmodels."""
    frame = _frame(seed=3)
    frame["resolved"] = True
    frame["opened_at"] = pd.Timestamp("2025-01-01")
    result = analyse(frame, "hours", by=["channel", "category"], min_n=10, draws=50)
    row = result.frame[result.frame["level"] == "Email"].iloc[0]
    dummies = pd.get_dummies(frame[["channel", "category"]])
    x = sm.add_constant(dummies.drop(columns=["channel_Phone", "category_B"]).astype(float))
    fit = sm.OLS(np.log(frame["hours"]), x).fit(cov_type="HC1")
    counts = frame["channel"].value_counts()
    w_fax = counts["Fax"] / (counts["Phone"] + counts["Fax"])
    est = fit.params["channel_Email"] - w_fax * fit.params["channel_Fax"]
    assert row["effect"] == pytest.approx(np.exp(est), rel=1e-9)


def test_logistic_fit_agrees_with_statsmodels() -> None:
    frame = _frame(seed=5)
    rng = np.random.default_rng(1)
    y = (rng.random(len(frame)) < np.where(frame["channel"] == "Email", 0.4, 0.2)).astype(float)
    design = build_design(frame, ["channel", "category"], binary=pd.Series(y))
    fitted = fit_model(design, y, Family.LOGISTIC)
    ref = sm.Logit(y, design.matrix).fit(disp=0, cov_type="HC0")
    n, p = design.matrix.shape
    assert np.allclose(fitted.params, ref.params, atol=1e-7)
    assert np.allclose(fitted.cov, ref.cov_params() * n / (n - p), rtol=1e-6)


def test_unknown_outcomes_and_too_few_tickets_are_one_line_errors() -> None:
    with pytest.raises(InputError, match="no driver analysis"):
        get_outcome("happiness")
    frame = _frame(n=20)
    frame["resolved"] = True
    frame["opened_at"] = pd.Timestamp("2025-01-01")
    with pytest.raises(InputError, match="at least 50"):
        analyse(frame, "hours", by=["channel"])
