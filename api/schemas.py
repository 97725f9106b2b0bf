"""Request and response models. ``*Public`` models are what the API returns; identity numbers
only ever appear masked (``id_number_masked``)."""

from __future__ import annotations

import datetime as dt
from typing import Any, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field

T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    """One page of a list: the items and the total count matching the query."""

    items: list[T]
    total: int


class Health(BaseModel):
    status: Literal["ok"] = "ok"
    version: str
    database: str


class ErrorItem(BaseModel):
    """One problem of a rejected request: for uploads, a bad row (0-based position in a JSON
    list; the spreadsheet row, header = 1, in a CSV), its column, value and the rule broken."""

    row: int | None = Field(default=None, examples=[2])
    column: str | None = Field(default=None, examples=["education"])
    value: str | None = Field(default=None, examples=["college"])
    message: str = Field(examples=["must be one of primary, junior_secondary, …"])


class ErrorReport(BaseModel):
    errors: list[ErrorItem]


class Detail(BaseModel):
    detail: str


class UpsertPublic(BaseModel):
    """What an upload did: rows inserted and rows updated (by id)."""

    table: str
    inserted: int
    updated: int


class SeekerPublic(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "seeker_id": "S0000001",
                    "id_number_masked": "210102********123X",
                    "name": "王伟",
                    "sex": "M",
                    "city": "2101",
                    "district": "210102",
                    "education": "senior_secondary",
                    "desired_titles": "保安员|仓库管理员",
                    "registered_date": "2009-02-16",
                    "household_id": "H0000001",
                    "placed_week": None,
                }
            ]
        }
    )

    seeker_id: str
    id_number_masked: str
    name: str | None
    sex: str | None
    city: str | None
    district: str | None
    education: str | None
    desired_titles: str | None
    registered_date: dt.date | None
    household_id: str | None
    placed_week: str | None


class PostPublic(BaseModel):
    post_id: str
    program: str | None
    employer_id: str | None
    title: str | None
    city: str | None
    district: str | None
    capacity: int | None
    filled: int
    wage: int | None
    min_education: str | None
    posted_date: dt.date | None
    status: str | None


class HouseholdPublic(BaseModel):
    household_id: str
    city: str | None
    district: str | None
    members: int | None
    zero_employment: bool | None
    zero_employment_since: dt.date | None


class EmployerPublic(BaseModel):
    employer_id: str
    name: str | None
    kind: str | None
    city: str | None
    district: str | None


class RunCreate(BaseModel):
    """Start a weekly run for one city."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"city": "2101", "week": "2009-W12"}]}
    )

    city: str = Field(pattern=r"^21(0[1-9]|1[0-4])$", examples=["2101"])
    week: str = Field(pattern=r"^\d{4}-W\d{2}$", examples=["2009-W12"])
    list_length: int = Field(default=5, ge=1, le=50)
    method: Literal["capped", "topk"] = "capped"
    slack: float = Field(default=2.0, gt=0, le=100)
    #: The programmes' priority order: ``notice`` (each rules file's own) or a preset a file
    #: names (welfare: ``listing_order``).
    priority_preset: str = Field(default="notice", pattern=r"^[a-z][a-z0-9_]*$")
    #: Run a week that already has offers again: its pending offers are superseded by this
    #: run's when it commits (refused if any of them already has an outcome).
    replace: bool = False


class RunPublic(BaseModel):
    run_id: int
    city: str
    week: str
    status: str
    stage: str
    progress: float
    reference_date: dt.date
    input_hash: str | None
    config_hash: str
    output_hash: str | None
    code_version: str
    created_at: dt.datetime
    finished_at: dt.datetime | None
    error: str | None
    timings: dict[str, float]
    summary: dict[str, Any]


class RecommendationPublic(BaseModel):
    rank: int
    post_id: str
    title: str | None
    employer_id: str | None
    wage: int | None
    score: float
    reason: str


class SeekerRecommendations(BaseModel):
    """A seeker's recommended vacancies from the latest succeeded run of their city."""

    seeker_id: str
    run_id: int | None
    week: str | None
    items: list[RecommendationPublic]
    total: int


class ShortlistPublic(BaseModel):
    rank: int
    seeker_id: str
    name: str | None
    id_number_masked: str
    score: float


class PlacementPublic(BaseModel):
    seeker_id: str
    post_id: str
    program: str
    tier: int | None
    score: float
    reason: str


class FamilyPublic(BaseModel):
    household_id: str
    district: str
    registered: dt.date
    deadline: dt.date
    days_left: int
    status: str  # overdue, near, open, covered_late, covered
    members: list[str]
    best_posts: list[str]
    offers_made: int = 0
    first_offer: dt.date | None = None
    covered_on: dt.date | None = None


class OfferPublic(BaseModel):
    offer_id: int
    run_id: int
    city: str
    week: str
    seeker_id: str
    post_id: str
    outcome: str
    outcome_date: dt.date | None
    offered: dt.date  # the day the offer was made: its run's reference date


class OfferOutcome(BaseModel):
    model_config = ConfigDict(extra="forbid")

    outcome: Literal["accepted", "refused", "no_answer"]
    date: dt.date | None = None


class QuotaPublic(BaseModel):
    city: str
    need: int
    quota: int


class QuotasPublic(BaseModel):
    program: str
    total: int
    method: str
    items: list[QuotaPublic]


class FairnessPublic(BaseModel):
    run_id: int
    city: str
    week: str
    programs: dict[str, Any]
