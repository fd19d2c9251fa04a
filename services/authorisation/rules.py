"""The rule engine: which named rules a decision would break. Pure."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Broken:
    rule: str
    message: str
    policy: str
    citation: str

    def as_dict(self) -> dict[str, str]:
        return {"rule": self.rule, "message": self.message, "policy": self.policy,
                "citation": self.citation}


def very_high_risk(score: int) -> list[Broken]:
    if score >= 17:
        return [Broken("VeryHighRiskCannotBeAuthorised",
                       f"the risk score is {score} (very high, 17-25): the visit cannot go ahead",
                       "west-norfolk-academies-trust.txt",
                       "Appendix 4: '17 - 25 Very High (unacceptable) Do not undertake the activity'")]
    return []
