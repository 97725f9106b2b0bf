"""The API's run-output models carry the run tables' columns as matcher.schemas.columns names
them (pydantic fields are identifiers, so the models spell them; this test ties the two)."""

from __future__ import annotations

from api.schemas import FamilyPublic, OfferPublic, PlacementPublic, RecommendationPublic
from matcher.schemas.columns import FAMILIES, OFFERS, PLACEMENTS, RECOMMENDATIONS, SEEKER_ID


def test_run_output_models_use_the_column_names() -> None:
    assert tuple(PlacementPublic.model_fields) == PLACEMENTS
    assert tuple(FamilyPublic.model_fields) == FAMILIES
    # A seeker's list is returned under the seeker, so its items leave the seeker id out.
    listed = set(RECOMMENDATIONS) - {SEEKER_ID}
    assert listed <= set(RecommendationPublic.model_fields)
    assert set(OFFERS) <= set(OfferPublic.model_fields)
