"""The run page orders tiers as numbers (1, 2, … 10), not as the stored JSON's text keys."""

from __future__ import annotations

from api.routes.dashboard import _ordered_fairness


def test_tiers_are_shown_in_numeric_order_and_other_groups_after() -> None:
    stored = {
        "welfare": {
            "placed": 3,
            "by": {
                "tier": {"groups": {"1": {}, "10": {}, "12": {}, "2": {}}, "difference": 0.1},
                "sex": {"groups": {"M": {}, "F": {}}},
            },
        }
    }
    shown = _ordered_fairness(stored)["welfare"]
    assert list(shown["by"]["tier"]["groups"]) == ["1", "2", "10", "12"]
    assert list(shown["by"]["sex"]["groups"]) == ["F", "M"]
    assert shown["by"]["tier"]["difference"] == 0.1 and shown["placed"] == 3
