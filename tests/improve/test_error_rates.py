"""Verification statistics over many seeded simulations: error rates as stated.

The per-ticket values are drawn like resolution times (lognormal) and proportions like
reopen flags; a real change multiplies resolution times by 0.6 (improvement) or 1.5
(degradation). The false-positive rate must stay near alpha = 5 % and the detection rate high.
"""

from __future__ import annotations

import numpy as np
import pytest

from pdca.improve.stats import (
    IMPROVED,
    UNDECIDED,
    WORSENED,
    compare_proportions,
    compare_values,
)

ALPHA = 0.05
SIMS = 300
N = 150  # tickets on each side of go-live


def _verdicts(factor: float, sims: int, seed: int) -> list[str]:
    rng = np.random.default_rng(seed)
    out = []
    for i in range(sims):
        before = 8 * 3600 * np.exp(rng.normal(0, 0.8, N))
        after = 8 * 3600 * np.exp(rng.normal(0, 0.8, N)) * factor
        ev = compare_values(before, after, direction="lower", seed=i, n_boot=200)
        out.append(ev.verdict)
    return out


def test_no_change_is_called_a_change_about_alpha_of_the_time() -> None:
    verdicts = _verdicts(1.0, SIMS, seed=1)
    false_positive = sum(v != UNDECIDED for v in verdicts) / SIMS
    # binomial sd at 5 % over 300 runs is 1.3 points: allow 3 sd
    assert false_positive <= ALPHA + 0.04, false_positive


def test_a_real_improvement_is_detected() -> None:
    verdicts = _verdicts(0.6, 200, seed=2)
    assert sum(v == IMPROVED for v in verdicts) / 200 >= 0.9
    assert WORSENED not in verdicts


def test_a_real_degradation_is_detected() -> None:
    verdicts = _verdicts(1.5, 200, seed=3)
    assert sum(v == WORSENED for v in verdicts) / 200 >= 0.8
    assert IMPROVED not in verdicts


def test_direction_higher_is_better_flips_the_words() -> None:
    rng = np.random.default_rng(4)
    before, after = rng.normal(10, 1, 200), rng.normal(11, 1, 200)
    assert compare_values(before, after, direction="higher").verdict == IMPROVED
    assert compare_values(before, after, direction="lower").verdict == WORSENED


@pytest.mark.parametrize(("p_after", "expected", "least"), [(0.2, UNDECIDED, 0.91),
                                                            (0.12, IMPROVED, 0.9),
                                                            (0.3, WORSENED, 0.9)])  # fmt: skip
def test_proportions_error_rates(p_after: float, expected: str, least: float) -> None:
    rng = np.random.default_rng(5)
    n, sims = 500, 300
    xb = rng.binomial(n, 0.2, sims)
    xa = rng.binomial(n, p_after, sims)
    verdicts = [
        compare_proportions(int(b), n, int(a), n, direction="lower").verdict
        for b, a in zip(xb, xa, strict=True)
    ]
    assert sum(v == expected for v in verdicts) / sims >= least


def test_minimum_detectable_effect_has_the_stated_power() -> None:
    """A true effect equal to the stated MDE is detected about 80 % of the time."""
    n = 400
    mde = compare_proportions(80, n, 80, n, direction="lower").mde
    assert mde is not None
    rng = np.random.default_rng(6)
    sims = 400
    p_after = 0.2 - mde / 1.0
    hits = 0
    for _ in range(sims):
        b, a = rng.binomial(n, 0.2), rng.binomial(n, p_after)
        hits += compare_proportions(b, n, a, n, direction="lower").verdict == IMPROVED
    assert 0.7 <= hits / sims <= 0.9


def test_undecided_says_how_many_more_tickets_and_that_many_suffice() -> None:
    rng = np.random.default_rng(7)
    before = np.exp(rng.normal(0, 0.8, 60))
    after = np.exp(rng.normal(0, 0.8, 30)) * 0.8
    ev = compare_values(before, after, direction="lower", target_ratio=0.6, n_boot=500)
    assert ev.verdict == UNDECIDED
    assert ev.needed_after is not None
    assert ev.more_after == max(0, ev.needed_after - 30)
    # the change the answer is for: the before median * (0.6 - 1)
    assert ev.detect == pytest.approx(abs(np.median(before) * -0.4))
