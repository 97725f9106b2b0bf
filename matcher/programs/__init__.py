"""The one workflow of a programme, as small stages that the demo, the weekly runs, the
benchmarks, the CLI and the API all call:

open posts (:mod:`.posts`) → eligible seekers (:mod:`.seekers`) → city quotas (:mod:`.quotas`)
→ candidate pairs (:mod:`.candidates`) → placement (:mod:`.place`) → reasons for the pairs a
result shows (:mod:`.reasons`); :mod:`.run` composes them for a dataset, :mod:`.demo` for the
embedded default data.
"""

from matcher.programs.candidates import candidate_table, candidates_for_dir, program_candidates
from matcher.programs.place import Placement, place
from matcher.programs.posts import allocation_posts, open_mask, open_posts, places_left
from matcher.programs.quotas import (
    DEFAULT_QUOTA_METHOD,
    QUOTA_LOT_SEED,
    city_need,
    city_quotas,
    need_from_counts,
    quota_caps,
)
from matcher.programs.reasons import pair_reasons
from matcher.programs.run import ProgramRun, run_program
from matcher.programs.seekers import allocation_seekers, program_eligibility

__all__ = [
    "DEFAULT_QUOTA_METHOD",
    "QUOTA_LOT_SEED",
    "Placement",
    "ProgramRun",
    "allocation_posts",
    "allocation_seekers",
    "candidate_table",
    "candidates_for_dir",
    "city_need",
    "city_quotas",
    "need_from_counts",
    "open_mask",
    "open_posts",
    "pair_reasons",
    "place",
    "places_left",
    "program_candidates",
    "program_eligibility",
    "quota_caps",
    "run_program",
]
