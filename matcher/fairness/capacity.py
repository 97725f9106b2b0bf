"""Which places of a posts table are not open, and so should not be read as unused capacity.

Unused capacity is every place of the posts table an allocation left free. A dataset's posts
table also lists filled and closed posts (``status``); given as they are, their places would be
counted as unused though no one could have taken them. :func:`places_not_open` finds them so
that the caller can warn.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from matcher.schemas.columns import CAPACITY, OPEN, STATUS


@dataclass(frozen=True)
class PlacesNotOpen:
    """Posts of a posts table whose status is not ``open``, and their places."""

    posts: int
    places: int
    by_status: dict[str, int]  # status -> posts

    def warning(self, file: str) -> str:
        """One sentence for a person: what is miscounted and how to avoid it."""
        statuses = ", ".join(f"{status} {count:,}" for status, count in self.by_status.items())
        return (
            f"{file}: {self.posts:,} posts are not open ({statuses}); their {self.places:,} "
            "places are counted as unused capacity. Give only the open posts the candidates "
            "were made over (matcher candidates --posts-out P.csv writes them)."
        )


def places_not_open(posts: pd.DataFrame) -> PlacesNotOpen | None:
    """The posts of ``posts`` whose ``status`` is not ``open`` (None when there are none or the
    table has no ``status`` column)."""
    if STATUS not in posts.columns:
        return None
    status = posts[STATUS].astype("string").fillna("").str.strip()
    closed = (status != OPEN).to_numpy(dtype=bool)
    if not closed.any():
        return None
    capacity = pd.to_numeric(posts[CAPACITY], errors="coerce") if CAPACITY in posts else None
    places = 0 if capacity is None else int(capacity[closed].fillna(0).clip(lower=0).sum())
    counts = status[closed].replace("", "(empty)").value_counts(sort=False)
    return PlacesNotOpen(
        posts=int(closed.sum()),
        places=places,
        by_status={str(key): int(value) for key, value in sorted(counts.items())},
    )
