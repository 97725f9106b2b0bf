"""City quotas of a programme: its places apportioned over the 14 cities by need.

One definition of need (eligible people per city, optionally weighted by tier), one seeded
tie-break (:data:`QUOTA_LOT_SEED`) and the named presets of ``data/quota_presets.toml``. The
demo, the weekly runs' province view, the benchmarks, the CLI and the API all make city quotas
here.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction
from functools import cache

import pandas as pd

from matcher import reference
from matcher.errors import MatcherError
from matcher.quotas.explain import explanation_frame
from matcher.quotas.methods import Apportionment, TieRule, apportion
from matcher.quotas.need import need_weights
from matcher.quotas.weights import (
    WeightsTable,
    weights_from_frame,
    with_max_share,
    with_minimum_each,
    with_topup,
)

DEFAULT_QUOTA_METHOD = "webster"
#: Quota ties are broken by the documented lot with this seed, so a run never stops on a tie.
QUOTA_LOT_SEED = 2009


@dataclass(frozen=True)
class QuotaPreset:
    """A named change to the need table before apportionment (``data/quota_presets.toml``)."""

    name: str
    description: str
    topup_flag: str | None = None
    topup_percent: Fraction | None = None
    min_each: int | None = None
    max_share: Fraction | None = None

    def topup_cities(self) -> list[str]:
        """City codes whose weight the preset raises (a boolean column of ``cities.csv``)."""
        if self.topup_flag is None:
            return []
        cities = reference.cities()
        if self.topup_flag not in cities.columns:
            raise MatcherError(
                f"quota preset {self.name!r}: topup_flag {self.topup_flag!r} is not a column "
                "of data/cities.csv"
            )
        return cities.loc[cities[self.topup_flag].astype(bool), "code"].astype(str).tolist()


@cache
def quota_presets() -> dict[str, QuotaPreset]:
    """The named presets, by name."""
    path = reference.data_dir() / "quota_presets.toml"
    with path.open("rb") as handle:
        raw = tomllib.load(handle)
    presets: dict[str, QuotaPreset] = {}
    for name, spec in raw.items():
        percent = spec.get("topup_percent")
        share = spec.get("max_share")
        presets[name] = QuotaPreset(
            name=name,
            description=str(spec.get("description", "")),
            topup_flag=spec.get("topup_flag"),
            topup_percent=None if percent is None else Fraction(str(percent)),
            min_each=spec.get("min_each"),
            max_share=None if share is None else Fraction(str(share)),
        )
    return presets


def quota_preset(name: str) -> QuotaPreset:
    """One preset by name; an unknown name is an error that lists the known ones."""
    presets = quota_presets()
    if name not in presets:
        raise MatcherError(
            f"unknown quota preset {name!r}; known: {', '.join(sorted(presets)) or 'none'}"
        )
    return presets[name]


def apply_bounds(
    table: WeightsTable,
    total: int,
    *,
    topup_cities: list[str] | None = None,
    topup_percent: Fraction | None = None,
    min_each: int | None = None,
    max_share: Fraction | None = None,
) -> WeightsTable:
    """Raise the weight of ``topup_cities`` by ``topup_percent``, then bound every region by
    ``min_each`` seats and ``max_share`` % of ``total``."""
    if topup_percent is not None:
        chosen = [r for r in table.regions if r in set(topup_cities or [])]
        if not chosen:
            raise MatcherError(
                f"a weight top-up needs city codes ({', '.join(topup_cities or [])}) among the "
                f"regions of {table.source}; none found"
            )
        table = with_topup(table, chosen, topup_percent)
    if min_each is not None:
        table = with_minimum_each(table, min_each)
    if max_share is not None:
        table = with_max_share(table, total, max_share)
    return table


def apply_preset(table: WeightsTable, total: int, preset: QuotaPreset) -> WeightsTable:
    """The need table with a named preset applied."""
    return apply_bounds(
        table,
        total,
        topup_cities=preset.topup_cities(),
        topup_percent=preset.topup_percent,
        min_each=preset.min_each,
        max_share=preset.max_share,
    )


def city_need(
    eligibility: pd.DataFrame,
    *,
    tier_weights: Mapping[int, Fraction | int | str] | None = None,
    source: str = "eligibility",
) -> pd.DataFrame:
    """Need per city: eligible people (weighted by tier when ``tier_weights`` is given) in each
    of the 14 cities, in the reference order, as a weights table frame (``region``, ``weight``,
    ``eligible`` … see :func:`matcher.quotas.need.need_weights`)."""
    return need_weights(
        eligibility,
        by="city",
        tier_weights=tier_weights,
        regions=reference.city_codes(),
        source=source,
    )


def need_from_counts(counts: Mapping[str, int]) -> pd.DataFrame:
    """A need frame from eligible counts per city (e.g. read back from stored runs); cities
    not named count 0."""
    codes = reference.city_codes()
    order = codes + sorted(set(counts) - set(codes))
    return pd.DataFrame(
        {
            "region": order,
            "weight": [str(int(counts.get(c, 0))) for c in order],
            "eligible": [int(counts.get(c, 0)) for c in order],
        }
    )


def city_quotas(
    need: pd.DataFrame,
    total: int,
    *,
    method: str = DEFAULT_QUOTA_METHOD,
    preset: str | None = None,
    seed: int = QUOTA_LOT_SEED,
    compare: bool = False,
) -> pd.DataFrame:
    """Apportion ``total`` places over the regions of ``need`` (``region``, ``weight``).

    Parameters
    ----------
    need : DataFrame
        From :func:`city_need` or :func:`need_from_counts`.
    total : int
        Places to apportion (the programme's open places).
    method : str
        An apportionment method of :mod:`matcher.quotas.methods`.
    preset : str, optional
        A named preset of ``data/quota_presets.toml``.
    seed : int
        Seed of the lot that breaks a tie for the last place.
    compare : bool
        Add one ``by_<method>`` column per method.

    Returns
    -------
    DataFrame
        The explanation frame of :func:`matcher.quotas.explain.explanation_frame`: ``region``,
        ``quota``, ``weight`` … one row per region.
    """
    table = weights_from_frame(need.loc[:, ["region", "weight"]], source="need")
    if preset is not None:
        table = apply_preset(table, total, quota_preset(preset))
    return explanation_frame(apportion_table(table, total, method, seed=seed), compare=compare)


def apportion_table(
    table: WeightsTable,
    total: int,
    method: str,
    *,
    ties: TieRule = "lot",
    seed: int | None = QUOTA_LOT_SEED,
) -> Apportionment:
    """:func:`matcher.quotas.methods.apportion` of a weights table within its bounds."""
    return apportion(
        table.regions,
        table.weights,
        total,
        method,
        minimum=table.minimum,
        maximum=table.maximum,
        ties=ties,
        seed=seed,
    )


def quota_caps(quotas: pd.DataFrame) -> dict[str, int]:
    """City → quota, the caps of the allocation."""
    return dict(zip(quotas["region"].astype(str), quotas["quota"].astype(int), strict=True))
