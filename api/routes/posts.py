"""Program posts (welfare, grassroots, internship, public service): list, read one, upload.

Job-fair vacancies live in the same table under program ``vacancy`` and have their own resource.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from api.routes._tables import table_router
from api.schemas import PostPublic
from matcher.errors import Problem

VACANCY = "vacancy"


def program_check(*, vacancies: bool) -> Callable[[pd.DataFrame], list[Problem]]:
    """The batch rule that keeps program posts and vacancies on their own resources."""
    rule = (
        "a vacancy's program must be 'vacancy' (upload program posts to /api/v1/posts)"
        if vacancies
        else "program posts cannot be 'vacancy' (upload vacancies to /api/v1/vacancies)"
    )
    label = "vacancies batch" if vacancies else "posts batch"

    def check(frame: pd.DataFrame) -> list[Problem]:
        wrong = (frame["program"] != VACANCY) if vacancies else (frame["program"] == VACANCY)
        return [
            Problem(label, int(i) + 2, "program", str(frame["program"][i]), rule)
            for i in wrong[wrong.fillna(False).astype(bool)].index
        ]

    return check


router = table_router(
    table="posts",
    key="post_id",
    noun="post",
    plural="posts",
    public=PostPublic,
    exclude_program=VACANCY,
    batch_check=program_check(vacancies=False),
    csv_example="post_id,program,...\n",
)
