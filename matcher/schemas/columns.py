"""Column names of the internal tables that cross module boundaries, held in one place.

The input tables (seekers, households, employers, posts …) are declared with their rules in
:mod:`matcher.schemas.tables`; this module names the columns of the tables the library makes
from them: candidate pairs, the allocation's seekers and posts, placements, a weekly run's
recommendations, shortlists and 20-day list. The allocation engine, the programme workflow,
the weekly runs, the storage models and the API import these rather than spelling the strings.
"""

from __future__ import annotations

# Ids and the score every pair carries.
SEEKER_ID = "seeker_id"
POST_ID = "post_id"
EMPLOYER_ID = "employer_id"
HOUSEHOLD_ID = "household_id"
SCORE = "score"
RANK = "rank"
REASON = "reason"

# Allocation inputs.
TIER = "tier"
#: The need index (需要程度) that orders people within a tier (data/policies/*.toml).
NEED = "need"
#: The allocation order a policy gives (tier, then need): the allocation's ``tier`` input.
PRIORITY = "priority"
#: The policy's own tier, kept beside the allocation's ``tier`` (the priority) for measures.
POLICY_TIER = "policy_tier"
LOTTERY = "lottery"
FAMILY_ID = "family_id"
ZERO_EMPLOYMENT = "zero_employment"
CAPACITY = "capacity"
CITY = "city"
CAP = "cap"
FLOOR = "floor"
GROUP = "group"
PROGRAM = "program"
STATUS = "status"
#: Places left on a post once earlier weeks' accepted and pending offers are counted.
REMAINING = "remaining"

#: The status of a post that takes placements.
OPEN = "open"

# A weekly run's 20-day list of zero-employment families and its offers.
RUN_ID = "run_id"
DISTRICT = "district"
REGISTERED = "registered"
DEADLINE = "deadline"
DAYS_LEFT = "days_left"
MEMBERS = "members"
BEST_POSTS = "best_posts"
WEEK = "week"
OUTCOME = "outcome"
#: The day an offer was made (its run's reference date): the 20-day clock of (三十九).
OFFERED = "offered"
#: The 20-day list's record of offers: how many, the first one's day, the first covering one's.
OFFERS_MADE = "offers_made"
FIRST_OFFER = "first_offer"
COVERED_ON = "covered_on"

#: Scored candidate pairs, as every stage after scoring passes them on.
CANDIDATE_PAIRS: tuple[str, ...] = (SEEKER_ID, POST_ID, SCORE)
#: The allocation's seekers table (the eligible, with their tier and family).
ALLOCATION_SEEKERS: tuple[str, ...] = (SEEKER_ID, TIER, FAMILY_ID, ZERO_EMPLOYMENT)
#: The allocation's posts table.
ALLOCATION_POSTS: tuple[str, ...] = (POST_ID, CAPACITY, CITY)
#: A weekly run's placements (its offers of programme posts).
PLACEMENTS: tuple[str, ...] = (SEEKER_ID, POST_ID, PROGRAM, TIER, SCORE, REASON)
#: A weekly run's recommendation lists.
RECOMMENDATIONS: tuple[str, ...] = (SEEKER_ID, RANK, POST_ID, SCORE, REASON)
#: A weekly run's employer shortlists.
SHORTLISTS: tuple[str, ...] = (POST_ID, RANK, EMPLOYER_ID, SEEKER_ID, SCORE)
#: A weekly run's 20-day list of zero-employment families (三十九).
FAMILIES: tuple[str, ...] = (
    HOUSEHOLD_ID, DISTRICT, REGISTERED, DEADLINE, DAYS_LEFT, STATUS, MEMBERS, BEST_POSTS,
    OFFERS_MADE, FIRST_OFFER, COVERED_ON,
)  # fmt: skip
#: Offers made to seekers, as the runs read them back (with the day each was made).
OFFERS: tuple[str, ...] = (SEEKER_ID, POST_ID, OUTCOME, WEEK, OFFERED)

__all__ = [
    "ALLOCATION_POSTS",
    "ALLOCATION_SEEKERS",
    "BEST_POSTS",
    "CANDIDATE_PAIRS",
    "CAP",
    "CAPACITY",
    "CITY",
    "COVERED_ON",
    "DAYS_LEFT",
    "DEADLINE",
    "DISTRICT",
    "EMPLOYER_ID",
    "FAMILIES",
    "FAMILY_ID",
    "FIRST_OFFER",
    "FLOOR",
    "GROUP",
    "HOUSEHOLD_ID",
    "LOTTERY",
    "MEMBERS",
    "NEED",
    "OFFERED",
    "OFFERS",
    "OFFERS_MADE",
    "OPEN",
    "OUTCOME",
    "PLACEMENTS",
    "POLICY_TIER",
    "POST_ID",
    "PRIORITY",
    "PROGRAM",
    "RANK",
    "REASON",
    "RECOMMENDATIONS",
    "REGISTERED",
    "REMAINING",
    "RUN_ID",
    "SCORE",
    "SEEKER_ID",
    "SHORTLISTS",
    "STATUS",
    "TIER",
    "WEEK",
    "ZERO_EMPLOYMENT",
]
