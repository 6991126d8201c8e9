"""Volume forecasts: opened tickets per hour, day or week, with prediction intervals and a
rolling-origin backtest against a seasonal-naive baseline (see docs/forecast.md).

* :mod:`.series` — counts of opened tickets per period, holidays as flags;
* :mod:`.models` — the default model (ETS / Holt-Winters with damped trend and weekly season,
  a yearly profile with two years of data, a holiday adjustment) and the seasonal-naive baseline;
* :mod:`.backtest` — rolling-origin backtest: MASE and 80 %/95 % interval coverage;
* :mod:`.run` — one call that counts, forecasts, backtests and says what it assumed.
"""

from __future__ import annotations

from pdca.methods.forecast.backtest import Backtest, backtest
from pdca.methods.forecast.models import MODELS, Forecast, fit_forecast
from pdca.methods.forecast.run import VolumeForecast, forecast_volume
from pdca.methods.forecast.series import daily_counts, hourly_counts

__all__ = [
    "MODELS",
    "Backtest",
    "Forecast",
    "VolumeForecast",
    "backtest",
    "daily_counts",
    "fit_forecast",
    "forecast_volume",
    "hourly_counts",
]
