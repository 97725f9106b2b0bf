"""Reason order follows the model's importances."""

from __future__ import annotations

from matcher.scoring.reasons import reason_order


def test_default_order_without_importances() -> None:
    assert reason_order(None)[0] == "title"
    assert reason_order({}) == reason_order(None)


def test_importances_reorder_reasons() -> None:
    order = reason_order({"distance_km": 0.1, "education_gap": 0.05, "title_ratio": 0.01})
    assert order[:3] == ("distance", "education", "title")
    # Negative importances (noise) never promote a reason.
    assert reason_order({"tier": -1.0})[0] == "title"
