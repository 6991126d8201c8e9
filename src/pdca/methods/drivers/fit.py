"""Fitting a driver model and reading each level's effect against the rest of its attribute.

Effect of a level L of attribute A
    The model's coefficient of L minus the ticket-weighted mean of the coefficients of A's other
    levels (the reference and aliased levels count 0): a contrast c'β with standard error
    √(c'Σc), Σ the HC1 (heteroscedasticity-robust) covariance. It is shown as a ratio: exp(c'β)
    is the ratio of geometric mean hours for ``hours`` (least squares on log hours, very short
    resolutions counted as :func:`floor`: the typical ticket's hours, not pulled by a few very
    long ones) and the odds ratio for a yes/no outcome, of L's tickets against the rest's, the other
    attributes held equal. For an attribute nested in another (a service in its category) the
    rest is the other levels of the same parent level (the other services of the category). Its
    95 % interval is exp(c'β ± 1.96·se); its p-value is that of z = c'β/se (two-sided, normal).
Avoidable
    What L's tickets would have cost had L performed like the rest, the rest of the model as it is:
    for ``hours``, Σ over L's tickets of hours * (1 - exp(-c'β)); for a yes/no outcome,
    Σ over L's tickets of p̂ - expit(logit p̂ - c'β), the number of tickets with the outcome that
    would not have had it. Negative when L does better than the rest. Its interval is the 2.5th and
    97.5th percentiles over ``draws`` coefficient vectors drawn from N(β̂, Σ) (a parametric
    bootstrap, seeded).
Flags
    Benjamini-Hochberg at false-discovery rate ``alpha`` over every estimated level of every
    attribute; a level is flagged when its adjusted p-value (q) is at most ``alpha``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import stats  # type: ignore[import-untyped, unused-ignore]
from scipy.special import expit  # type: ignore[import-untyped, unused-ignore]
from statsmodels.stats.multitest import multipletests  # type: ignore[import-untyped, unused-ignore]

from pdca.errors import InputError
from pdca.methods.drivers.design import Attribute, Design
from pdca.methods.drivers.outcomes import Family

Floats = npt.NDArray[np.float64]
Z95 = float(stats.norm.ppf(0.975))


@dataclass
class Fitted:
    """A fitted model: coefficients, robust covariance and the linear predictor."""

    params: Floats
    cov: Floats
    eta: Floats
    """x'β̂ for every ticket."""
    y: Floats
    """The outcome as modelled (log hours, or 0/1)."""


HOURS_FLOOR = 1.0 / 60.0
"""The largest floor: hours under it count as it before the log is taken (see :func:`floor`)."""


def floor(hours: Floats) -> float:
    """The hours below which a resolution counts as that long before the log is taken: one
    minute, or the 1st percentile of the positive hours when that is shorter (a log with
    timestamps to the second keeps its distinctions; one to the minute, whose fastest tickets
    take 0 hours, has them counted as one minute)."""
    positive = hours[hours > 0]
    if len(positive) == 0:
        return HOURS_FLOOR
    return float(min(HOURS_FLOOR, np.quantile(positive, 0.01)))


def _least_squares(x: Floats, hours: Floats) -> Fitted:
    y = np.log(np.maximum(hours, floor(hours)))
    n, p = x.shape
    inverse = np.linalg.inv(x.T @ x)
    beta = inverse @ (x.T @ y)
    eta = x @ beta
    score = x * (y - eta)[:, None]
    cov = inverse @ (score.T @ score) @ inverse * (n / (n - p))
    return Fitted(beta, cov, eta, y)


def fit_model(design: Design, y: Floats, family: Family, *, max_iter: int = 100) -> Fitted:
    """Fit the model of ``family`` on ``design``: least squares on log hours, or a logistic
    regression by Newton's method; both with the HC1 sandwich covariance
    n/(n-p) · B⁻¹ (Σ r² x x') B⁻¹ (B = X'X and r the log residual for hours; B = Σ μ(1-μ) x x'
    and r = y - μ for a yes/no outcome). statsmodels' OLS (cov_type="HC1") and Logit give the
    same coefficients and, for Logit, this covariance is its cov_type="HC0" times n/(n-p)."""
    x = design.matrix
    if family is Family.LOG_LINEAR:
        return _least_squares(x, y)
    n, p = x.shape
    mean = float(y.mean())
    beta = np.zeros(p)
    beta[0] = np.log(mean / (1 - mean))
    for _ in range(max_iter):
        mu = expit(x @ beta)
        try:
            step = np.linalg.solve((x * (mu * (1 - mu))[:, None]).T @ x, x.T @ (y - mu))
        except np.linalg.LinAlgError:
            beta = np.full(p, np.nan)
            break
        beta = beta + step
        if float(np.max(np.abs(step))) < 1e-8:
            break
    else:
        beta = np.full(p, np.nan)
    if not np.all(np.isfinite(beta)) or float(np.max(np.abs(beta[1:]), initial=0.0)) > 20:
        raise InputError(
            "the model did not converge (a level may have the outcome always or never)",
            "use fewer attributes (--by) or a larger --min-n so rare levels are pooled",
        )
    eta = x @ beta
    mu = expit(eta)
    inverse = np.linalg.inv((x * (mu * (1 - mu))[:, None]).T @ x)
    score = x * (y - mu)[:, None]
    cov = inverse @ (score.T @ score) @ inverse * (n / (n - p))
    return Fitted(beta, cov, eta, y)


def _vector(attr: Attribute, level: str, size: int) -> Floats:
    v = np.zeros(size)
    for col, weight in attr.effects.get(level, {}).items():
        v[col] += weight
    return v


def _contrast(design: Design, attr: Attribute, level: str) -> Floats | None:
    """The contrast of ``level`` against the rest of its attribute (of its parent level, for a
    nested attribute); None when the model has no estimate of it."""
    size = design.matrix.shape[1]
    if level not in attr.effects:
        return None
    own = _vector(attr, level, size)
    if attr.parent is not None:
        # levels within a parent level are coded to average 0: the rest's mean is -n·own/(m-n)
        inside = attr.parent_counts[attr.parent_level[level]]
        n = attr.counts[level]
        return own * inside / (inside - n)
    rest = sum(n for lv, n in attr.counts.items() if lv != level)
    c = own.copy()
    for lv, n in attr.counts.items():
        if lv != level:
            c -= _vector(attr, lv, size) * (n / rest)
    return c


def _unadjusted(y: Floats, mask: npt.NDArray[np.bool_], family: Family) -> float:
    a, b = y[mask], y[~mask]
    if family is Family.LOG_LINEAR:
        return float(np.exp(a.mean() - b.mean()))
    pa_, pb = a.mean(), b.mean()
    if pa_ in (0.0, 1.0) or pb in (0.0, 1.0):
        return float("nan")
    return float((pa_ / (1 - pa_)) / (pb / (1 - pb)))


def _avoidable_draws(
    x: Floats,
    beta: Floats,
    cells: list[tuple[npt.NDArray[np.bool_], Floats]],
    *,
    raw: Floats,
    family: Family,
) -> list[Floats]:
    """Per (mask, contrast) cell, the avoidable amount under each coefficient draw."""
    out = [np.zeros(len(beta)) for _ in cells]
    if family is Family.LOG_LINEAR:
        for k, (mask, c) in enumerate(cells):
            out[k] = raw[mask].sum() * (1 - np.exp(-(beta @ c)))
        return out
    block = 100
    for start in range(0, len(beta), block):
        b = beta[start : start + block]
        eta = x @ b.T  # tickets x draws of this block
        for k, (mask, c) in enumerate(cells):
            shift = (b @ c)[None, :]
            e = eta[mask]
            out[k][start : start + len(b)] = (expit(e) - expit(e - shift)).sum(axis=0)
    return out


def effects(
    design: Design,
    fitted: Fitted,
    raw: Floats,
    family: Family,
    *,
    alpha: float = 0.05,
    draws: int = 1000,
    seed: int = 0,
    ranked: Sequence[str] | None = None,
) -> pd.DataFrame:
    """One row per level of every attribute in the design: n, observed mean, effect against the
    rest with its interval and p-value, BH q-value and flag, avoidable amount with its interval.

    ``raw`` is the outcome as observed (hours, or 0/1); ``ranked`` the attributes to report
    (default all; the others are only adjusted for)."""
    rng = np.random.default_rng(seed)
    beta = rng.multivariate_normal(fitted.params, fitted.cov, size=draws, method="eigh")
    rows: list[dict[str, object]] = []
    cells: list[tuple[npt.NDArray[np.bool_], Floats]] = []
    for attr in design.attributes:
        if ranked is not None and attr.name not in ranked:
            continue
        values = design.values[attr.name].to_numpy()
        for level in attr.levels:
            mask = values == level
            row: dict[str, object] = {
                "attribute": attr.name,
                "level": level,
                "n": int(mask.sum()),
                "observed": float(raw[mask].mean()),
                "unadjusted": _unadjusted(fitted.y, mask, family),
                "note": _note(attr, level),
            }
            c = _contrast(design, attr, level)
            if c is None:
                rows.append(row)
                continue
            est = float(c @ fitted.params)
            se = float(np.sqrt(max(float(c @ fitted.cov @ c), 0.0)))
            if family is Family.LOG_LINEAR:
                avoid = float(raw[mask].sum() * (1 - np.exp(-est)))
            else:
                eta = fitted.eta[mask]
                avoid = float((expit(eta) - expit(eta - est)).sum())
            row.update(
                effect=float(np.exp(est)),
                effect_low=float(np.exp(est - Z95 * se)),
                effect_high=float(np.exp(est + Z95 * se)),
                p_value=float(2 * stats.norm.sf(abs(est) / se)) if se > 0 else float("nan"),
                avoidable=avoid,
            )
            row["_cell"] = len(cells)
            cells.append((mask, c))
            rows.append(row)
    sims = _avoidable_draws(design.matrix, beta, cells, raw=raw, family=family)
    for row in rows:
        k = row.pop("_cell", None)
        if isinstance(k, int):
            row["avoidable_low"] = float(np.quantile(sims[k], 0.025))
            row["avoidable_high"] = float(np.quantile(sims[k], 0.975))
    frame = pd.DataFrame(rows)
    for col in _NUMBERS:
        if col not in frame:
            frame[col] = np.nan
    tested = frame["p_value"].notna()
    frame["q_value"] = np.nan
    frame["flagged"] = False
    if tested.any():
        reject, q, _, _ = multipletests(frame.loc[tested, "p_value"], alpha=alpha, method="fdr_bh")
        frame.loc[tested, "q_value"] = q
        frame.loc[tested, "flagged"] = reject
    return frame


def _note(attr: Attribute, level: str) -> str:
    notes = []
    if level == attr.reference:
        notes.append("reference")
    if attr.parent is not None:
        notes.append(f"within {attr.parent} {attr.parent_level[level]}")
    if level.startswith(OTHER_LEVEL):
        notes.append("pooled rare levels")
    if level in attr.aliased:
        notes.append("aliased: carried by the attributes entered before it")
    elif attr.parent is not None and level not in attr.effects:
        notes.append(f"the only level of its {attr.parent}")
    return "; ".join(notes)


_NUMBERS = (
    "effect", "effect_low", "effect_high", "p_value", "avoidable", "avoidable_low",
    "avoidable_high",
)  # fmt: skip
OTHER_LEVEL = "(other)"

__all__ = ["HOURS_FLOOR", "Fitted", "effects", "fit_model", "floor"]
