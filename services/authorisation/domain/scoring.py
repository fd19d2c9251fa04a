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


def checklist_score(level_with_controls: str) -> int:
    return representative_score(Band(level_with_controls))


def hazard_scores(hazards: list[dict[str, object]]) -> list[tuple[int, int]]:
    """(initial, residual) per hazard; residual is the initial score where none was given."""
    scores = []
    for h in hazards:
        initial = score_of(int(h["likelihood"]), int(h["consequence"]))  # type: ignore[call-overload]
        rl, rc = h.get("residual_likelihood"), h.get("residual_consequence")
        residual = score_of(int(rl), int(rc)) if rl and rc else initial  # type: ignore[call-overload]
        scores.append((initial, residual))
    return scores


def full_score(hazards: list[dict[str, object]]) -> int:
    """The assessment stands at its worst hazard, after controls."""
    return max(residual for _, residual in hazard_scores(hazards))


def high_risk_controlled(hazards: list[dict[str, object]], high_from: int = 10) -> bool:
    """Every hazard scored high or worse has further action recorded (by whom, by when)."""
    return all(h.get("further_action") for h, (initial, _) in zip(hazards, hazard_scores(hazards),
                                                                  strict=True)
               if initial >= high_from)


DOOR_SCORES = {"proceed": 4, "doorstep_only": 9, "withdraw": 20}


def door_red_flags(door: dict[str, object]) -> list[str]:
    """What at the door means do not go in (West Norfolk 2.12, lines 163-165; Ordsall 4, line 121)."""
    flags = []
    if door.get("raised_voices_or_aggression"):
        flags.append("raised voices or signs of aggression")
    if door.get("under_influence"):
        flags.append("someone under the influence of alcohol or drugs")
    if door.get("inappropriately_dressed"):
        flags.append("someone inappropriately dressed")
    if not door.get("appropriate_adult_present"):
        flags.append("no appropriate adult present")
    if door.get("child_alone"):
        flags.append("a child alone")
    return flags
