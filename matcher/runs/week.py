"""ISO weeks (``2009-W12``): the unit of the weekly job-fair run of (四十二)."""

from __future__ import annotations

import re
from datetime import date, timedelta

from matcher.errors import MatcherError

_WEEK = re.compile(r"(\d{4})-W(\d{2})")


def parse_week(text: str) -> tuple[int, int]:
    """``(year, week)`` of an ISO week such as ``2009-W12``.

    Raises
    ------
    MatcherError
        If the text is not an ISO week that exists.
    """
    match = _WEEK.fullmatch(text.strip())
    if match is None:
        raise MatcherError(f"week must look like 2009-W12 (ISO year and week). Got {text!r}.")
    year, week = int(match.group(1)), int(match.group(2))
    try:
        date.fromisocalendar(year, week, 1)
    except ValueError:
        raise MatcherError(f"week {text!r} does not exist: {year} has no ISO week {week}") from None
    return year, week


def week_start(text: str) -> date:
    """Monday of the week."""
    year, week = parse_week(text)
    return date.fromisocalendar(year, week, 1)


def week_reference_date(text: str) -> date:
    """The day the run evaluates its data on: the week's last day (Sunday), so that seekers
    and vacancies registered during the week are in that week's run."""
    return week_start(text) + timedelta(days=6)


def week_of(day: date) -> str:
    """The ISO week containing ``day``."""
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def normalise_week(text: str) -> str:
    """The canonical spelling of a week (zero-padded), so weeks sort as text."""
    year, week = parse_week(text)
    return f"{year}-W{week:02d}"
