"""Hand-made people for policy tests: seekers and households parsed by the real loader from
a few words each (sex, birth date, and whatever seeker column or household field differs from
an ordinary registered-unemployed urban worker in Shenyang)."""

from __future__ import annotations

from datetime import date

import pandas as pd

from matcher import idnumber
from matcher.io.load import parse_table
from matcher.schemas import TABLES

REFERENCE = date(2009, 3, 2)

_BASE = {
    "name": "张三",
    "city": "2101",
    "district": "210102",
    "hukou": "urban",
    "education": "senior_secondary",
    "graduation_year": "",
    "major": "",
    "skills": "",
    "desired_titles": "",
    "reservation_wage": "",
    "registered_unemployed": "1",
    "unemployed_since": "2008-10-01",
    "registered_date": "2008-10-05",
    "disabled": "0",
    "returning_migrant": "0",
    "laid_off": "0",
    "demobilised_soldier": "0",
    "model_worker": "0",
    "military_spouse": "0",
    "martyr_family": "0",
    "single_parent": "0",
    "cadre": "0",
    "wants_business": "",
}
_HOUSEHOLD = {
    "zero_employment": "0",
    "minimum_allowance": "0",
    "near_minimum": "0",
    "per_capita_income": "",
    "disabled_member": "",
    "military_martyr": "",
    "single_parent_family": "",
}


def people(*specs: dict[str, object]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Seekers and households frames parsed by the real loader from simple dicts.

    Each spec gives ``sex`` and ``born`` (a date) plus any seeker column or household flag.
    """
    seeker_rows, household_rows = [], []
    for i, spec in enumerate(specs):
        born: date = spec["born"]  # type: ignore[assignment]
        sex = str(spec["sex"])
        row = {**_BASE, "seeker_id": f"S{i:04d}", "household_id": f"H{i:04d}", "sex": sex}
        row["birth_date"] = born.isoformat()
        row["id_number"] = idnumber.make("210102", born, 2 * i + (1 if sex == "M" else 0))
        household = {
            "household_id": f"H{i:04d}",
            "city": "2101",
            "district": "210102",
            "members": "3",
            "zero_employment_since": "",
            **_HOUSEHOLD,
        }
        for key, value in spec.items():
            if key in household:
                household[key] = str(value)
            elif key not in ("born",):
                row[key] = str(value)
        seeker_rows.append(row)
        household_rows.append(household)
    seekers, problems = parse_table(
        pd.DataFrame(seeker_rows, dtype=str), TABLES["seekers"], "seekers", REFERENCE
    )
    assert not problems, problems
    households, problems = parse_table(
        pd.DataFrame(household_rows, dtype=str), TABLES["households"], "households", REFERENCE
    )
    assert not problems, problems
    return seekers, households
