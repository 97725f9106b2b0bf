"""The 20-day guarantee of (三十九): hand-checked families."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from matcher.errors import MatcherError
from matcher.runs.guarantee import guarantee_status
from matcher.runs.week import normalise_week, parse_week, week_of, week_reference_date


def _households() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "household_id": ["H1", "H2", "H3", "H4", "H5", "H6"],
            "district": ["210102"] * 6,
            "zero_employment": [True, True, True, True, False, True],
            "zero_employment_since": pd.to_datetime(
                ["2009-03-01", "2009-03-10", "2009-03-17", "2009-03-05", "2009-03-01", None]
            ),
        }
    )


def test_statuses_days_left_and_best_posts() -> None:
    seekers = pd.DataFrame(
        {
            "seeker_id": ["a", "b", "c", "d", "e", "f"],
            "household_id": ["H1", "H1", "H2", "H3", "H4", "H5"],
        }
    )
    offers = pd.DataFrame(
        {
            "seeker_id": ["e", "c"],
            "post_id": ["P9", "P8"],
            "outcome": ["pending", "refused"],
            "offered": [date(2009, 3, 15), date(2009, 3, 13)],
        }
    )
    best = pd.DataFrame(
        {
            "seeker_id": ["a", "b", "b", "c", "a"],
            "post_id": ["P1", "P2", "P1", "P3", "P4"],
            "score": [0.5, 0.9, 0.7, 0.4, 0.1],
        }
    )
    table = guarantee_status(_households(), seekers, offers, best, date(2009, 3, 25))
    rows = table.set_index("household_id")
    # H5 is not zero-employment, H6 has no certification date: neither is tracked.
    assert list(table["household_id"]) == ["H1", "H2", "H3", "H4"]
    assert rows.loc["H1", "days_left"] == -4 and rows.loc["H1", "status"] == "overdue"
    assert (
        rows.loc["H2", "days_left"] == 5 and rows.loc["H2", "status"] == "near"
    )  # refusal ≠ offer
    assert rows.loc["H3", "days_left"] == 12 and rows.loc["H3", "status"] == "open"
    assert rows.loc["H4", "status"] == "covered"  # a pending offer covers the family
    assert rows.loc["H1", "members"] == "a|b"
    assert rows.loc["H1", "best_posts"] == "P2|P1|P4"  # best first, each post once
    assert rows.loc["H1", "deadline"] == date(2009, 3, 21)
    # The refused offer is on the record though it covers nothing.
    assert rows.loc["H2", "offers_made"] == 1 and rows.loc["H2", "first_offer"] == date(2009, 3, 13)
    assert rows.loc["H2", "covered_on"] is None
    assert rows.loc["H4", "covered_on"] == date(2009, 3, 15)


def test_the_20_day_clock_counts_from_certification_to_the_offer() -> None:
    # (三十九) 保证20天内至少提供1个合适的就业岗位. H1 certified 2009-03-01: deadline 03-21.
    seekers = pd.DataFrame({"seeker_id": ["a", "b"], "household_id": ["H1", "H1"]})
    best = pd.DataFrame(columns=["seeker_id", "post_id", "score"])

    def status(*offers: tuple[str, str, date]) -> tuple[str, object]:
        frame = pd.DataFrame(
            [(s, "P1", o, d) for s, o, d in offers],
            columns=["seeker_id", "post_id", "outcome", "offered"],
        )
        row = guarantee_status(_households(), seekers, frame, best, date(2009, 4, 20)).set_index(
            "household_id"
        )
        return str(row.loc["H1", "status"]), row.loc["H1", "covered_on"]

    # Offered on day 20 (the deadline itself): in time.
    assert status(("a", "pending", date(2009, 3, 21))) == ("covered", date(2009, 3, 21))
    # Offered on day 48: covered, but late — a breach, not "covered".
    assert status(("a", "accepted", date(2009, 4, 18))) == ("covered_late", date(2009, 4, 18))
    # Refused on day 3, nothing since: overdue, with the offer on the record.
    assert status(("a", "refused", date(2009, 3, 4))) == ("overdue", None)
    # Refused on day 3, the other member offered on day 10: in time.
    assert status(("a", "refused", date(2009, 3, 4)), ("b", "pending", date(2009, 3, 11))) == (
        "covered",
        date(2009, 3, 11),
    )


def test_family_registered_after_the_run_is_not_listed() -> None:
    seekers = pd.DataFrame({"seeker_id": ["d"], "household_id": ["H3"]})
    empty = pd.DataFrame(columns=["seeker_id", "post_id", "outcome", "offered"])
    best = pd.DataFrame(columns=["seeker_id", "post_id", "score"])
    table = guarantee_status(_households(), seekers, empty, best, date(2009, 3, 16))
    assert "H3" not in set(table["household_id"])


def test_weeks() -> None:
    assert parse_week("2009-W12") == (2009, 12)
    assert week_reference_date("2009-W12") == date(2009, 3, 22)
    assert week_of(date(2009, 3, 22)) == "2009-W12"
    assert normalise_week(" 2009-W05 ") == "2009-W05"
    for bad in ("2009-12", "2009-W54", "W12"):
        with pytest.raises(MatcherError):
            parse_week(bad)
