"""Hand-checked apportionment cases (data in tests/examples/quotas/). Each test shows the
arithmetic that gives its expected seats, so the expectation does not come from running our code.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from matcher.errors import InfeasibleError
from matcher.quotas.methods import ApportionmentTieError, apportion
from matcher.quotas.paradox import audit_house_monotonicity
from matcher.quotas.weights import WeightsTable, read_weights

CASES = Path(__file__).parent / "quotas"


def _case(name: str) -> WeightsTable:
    return read_weights(CASES / name)


def _seats(table: WeightsTable, total: int, method: str) -> list[int]:
    result = apportion(
        table.regions,
        table.weights,
        total,
        method,
        minimum=table.minimum,
        maximum=table.maximum,
    )
    return list(result.seats)


# Parador: standard divisor 12,500,000 / 250 = 50,000; standard quotas
# A 32.92, B 138.72, C 3.08, D 41.82, E 13.70, F 19.76.
PARADOR = {
    # floors 32+138+3+41+13+19 = 246; the 4 largest remainders .92 A, .82 D, .76 F, .72 B win
    # (E's .70 does not).
    "hamilton": [33, 139, 3, 42, 13, 20],
    # D = 49,500: 33.25, 140.12, 3.11, 42.24, 13.84, 19.96 rounded down = 250.
    "jefferson": [33, 140, 3, 42, 13, 19],
    # D = 50,100: 32.85, 138.44, 3.07, 41.74, 13.67, 19.72 rounded to nearest = 250.
    "webster": [33, 138, 3, 42, 14, 20],
    # D = 50,700: 32.47, 136.80, 3.04, 41.24, 13.51, 19.49 rounded up = 250.
    "adams": [33, 137, 4, 42, 14, 20],
    # D = 50,100 against harmonic means 32.49, 138.50, 3.43, 41.49, 13.48, 19.49 = 250.
    "dean": [33, 138, 3, 42, 14, 20],
    # D = 50,100 against geometric means 32.50, 138.50, 3.46, 41.50, 13.49, 19.49 = 250.
    "huntington-hill": [33, 138, 3, 42, 14, 20],
}


@pytest.mark.parametrize("method", sorted(PARADOR))
def test_parador_every_method(method: str) -> None:
    assert _seats(_case("parador.csv"), 250, method) == PARADOR[method]


@pytest.mark.parametrize("alias", ["dhondt", "sainte-lague", "largest-remainder", "hill"])
def test_parador_aliases(alias: str) -> None:
    canonical = {
        "dhondt": "jefferson",
        "sainte-lague": "webster",
        "largest-remainder": "hamilton",
        "hill": "huntington-hill",
    }[alias]
    assert _seats(_case("parador.csv"), 250, alias) == PARADOR[canonical]


def test_alabama_paradox_for_hamilton() -> None:
    # 10 seats: quotas 4.29, 4.29, 1.43 -> floors 4, 4, 1, the last seat to C (.43 > .29).
    # 11 seats: quotas 4.71, 4.71, 1.57 -> floors 4, 4, 1, two seats to A and B (.71 > .57).
    table = _case("alabama.csv")
    assert _seats(table, 10, "hamilton") == [4, 4, 2]
    assert _seats(table, 11, "hamilton") == [5, 5, 1]
    audit = audit_house_monotonicity(table.regions, table.weights, 10, "hamilton", steps=1)
    assert not audit.house_monotone
    (violation,) = audit.violations
    assert (violation.region, violation.seats_before, violation.seats_after) == ("C", 2, 1)


def test_alabama_audit_clean_for_webster() -> None:
    # Webster at 10 seats ties C against A and B (6/4.5 = 2/1.5); the audit leaves ties open.
    table = _case("alabama.csv")
    audit = audit_house_monotonicity(table.regions, table.weights, 10, "webster", steps=5)
    assert audit.house_monotone
    assert 10 in audit.tied_totals


def test_binding_minimum() -> None:
    # Webster, D = 13: 80/13 = 6.15 -> 6, 15/13 = 1.15 -> 1 -> min 2, 5/13 = 0.38 -> 0 -> min 2.
    # Hamilton: lam = 6/80 puts A at 6 while B (1.125) and C (0.375) sit at their minimum 2.
    table = _case("bounded.csv")
    assert _seats(table, 10, "webster") == [6, 2, 2]
    assert _seats(table, 10, "hamilton") == [6, 2, 2]


def test_binding_maximum() -> None:
    # A is capped at 5; Webster D = 4: 15/4 = 3.75 -> 4, 5/4 = 1.25 -> 1. Hamilton: the bounded
    # quotas are 5, 3.75, 1.25 -> floors 5, 3, 1 and the last seat to B (.75 > .25).
    table = _case("capped.csv")
    assert _seats(table, 10, "webster") == [5, 4, 1]
    assert _seats(table, 10, "hamilton") == [5, 4, 1]
    # Jefferson D = 5: 15/5 = 3, 5/5 = 1 -> 4; D = 3.75: 4, 1.33 -> 1 = 5.
    assert _seats(table, 10, "jefferson") == [5, 4, 1]


def test_minimums_above_total() -> None:
    # Three minimums of 2 need 6 seats; 5 cannot hold them.
    with pytest.raises(InfeasibleError, match="sum of minimums"):
        _seats(_case("bounded.csv"), 5, "webster")


def test_equal_weights_one_seat_is_a_tie() -> None:
    # Two equal regions and one seat: every method sees a genuine tie.
    for method in PARADOR:
        with pytest.raises(ApportionmentTieError) as caught:
            apportion(["X", "Y"], [1, 1], 1, method)
        assert caught.value.tie.regions == ("X", "Y")
        assert caught.value.tie.seats == 1
