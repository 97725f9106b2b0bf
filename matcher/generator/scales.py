"""The generator's scales: how many of everything each scale makes, in one table.

Figures at ``province`` scale follow the 2009 notice (30,000 welfare places, 10,000 grassroots
places, 10,000 internship places in 1,000 enterprises, 3,270 public employment-service posts) and
the digest's calibration values; ``city`` is Shenyang (2101) alone with its population share
(7.2 of 42.2 million, about 17 %) of the program posts, sessions and history; ``small`` keeps all
14 cities at a size that generates in well under a second.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Scale:
    """How much a scale generates. Place counts are totals of post ``capacity``.

    Attributes
    ----------
    name : str
        The scale's name (``small``, ``city``, ``province`` or a custom one in tests).
    cities : tuple of str or None
        City codes to generate, or ``None`` for all 14.
    hard_to_employ : int
        Hard-to-employ seekers (就业困难对象 candidates, including some who belong to no group).
    graduates : int
        College graduates.
    welfare_places, welfare_posts : int
        Public-welfare post places and the posts holding them.
    grassroots_places : int
        Grassroots management and service post places (including two labour-security assistants
        per township).
    townships : int
        Rural townships (乡镇) that hold grassroots posts; each gets two labour-security assistants.
    communities : int
        Urban communities (社区) that hold welfare and grassroots posts.
    internship_places, internship_enterprises : int
        Graduate internship places and the enterprises hosting them.
    public_service_places : int
        Public employment-service posts (公共就业服务岗位).
    vacancy_places : int
        Ordinary job-fair vacancy places (program ``vacancy``).
    enterprises : int
        Enterprises offering vacancies (internship hosts are drawn from them).
    sessions : int
        Training sessions.
    history_records : int
        Historical referrals (placements) in 2007-2008.
    history_posts : int
        Historical (``filled``/``closed``) posts those referrals point to.
    """

    name: str
    cities: tuple[str, ...] | None
    hard_to_employ: int
    graduates: int
    welfare_places: int
    welfare_posts: int
    grassroots_places: int
    townships: int
    communities: int
    internship_places: int
    internship_enterprises: int
    public_service_places: int
    vacancy_places: int
    enterprises: int
    sessions: int
    history_records: int
    history_posts: int

    @property
    def seekers(self) -> int:
        """All seekers: hard-to-employ plus graduates."""
        return self.hard_to_employ + self.graduates


# fmt: off
# name,      cities,   hard,    grads, welf pl, welf posts, grass pl, townships, communities,
#            intern pl, intern firms, pub serv, vacancies, firms, sessions, history, hist posts
SCALES: dict[str, Scale] = {
    s.name: s
    for s in (
        Scale("small", None, 2_250, 750, 300, 30, 100, 14, 40,
              100, 10, 30, 300, 120, 100, 5_000, 600),
        Scale("city", ("2101",), 45_000, 15_000, 5_100, 510, 1_700, 170, 430,
              1_700, 170, 560, 8_000, 1_000, 850, 85_000, 10_000),
        Scale("province", None, 300_000, 100_000, 30_000, 3_000, 10_000, 1_000, 2_500,
              10_000, 1_000, 3_270, 40_000, 6_000, 5_000, 500_000, 60_000),
    )
}
# fmt: on

SCALE_NAMES: tuple[str, ...] = tuple(SCALES)


def get_scale(scale: str | Scale) -> Scale:
    """The :class:`Scale` named ``scale`` (a :class:`Scale` passes through).

    Raises
    ------
    ValueError
        If the name is not one of :data:`SCALE_NAMES`.
    """
    if isinstance(scale, Scale):
        return scale
    try:
        return SCALES[scale]
    except KeyError:
        raise ValueError(
            f"The 'scale' parameter of generate_province must be one of "
            f"{', '.join(SCALE_NAMES)}. Got {scale!r} instead."
        ) from None
