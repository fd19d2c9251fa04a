"""Who the ladder tells at each level: named rules, each citing the policy it comes from."""

from __future__ import annotations

from typing import Any

from shared.contracts import Role

Contact = dict[str, Any]  # person_id, role; optionally phone, email, teams_webhook_url, webhook_url

TOP_LEVEL = 3
FALLBACK_LEVEL = 4
SENIOR_LEADERS = frozenset({Role.SLT, Role.HEADTEACHER})
SAFETY_LEADS = frozenset({Role.DSL, Role.DEPUTY_DSL, Role.SLT, Role.HEADTEACHER,
                          Role.TRUST_SAFETY_LEAD})

# BuddyTriesEveryStaffMember: "the allocated buddy must make all reasonable attempts to contact
# each staff member" (west-norfolk-academies-trust.txt 2.7, line 115).
# SeniorLeaderAtOnceWithoutContact: "If contact cannot be established, a senior leader must be
# informed immediately and consideration must be given to contacting the police" (ibid.).
# HeadteacherDecidesOnPolice: "the headteacher will be notified as soon as possible to decide on
# the appropriate response. The police will be contacted where there is concern for a staff
# member's welfare" (ordsall-primary.txt, line 108).
# DuressGoesToTheTop: "call your buddy using the code word to summon help. In this case the buddy
# should make a 999 call to the police" (west-norfolk-academies-trust.txt 2.2, line 85).
# FallbackToEverySafetyLead: Doorstep's own rule (issue 4): an unacknowledged top level is told to
# every safety lead of the school and trust; it cannot be switched off.
LEVEL_ROLES: dict[int, frozenset[Role]] = {
    2: frozenset({Role.SLT}),
    3: frozenset({Role.HEADTEACHER}),
    FALLBACK_LEVEL: SAFETY_LEADS,
}


def contacts_for(level: int, *, buddy: Contact | None, directory: list[Contact],
                 on_visit: set[str], duress: bool = False) -> list[Contact]:
    """The contacts told at `level`. ContactOnVisitIsSkipped: nobody on the visit is told about it
    (they cannot help, and for duress it must not show on their own phone)."""
    wanted: list[Contact] = []
    if level == 1 or (duress and level >= TOP_LEVEL):
        wanted += [buddy] if buddy else []
    if duress and level == TOP_LEVEL:
        wanted += [c for c in directory if c["role"] in SENIOR_LEADERS]
    elif level in LEVEL_ROLES:
        wanted += [c for c in directory if c["role"] in LEVEL_ROLES[level]]
    chosen = _unique(c for c in wanted if c["person_id"] not in on_visit)
    if not chosen and level < FALLBACK_LEVEL:
        # NeverNobody: a level with nobody to tell passes its message up rather than go quiet.
        return contacts_for(level + 1, buddy=buddy, directory=directory, on_visit=on_visit,
                            duress=duress)
    return chosen


def _unique(contacts: Any) -> list[Contact]:
    seen: set[str] = set()
    result: list[Contact] = []
    for contact in contacts:
        if contact["person_id"] not in seen:
            seen.add(contact["person_id"])
            result.append(contact)
    return result


def level_reason(level: int, trigger: str) -> str:
    if trigger == "duress":
        return "duress: the buddy calls 999; senior leaders and the headteacher are told at once"
    return {
        1: "the buddy tries every staff member on the visit",
        2: "a senior leader is told: no acknowledgement or no contact",
        3: "the headteacher is told and decides about the police",
        4: "the top level was not acknowledged: every safety lead of the school and trust is told",
    }[level]


# LadderIsComplete: a school's ladder must reach someone at each level above the buddy. Who is
# needed where comes from LEVEL_ROLES; "reachable" means a phone or a webhook to call.
NEEDED = {2: "a senior leader (slt)", 3: "the headteacher",
          FALLBACK_LEVEL: "a safety lead (dsl, deputy_dsl, slt, headteacher, trust_safety_lead)"}


REACHED_BY = ("phone", "email", "teams_webhook_url", "webhook_url")


def ladder_gaps(directory: list[Contact]) -> list[str]:
    """What the school's ladder lacks, level by level; empty when every level reaches someone."""
    gaps = []
    for level, needed in NEEDED.items():
        reachable = [c for c in directory if c["role"] in LEVEL_ROLES[level]
                     and any(c.get(way) for way in REACHED_BY)]
        if not reachable:
            gaps.append(f"level {level}: no reachable contact; add {needed} with a phone")
    return gaps
