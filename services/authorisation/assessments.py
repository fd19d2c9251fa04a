"""Risk scoring, pure: likelihood x consequence on 1-5 each, and the four bands.

West Norfolk Academies Trust policy, Appendix 4 ("The level of risk is calculated by: The likelihood
x The Consequence", bands 1-4 low, 5-9 medium, 10-16 high, 17-25 very high).
"""

from __future__ import annotations

from enum import StrEnum


class Band(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    VERY_HIGH = "very_high"


class Kind(StrEnum):
    INITIAL = "initial"
    FULL = "full"
    DYNAMIC = "dynamic"


BAND_TOP = {Band.LOW: 4, Band.MEDIUM: 9, Band.HIGH: 16, Band.VERY_HIGH: 25}


def band_of(score: int) -> Band:
    """The band of a 1-25 score."""
    if not 1 <= score <= 25:
        raise ValueError(f"a risk score is 1-25, not {score}")
    for band, top in BAND_TOP.items():
        if score <= top:
            return band
    raise AssertionError("unreachable")


def score_of(likelihood: int, consequence: int) -> int:
    for name, value in (("likelihood", likelihood), ("consequence", consequence)):
        if not 1 <= value <= 5:
            raise ValueError(f"{name} is 1-5, not {value}")
    return likelihood * consequence


def representative_score(band: Band) -> int:
    """A checklist rates risk as a band only; count it at the top of its band, never lower."""
    return BAND_TOP[band]
