"""Distances between places: the great circle between county-level district centres.

One cached districts × districts table serves the generator (commutes), the scoring layer
(distance features) and training (catchments), so every stage means the same kilometre.
"""

from __future__ import annotations

from functools import cache

import numpy as np
import numpy.typing as npt
import pandas as pd

from matcher import reference

EARTH_RADIUS_KM = 6371.0


def haversine_km(
    lon1: npt.ArrayLike, lat1: npt.ArrayLike, lon2: npt.ArrayLike, lat2: npt.ArrayLike
) -> npt.NDArray[np.float64]:
    """Great-circle kilometres between points in decimal degrees (numpy broadcasting)."""
    x1, y1, x2, y2 = (np.radians(np.asarray(v, dtype=np.float64)) for v in (lon1, lat1, lon2, lat2))
    a = np.sin((y2 - y1) / 2) ** 2 + np.cos(y1) * np.cos(y2) * np.sin((x2 - x1) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


@cache
def _district_distances() -> tuple[pd.Index, npt.NDArray[np.float64]]:
    table = reference.districts()
    lon = table["longitude"].to_numpy(dtype=float)
    lat = table["latitude"].to_numpy(dtype=float)
    km = haversine_km(lon[:, None], lat[:, None], lon[None, :], lat[None, :])
    km.setflags(write=False)
    return pd.Index(table["code"].astype(str).to_numpy(), name="district"), km


def district_distances() -> tuple[pd.Index, npt.NDArray[np.float64]]:
    """District codes (in ``reference.districts()`` order) and the km between their centres,
    codes × codes (read-only; 0 on the diagonal)."""
    return _district_distances()
