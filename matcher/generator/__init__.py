"""A seeded synthetic Liaoning province: seekers, households, employers, posts, training
sessions and historical placements, with a hidden ground truth for their outcomes.

``generate_province(scale, seed=...)`` is a pure function of its arguments and the shipped
reference data: the same seed gives the same tables (and, written out, the same bytes). It draws
from ``numpy.random.default_rng`` streams spawned from the seed, one per stage, so a change in one
stage does not shift the draws of another; it never touches global random state.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pandas as pd

from matcher.generator._draw import apportion, ids
from matcher.generator.history import make_history
from matcher.generator.households import assign_households, hardship_fields
from matcher.generator.people import GROUP_TARGETS, household_members, make_seekers
from matcher.generator.posts import city_weights, internship_durations, make_posts
from matcher.generator.scales import SCALE_NAMES, SCALES, Scale, get_scale
from matcher.generator.training import make_sessions
from matcher.generator.truth import Truth, expected_outcome, load_truth, occupation_fit
from matcher.generator.world import load_world
from matcher.reference import minimum_wages
from matcher.schemas.tables import TABLES
from matcher.training.history import make_training_history

__all__ = [
    "DEFAULT_REFERENCE_DATE",
    "GROUP_TARGETS",
    "SCALES",
    "SCALE_NAMES",
    "STAGES",
    "GeneratedProvince",
    "Scale",
    "Truth",
    "expected_outcome",
    "generate_province",
    "get_scale",
    "load_truth",
    "occupation_fit",
]

DEFAULT_REFERENCE_DATE = date(2009, 3, 2)
EARLIEST_REFERENCE_DATE, LATEST_REFERENCE_DATE = date(2009, 1, 1), date(2012, 12, 31)
STAGES: tuple[str, ...] = ("households", "seekers", "posts", "training", "history")
#: Seekers who want to start a business (有创业意愿, the SYB applicants of (十八)): graduates more
#: often than the hard-to-employ (surveys of the time put graduates' intent near one in ten).
WANTS_BUSINESS_SHARE = {"graduate": 0.08, "hard": 0.04}


@dataclass(frozen=True)
class GeneratedProvince:
    """A generated dataset.

    Attributes
    ----------
    tables : dict of str to DataFrame
        ``seekers``, ``households``, ``employers``, ``posts``, ``training_sessions``,
        ``placements``: each with exactly its spec's columns in spec order.
    truth : Truth
        The hidden latent traits, for :func:`expected_outcome`.
    truth_tables : dict of str to DataFrame
        ``seekers_truth``, ``posts_truth``, ``placements_truth`` as written to ``truth/``.
    scale : Scale
    seed : int
    reference_date : date
    """

    tables: dict[str, pd.DataFrame]
    truth: Truth
    truth_tables: dict[str, pd.DataFrame]
    scale: Scale
    seed: int
    reference_date: date
    kinds: pd.Series = field(repr=False)  # seeker_id → "hard" / "graduate"


def _check_parameters(seed: int, reference_date: date) -> None:
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise ValueError(
            f"The 'seed' parameter of generate_province must be an int >= 0. Got {seed!r} instead."
        )
    if not EARLIEST_REFERENCE_DATE <= reference_date <= LATEST_REFERENCE_DATE:
        raise ValueError(
            "The 'reference_date' parameter of generate_province must be a date from "
            f"{EARLIEST_REFERENCE_DATE} to {LATEST_REFERENCE_DATE} (the 2009 programs; history is "
            f"2007-2008). Got {reference_date} instead."
        )


def generate_province(
    scale: str | Scale = "small",
    *,
    seed: int = 0,
    reference_date: date = DEFAULT_REFERENCE_DATE,
    progress: Callable[[str], None] | None = None,
) -> GeneratedProvince:
    """Generate a synthetic province (or one city of it).

    Parameters
    ----------
    scale : {"small", "city", "province"} or Scale
        How much to generate (see :mod:`matcher.generator.scales`).
    seed : int
        Seed of every random draw; the same seed gives the same data.
    reference_date : date
        The data's "today" (default 2009-03-02): no generated date is after it.
    progress : callable, optional
        Called with each stage's name in :data:`STAGES` once it is done.

    Returns
    -------
    GeneratedProvince

    Raises
    ------
    ValueError
        If a parameter is out of range (the message names it).
    """
    chosen = get_scale(scale)
    _check_parameters(seed, reference_date)
    world = load_world()
    streams = [np.random.default_rng(s) for s in np.random.SeedSequence(int(seed)).spawn(8)]
    done = progress or (lambda _stage: None)
    cities = list(chosen.cities) if chosen.cities else world.cities["code"].tolist()
    weights = city_weights(world, cities)

    # Seekers' cities by population (exact apportionment, so shares never depend on the seed).
    hard_city = np.repeat(np.asarray(cities), apportion(chosen.hard_to_employ, weights))
    grad_city = np.repeat(np.asarray(cities), apportion(chosen.graduates, weights))
    seeker_city = np.concatenate([hard_city, grad_city]).astype(str)
    household_of_seeker, households = assign_households(
        streams[0], world, seeker_city, reference_date
    )
    done("households")

    draw = make_seekers(
        streams[1],
        world,
        n_hard=len(hard_city),
        n_graduates=len(grad_city),
        household_of_seeker=household_of_seeker,
        households=households,
        reference_date=reference_date,
    )
    # Ids in (city, random) order, so an id says nothing about the kind of seeker.
    n = len(draw.seekers)
    order = np.lexsort((streams[1].random(n), draw.seekers["city"].to_numpy(dtype=str)))
    seekers = draw.seekers.iloc[order].reset_index(drop=True)
    seeker_truth = draw.truth.iloc[order].reset_index(drop=True)
    seekers["seeker_id"] = ids("S", n)
    seeker_truth["seeker_id"] = seekers["seeker_id"]
    kinds = pd.Series(draw.kind[order], index=seekers["seeker_id"])
    households = households.assign(members=household_members(households, seekers, streams[1]))
    # (十八)(二十四)(二十七) fields on a stream of their own: the older columns keep their bytes.
    households = hardship_fields(streams[5], households, seekers, minimum_wages())
    seekers["wants_business"] = streams[5].random(n) < np.where(
        draw.kind[order] == "graduate", WANTS_BUSINESS_SHARE["graduate"],
        WANTS_BUSINESS_SHARE["hard"],
    )  # fmt: skip
    done("seekers")

    post_draw = make_posts(streams[2], world, chosen, cities, reference_date)
    post_draw.posts["duration_months"] = internship_durations(streams[5], post_draw.posts)
    done("posts")
    sessions = make_sessions(streams[3], world, chosen.sessions, cities, reference_date)
    done("training")

    truth = Truth(seekers=seeker_truth, posts=post_draw.truth, reference_date=reference_date)
    history = make_history(
        streams[4], world, chosen.history_records, seekers, post_draw.posts, truth, reference_date
    )
    done("history")

    # Past classes of today's training bases, for the six-monthly base assessment (有进有出).
    training_history = make_training_history(
        sessions, seed=int(seed), reference_date=reference_date
    )

    tables = {
        "seekers": seekers,
        "households": households,
        "employers": post_draw.employers,
        "posts": post_draw.posts,
        "training_sessions": sessions,
        "placements": history.placements,
        "training_history": training_history.history,
    }
    tables = {
        name: frame[[c.name for c in TABLES[name].columns]].reset_index(drop=True)
        for name, frame in tables.items()
    }
    return GeneratedProvince(
        tables=tables,
        truth=truth,
        truth_tables={
            "seekers_truth": seeker_truth,
            "posts_truth": post_draw.truth,
            "placements_truth": history.truth,
            "training_history_truth": training_history.truth,
        },
        scale=chosen,
        seed=int(seed),
        reference_date=reference_date,
        kinds=kinds,
    )
