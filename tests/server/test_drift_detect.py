"""The change-point detector (driftwatch_server.drift): pure computation, no database."""

from __future__ import annotations

import math

import numpy as np
import pytest

from driftwatch_server.drift import (
    DetectionSettings,
    SeriesInput,
    State,
    detect_change_points,
    evaluate,
    evaluate_report,
)


def series(n: int, *, cv: float = 0.02, seed: int = 0, base: float = 100.0) -> np.ndarray:
    return base * (1 + cv * np.random.default_rng(seed).standard_normal(n))


@pytest.mark.parametrize("seed", range(5))
def test_a_20_percent_step_gives_one_change_point_at_its_index(seed: int) -> None:
    x = series(150, seed=seed)
    x[90:] *= 1.2
    cps = detect_change_points(x)
    assert len(cps) == 1
    assert abs(cps[0].index - 90) <= 1
    assert cps[0].change == pytest.approx(0.2, abs=0.03)
    assert cps[0].before == pytest.approx(100, rel=0.02)
    assert cps[0].p_value < 1e-6


@pytest.mark.parametrize("seed", range(5))
def test_a_flat_series_has_no_change_point(seed: int) -> None:
    assert detect_change_points(series(300, seed=seed)) == []
    assert evaluate(series(300, seed=seed), family_size=200).state is State.NONE


def test_two_steps_are_both_found_offline() -> None:
    x = series(200, seed=3)
    x[60:] *= 0.8
    x[140:] *= 1.25
    cps = detect_change_points(x)
    assert len(cps) == 2
    assert all(abs(cp.index - want) <= 1 for cp, want in zip(cps, (60, 140), strict=True))
    assert cps[0].change < 0 < cps[1].change


def test_a_persisting_step_raises_exactly_one_alert_online() -> None:
    x = series(160, seed=11)
    x[100:] *= 1.2
    last = None
    alerts = []
    for t in range(30, x.size):
        v = evaluate(x[: t + 1], last_change_index=last, family_size=200)
        if v.state is State.ALERT:
            assert v.change_point is not None
            last = v.change_point.index
            alerts.append((t, v.change_point.index))
    assert len(alerts) == 1
    t, index = alerts[0]
    assert abs(index - 100) <= 1
    assert t - 100 <= 3  # confirmed within a few reports


def test_one_outlier_is_suspected_not_alerted() -> None:
    x = series(120, seed=4)
    x[-1] *= 1.3
    v = evaluate(x, family_size=200)
    assert v.state is State.SUSPECTED
    assert v.change_point is not None and v.change_point.index == 119
    assert v.change_point.change > 0.2
    # ... and once the next reports are back to normal, nothing remains.
    y = np.r_[x, series(3, seed=5)]
    assert evaluate(y, family_size=200).state is State.NONE


@pytest.mark.parametrize("factor", [0.8, 1.25])
def test_the_change_is_signed(factor: float) -> None:
    x = series(120, seed=6)
    x[100:] *= factor
    cp = detect_change_points(x)[0]
    assert math.copysign(1, cp.change) == math.copysign(1, factor - 1)
    v = evaluate(x[:106], family_size=200)
    assert v.state is State.ALERT and v.change_point is not None
    assert v.change_point.change == pytest.approx(factor - 1, abs=0.03)


def test_changes_below_min_change_are_not_alerted() -> None:
    x = series(200, cv=0.002, seed=7)  # very quiet: a 1 % step is 5 sds
    x[150:] *= 1.01
    assert detect_change_points(x) == []
    assert [
        cp.index for cp in detect_change_points(x, settings=DetectionSettings(min_change=0.005))
    ] == [150]
    assert evaluate(x[:160], family_size=200).state is State.NONE


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_nan_and_infinity_are_refused(bad: float) -> None:
    x = series(50)
    x[10] = bad
    with pytest.raises(ValueError):
        detect_change_points(x)
    with pytest.raises(ValueError):
        evaluate(x)
    with pytest.raises(ValueError):
        evaluate(series(50), samples=[None] * 49 + [[1.0, bad]])


def test_samples_must_match_values() -> None:
    with pytest.raises(ValueError):
        evaluate(series(50), samples=[[1.0]] * 49)


def test_samples_narrower_than_the_run_noise_do_not_alert() -> None:
    rng = np.random.default_rng(8)
    x = series(100, seed=8)
    samples = [v + 0.1 * rng.standard_normal(30) for v in x]  # within-run sd 0.1 % vs 2 %
    x = np.array([s.mean() for s in samples])
    assert evaluate(x, samples, family_size=200).state is State.NONE
    assert detect_change_points(x, samples) == []


def test_200_flat_series_in_one_report_raise_no_alert_in_95_of_100_runs() -> None:
    settings = DetectionSettings()
    clean = 0
    for run in range(100):
        rng = np.random.default_rng(1000 + run)
        batch = [
            SeriesInput(100 * (1 + 0.02 * rng.standard_normal(int(rng.integers(60, 300)))))
            for _ in range(200)
        ]
        verdicts = evaluate_report(batch, settings)
        clean += not any(v.state is State.ALERT for v in verdicts)
    assert clean >= 95


def test_settings_are_validated() -> None:
    with pytest.raises(ValueError):
        DetectionSettings(alpha=0)
    with pytest.raises(ValueError):
        DetectionSettings(sensitivity=-1)
    assert DetectionSettings(sensitivity=10).series_level(200) == pytest.approx(1e-3)
