"""The ground-truth outcome model: the true probabilities that a referral of a seeker to a post
ends in a hire (``p_hired``) and that the hire still holds after 12 months (``p_retained``).

The model is documented in ``docs/ground-truth.md``; the coefficients below are its single
source. It reads the seekers' latent traits (``truth/seekers_truth.csv``) and the posts' hidden
facts (``truth/posts_truth.csv``), which the public tables only show through noise (titles and
skills as typed, an occupation code that is sometimes missing, a rounded or missing reservation
wage). It is deliberately non-linear: skill overlap counts more when the occupation fits,
distance matters only past a personal threshold, a low wage repels less the longer someone has
been unemployed, age matters on physically demanding posts.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from matcher.errors import MatcherError
from matcher.generator.world import World, education_rank, load_world

# --- hire (logit scale) -------------------------------------------------------------------------
HIRE_INTERCEPT = 0.25
OCCUPATION_FIT = {"detailed": 1.0, "minor": 0.65, "middle": 0.35, "major": 0.15, "none": 0.0}
HIRE_OCCUPATION = 2.2
HIRE_SKILLS = 1.6  # × overlap × (0.4 + occupation fit)
HIRE_UNDER_QUALIFIED_PER_LEVEL, HIRE_UNDER_QUALIFIED_CAP = 1.8, 4.0
HIRE_OVER_QUALIFIED = 0.3  # three or more levels above the requirement
HIRE_FAR_STEP, HIRE_FAR_SLOPE, HIRE_FAR_CAP = 1.0, 0.03, 3.5  # beyond the commute tolerance
HIRE_WAGE_GAIN, HIRE_WAGE_LOSS, WAGE_PATIENCE_YEARS = 0.6, 4.0, 1.5
HIRE_OVER_AGE = 1.5  # older than the post's max_age
HIRE_PHYSICAL = 2.5  # × shortfall of physical capacity below 0.75 on physical posts
HIRE_ABILITY = 0.5
# --- retention (logit scale) -------------------------------------------------------------------
RETAIN_INTERCEPT = 0.6
RETAIN_OCCUPATION = 0.8
RETAIN_MOTIVATION, RETAIN_JOB_QUALITY = 0.6, 0.4
RETAIN_OVER_QUALIFIED_PER_LEVEL = 0.5  # per level beyond one above the requirement
RETAIN_WAGE_GAIN, RETAIN_WAGE_LOSS = 0.5, 2.0
RETAIN_LONG_COMMUTE = 0.6  # commute longer than half the tolerance
RETAIN_PHYSICAL = 3.0  # × shortfall of physical capacity below 0.7 on physical posts
RETAIN_LONG_UNEMPLOYED = 0.3  # × min(years unemployed, 3) / 3: a job after a long spell is kept


@dataclass(frozen=True)
class Truth:
    """The hidden side of a generated dataset.

    Attributes
    ----------
    seekers : DataFrame
        ``seeker_id``, ``true_occupation``, ``true_skills``, ``ability``, ``motivation``,
        ``true_reservation_wage``, ``commute_tolerance_km``, ``physical_capacity`` (and
        descriptive columns such as ``kind`` and ``age_band``).
    posts : DataFrame
        ``post_id``, ``true_occupation``, ``true_skills``, ``physical``, ``job_quality``.
    reference_date : date
        The dataset's "today": ages and unemployment durations are taken at this date.
    """

    seekers: pd.DataFrame
    posts: pd.DataFrame
    reference_date: date


def load_truth(directory: str | Path) -> Truth:
    """Read the truth of a generated dataset from ``DIR/truth/`` and ``DIR/manifest.json``.

    Raises
    ------
    MatcherError
        If ``directory`` is not a generator output or its truth files are missing.
    """
    root = Path(directory)
    manifest_path = root / "manifest.json"
    if not manifest_path.is_file():
        raise MatcherError(f"{root} has no manifest.json: not a `matcher generate` output")
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    suffix = ".parquet" if manifest.get("format") == "parquet" else ".csv"
    frames: dict[str, pd.DataFrame] = {}
    for name in ("seekers_truth", "posts_truth"):
        path = root / "truth" / f"{name}{suffix}"
        if not path.is_file():
            raise MatcherError(f"missing truth file {path}")
        if suffix == ".parquet":
            frames[name] = pd.read_parquet(path)
        else:
            frames[name] = pd.read_csv(
                path, dtype={"seeker_id": str, "post_id": str}, keep_default_na=False
            )
    posts = frames["posts_truth"]
    posts["physical"] = posts["physical"].astype(str).isin(["1", "True", "true"])
    return Truth(
        seekers=frames["seekers_truth"],
        posts=posts,
        reference_date=date.fromisoformat(manifest["reference_date"]),
    )


def occupation_fit(seeker_codes: np.ndarray, post_codes: np.ndarray) -> np.ndarray:
    """Closeness of two CSCO codes in the classification tree: 1 same detailed occupation,
    0.65 same minor group (4-07-10), 0.35 same middle group (4-07), 0.15 same major group,
    else 0."""
    a = np.asarray(seeker_codes, dtype=str)
    b = np.asarray(post_codes, dtype=str)
    fit = np.zeros(len(a))
    for width, value in ((1, "major"), (4, "middle"), (7, "minor"), (10, "detailed")):
        same = np.char.equal(
            np.char.ljust(a, 10).astype(f"<U{width}"), np.char.ljust(b, 10).astype(f"<U{width}")
        )
        fit = np.where(same, OCCUPATION_FIT[value], fit)
    return fit


def skill_overlap(seeker_skills: pd.Series, post_skills: pd.Series) -> np.ndarray:
    """Share of the post's wanted skills the seeker truly has (0.5 where the post wants none)."""
    wanted = post_skills.fillna("").astype(str).str.split("|")
    have = seeker_skills.fillna("").astype(str).str.split("|")
    frame = pd.DataFrame({"pair": np.arange(len(wanted)), "skill": wanted.to_numpy()}).explode(
        "skill"
    )
    frame = frame[frame["skill"].astype(str).str.len() > 0]
    owned = pd.DataFrame({"pair": np.arange(len(have)), "skill": have.to_numpy()}).explode("skill")
    owned = owned[owned["skill"].astype(str).str.len() > 0]
    hits = frame.merge(owned.drop_duplicates(), on=["pair", "skill"], how="inner")
    n_wanted = np.bincount(frame["pair"].to_numpy(dtype=np.int64), minlength=len(wanted))
    n_hits = np.bincount(hits["pair"].to_numpy(dtype=np.int64), minlength=len(wanted))
    return np.where(n_wanted > 0, n_hits / np.maximum(n_wanted, 1), 0.5)


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def expected_outcome(
    seekers: pd.DataFrame,
    posts: pd.DataFrame,
    pairs: pd.DataFrame,
    truth: Truth,
    *,
    world: World | None = None,
) -> pd.DataFrame:
    """True outcome probabilities for seeker-post pairs.

    Parameters
    ----------
    seekers : DataFrame
        The ``seekers`` table (uses ``seeker_id``, ``birth_date``, ``education``, ``district``,
        ``unemployed_since``).
    posts : DataFrame
        The ``posts`` table (uses ``post_id``, ``district``, ``min_education``, ``max_age``,
        ``wage``).
    pairs : DataFrame
        ``seeker_id`` and ``post_id`` per pair; any other columns are ignored.
    truth : Truth
        From :func:`load_truth` or the generator.
    world : World, optional
        Reference data (district distances); loaded if not given.

    Returns
    -------
    DataFrame
        Indexed like ``pairs``: ``p_hired``, ``p_retained`` (still employed after 12 months,
        given hired) and ``p_success`` (their product).
    """
    world = world or load_world()
    ref = np.datetime64(truth.reference_date, "D")
    s = seekers.set_index("seeker_id")
    p = posts.set_index("post_id")
    st = truth.seekers.set_index("seeker_id")
    pt = truth.posts.set_index("post_id")
    sid = pairs["seeker_id"].to_numpy(dtype=str)
    pid = pairs["post_id"].to_numpy(dtype=str)
    s_rows = s.index.get_indexer(pd.Index(sid))
    p_rows = p.index.get_indexer(pd.Index(pid))
    st_rows = st.index.get_indexer(pd.Index(sid))
    pt_rows = pt.index.get_indexer(pd.Index(pid))
    if (s_rows < 0).any() or (p_rows < 0).any() or (st_rows < 0).any() or (pt_rows < 0).any():
        raise MatcherError(
            "expected_outcome: some pairs name seekers or posts missing from the tables or truth"
        )

    fit = occupation_fit(
        st["true_occupation"].to_numpy(dtype=str)[st_rows],
        pt["true_occupation"].to_numpy(dtype=str)[pt_rows],
    )
    overlap = skill_overlap(
        st["true_skills"].iloc[st_rows].reset_index(drop=True),
        pt["true_skills"].iloc[pt_rows].reset_index(drop=True),
    )
    gap = education_rank(s["education"].to_numpy(dtype=str)[s_rows]) - education_rank(
        p["min_education"].to_numpy(dtype=str)[p_rows]
    )
    position = pd.Series(world.districts["position"].to_numpy(), index=world.districts["code"])
    d_seeker = position.reindex(s["district"].to_numpy(dtype=str)[s_rows]).to_numpy(dtype=np.int64)
    d_post = position.reindex(p["district"].to_numpy(dtype=str)[p_rows]).to_numpy(dtype=np.int64)
    distance = world.distance_km[d_seeker, d_post]
    tolerance = st["commute_tolerance_km"].to_numpy(dtype=float)[st_rows]
    ratio = p["wage"].to_numpy(dtype=float)[p_rows] / np.maximum(
        st["true_reservation_wage"].to_numpy(dtype=float)[st_rows], 1.0
    )
    birth = pd.to_datetime(s["birth_date"]).to_numpy().astype("datetime64[D]")[s_rows]
    age = (ref - birth).astype(np.int64) / 365.25
    since = pd.to_datetime(s["unemployed_since"]).to_numpy().astype("datetime64[D]")[s_rows]
    years_unemployed = np.where(np.isnat(since), 0.0, (ref - since).astype(np.int64) / 365.25)
    max_age = pd.to_numeric(p["max_age"], errors="coerce").to_numpy(dtype=float)[p_rows]
    physical_post = pt["physical"].to_numpy(dtype=bool)[pt_rows]
    capacity = st["physical_capacity"].to_numpy(dtype=float)[st_rows]
    ability = st["ability"].to_numpy(dtype=float)[st_rows]
    motivation = st["motivation"].to_numpy(dtype=float)[st_rows]
    quality = pt["job_quality"].to_numpy(dtype=float)[pt_rows]

    beyond = np.maximum(distance - tolerance, 0.0)
    far_penalty = np.where(
        beyond > 0, np.minimum(HIRE_FAR_STEP + HIRE_FAR_SLOPE * beyond, HIRE_FAR_CAP), 0.0
    )
    wage_term_hire = np.where(
        ratio >= 1.0,
        HIRE_WAGE_GAIN * np.minimum(ratio - 1.0, 1.0),
        -HIRE_WAGE_LOSS * (1.0 - ratio) * np.exp(-years_unemployed / WAGE_PATIENCE_YEARS),
    )
    hire = (
        HIRE_INTERCEPT
        + HIRE_OCCUPATION * fit
        + HIRE_SKILLS * overlap * (0.4 + fit)
        - np.minimum(HIRE_UNDER_QUALIFIED_PER_LEVEL * np.maximum(-gap, 0), HIRE_UNDER_QUALIFIED_CAP)
        - HIRE_OVER_QUALIFIED * (gap >= 3)
        - far_penalty
        + wage_term_hire
        - HIRE_OVER_AGE * (~np.isnan(max_age) & (age > np.nan_to_num(max_age, nan=200.0)))
        - HIRE_PHYSICAL * physical_post * np.maximum(0.75 - capacity, 0.0)
        + HIRE_ABILITY * ability
    )
    retain = (
        RETAIN_INTERCEPT
        + RETAIN_OCCUPATION * fit
        + RETAIN_MOTIVATION * motivation
        + RETAIN_JOB_QUALITY * quality
        - RETAIN_OVER_QUALIFIED_PER_LEVEL * np.maximum(gap - 1, 0)
        + np.where(
            ratio >= 1.0,
            RETAIN_WAGE_GAIN * np.minimum(ratio - 1.0, 1.0),
            -RETAIN_WAGE_LOSS * (1.0 - ratio),
        )
        - RETAIN_LONG_COMMUTE * (distance > tolerance / 2)
        - RETAIN_PHYSICAL * physical_post * np.maximum(0.7 - capacity, 0.0)
        + RETAIN_LONG_UNEMPLOYED * np.minimum(years_unemployed, 3.0) / 3.0
    )
    p_hired = _sigmoid(hire)
    p_retained = _sigmoid(retain)
    return pd.DataFrame(
        {"p_hired": p_hired, "p_retained": p_retained, "p_success": p_hired * p_retained},
        index=pairs.index,
    )
