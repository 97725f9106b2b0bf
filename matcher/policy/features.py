"""The names a policy condition may use, with what each means: the one list the expression
validator accepts (:mod:`matcher.policy.rules`) and the eligibility engine computes
(:mod:`matcher.eligibility.features`)."""

from __future__ import annotations

FEATURES: dict[str, str] = {
    # straight from seekers
    "sex": "'M' or 'F'",
    "hukou": "'urban' or 'rural'",
    "education": "education level code, e.g. 'bachelor'",
    "graduation_year": "year of leaving school or college",
    "major": "field of study",
    "city": "4-digit city code",
    "district": "6-digit county-level code",
    "registered_unemployed": "registered as unemployed (登记失业)",
    "disabled": "holds a disability certificate",
    "returning_migrant": "returned migrant worker (返乡农民工)",
    "laid_off": "laid off from a state enterprise (下岗)",
    "demobilised_soldier": "demobilised soldier who chose self-employment",
    "model_worker": "model worker of county level or above",
    "military_spouse": "spouse of a serving soldier",
    "martyr_family": "family member of a martyr",
    "single_parent": "single parent raising a minor child",
    "cadre": "holds a cadre post",
    "wants_business": "wants to start a business (有创业意愿; applies for SYB training)",
    "birth_date": "date of birth",
    # derived
    "age": "whole years of age on the reference date",
    "education_rank": "0 (primary) … 7 (doctorate); compare with edu('…')",
    "college_graduate": "education junior_college or above and graduated",
    "years_since_graduation": "reference year minus graduation year",
    "reference_year": "the year of the reference date",
    "unemployed_months": "whole months of the current unemployment spell (0 if none)",
    "retirement_age": "statutory retirement age: men 60, women 50, women cadres 55",
    "years_to_retirement": "retirement_age minus age",
    "working_age": "age from the minimum working age up to (not including) retirement_age",
    "zero_employment_family": "member of a certified zero-employment household (零就业家庭)",
    "minimum_allowance_household": "member of a minimum-allowance household (低保户)",
    "near_minimum_household": "member of a household just above the line (低保边缘户)",
    "low_income_household": "household income per head below the city's minimum wage",
    "disabled_household": "a household with a disabled member (残疾人家庭)",
    "military_martyr_household": "a soldier's or martyr's household (军烈属家庭)",
    "single_parent_household": "a single-parent household (单亲家庭)",
    "poor_family": (
        "困难家庭 as (二十七) defines it: an urban zero-employment, minimum-allowance or near-line "
        "household; a disabled or soldier's/martyr's household with income per head below the "
        "city's minimum wage; or a single-parent household"
    ),
}
