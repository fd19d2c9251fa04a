"""The embedded default's example school: in the directory, with a staff register and an
escalation ladder for the README's walk-through (example numbers from Ofcom's range for drama,
07700 900xxx; the office number from Ofcom's 01632 960xxx)."""

from __future__ import annotations

import httpx

from shared.runtime.settings import DoorstepSettings
from shared.security.tokens import mint_token

SCHOOL = "123456"
PEOPLE = {"staff-0001": ["staff"], "staff-0002": ["staff"], "dsl-0001": ["dsl"],
          "head-0001": ["headteacher"], "office-0001": ["office", "buddy"], "slt-0001": ["slt"]}

# Named as the pages and the ladder will show them; mobiles from Ofcom's range for drama.
NAMES = {"staff-0001": ("Sam Okafor", "Attendance officer", "07700 900001"),
         "staff-0002": ("Zoë O'Brien", "Family support worker", "07700 900002"),
         "dsl-0001": ("Priya Shah", "Designated safeguarding lead", "07700 900103"),
         "head-0001": ("Tom Ellis", "Headteacher", "07700 900102"),
         "office-0001": ("Ann Lee", "Office manager", "07700 900005"),
         "slt-0001": ("Grace Mensah", "Assistant headteacher", "07700 900101")}


EXAMPLE_SCHOOL = {"urn": SCHOOL, "name": "Riverside Primary", "timezone": "Europe/London",
                  "opens": "08:30", "closes": "15:30", "policy_pack": "trust-default",
                  "contact_number": "01632 960000"}


def seed_school(settings: DoorstepSettings, authorisation_url: str) -> bool:
    """Onboard the example school into the directory, unless it is there already."""
    token = mint_token(settings, user="it-0001", role="trust_it", schools=[])
    with httpx.Client(base_url=authorisation_url, timeout=10,
                      headers={"Authorization": f"Bearer {token}"}) as client:
        if client.get(f"/v1/schools/{SCHOOL}").status_code == 200:
            return False
        client.post("/v1/schools", json=EXAMPLE_SCHOOL).raise_for_status()
    return True


def seed_register(settings: DoorstepSettings, authorisation_url: str) -> list[str]:
    """Put the example people on school 123456's register, unless it already has people."""
    token = mint_token(settings, user="it-0001", role="trust_it", schools=[])
    with httpx.Client(base_url=authorisation_url, timeout=10,
                      headers={"Authorization": f"Bearer {token}"}) as client:
        if client.get(f"/v1/schools/{SCHOOL}/staff").json():
            return []
        for person, roles in PEOPLE.items():
            name, job_title, mobile = NAMES[person]
            client.put(f"/v1/schools/{SCHOOL}/staff/{person}", json={
                "roles": roles, "name": name, "job_title": job_title, "mobile": mobile,
            }).raise_for_status()
    return list(PEOPLE)


LADDER = [{"person_id": "slt-0001", "role": "slt", "phone": "07700 900101"},
          {"person_id": "head-0001", "role": "headteacher", "phone": "07700 900102"},
          {"person_id": "dsl-0001", "role": "dsl", "phone": "07700 900103"}]
TRUST_LEADS = [{"person_id": "tsl-0001", "role": "trust_safety_lead", "phone": "07700 900104"}]


def seed_ladder(settings: DoorstepSettings, escalation_url: str) -> bool:
    """School 123456's escalation contacts and the trust's safety lead, unless already set."""
    token = mint_token(settings, user="it-0001", role="trust_it", schools=[])
    with httpx.Client(base_url=escalation_url, timeout=10,
                      headers={"Authorization": f"Bearer {token}"}) as client:
        if client.get(f"/v1/schools/{SCHOOL}/escalation-contacts").json():
            return False
        client.put("/v1/escalation-contacts", json={"contacts": TRUST_LEADS}).raise_for_status()
        client.put(f"/v1/schools/{SCHOOL}/escalation-contacts",
                   json={"contacts": LADDER}).raise_for_status()
    return True
