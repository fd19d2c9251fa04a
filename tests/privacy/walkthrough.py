"""The README's walk-through with personal details no test data elsewhere uses, so a scan for
them in the stream, the stores and the JetStream files finds only what leaked."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

from shared.runtime.settings import DoorstepSettings
from shared.testing.http import client_for
from shared.testing.polling import until
from tests.visits.stories import URN, sign_out, visit_request

STAFF = ["staff-0001", "staff-0002"]
HOUSEHOLD = "hh-q1"
WAIT = 40  # seconds for another service to hear an event
AUTHORISE = {"decision": "authorise", "responsible_contact": "head-0001",
             "out_of_hours_reason": "the only time the family can be seen"}
# Every personal detail the walk-through gives, and the field that carries it.
PERSONAL = {
    "purpose": "welfare check for Jordan Quillfeather",
    "address": "17 Quillfeather Lane, Kings Lynn PE30 9ZZ",
    "expecting_to_see": "Mrs Quillfeather and Jordan",
    "mobile 1": "07700 955501",
    "mobile 2": "07700 955502",
    "buddy_phone": "01553 955503",
    "duress_phrase": "the tangerine folder",
    "note": "Mr Quillfeather answered the door",
    "incident": "Mr Quillfeather shouted at Ms Example",
    "concern": "Jordan Quillfeather had a bruise on the left arm",
    "write-up": "Spoke with Mrs Quillfeather about attendance",
    "action": "Ring Mrs Quillfeather on Friday",
    "staff name": "Wilhelmina Oakhart",
    "staff mobile": "07700 955504",
    "carer": "Marigold Quillfeather",
    "carer mobile": "07700 955505",
    "other adult": "Bartholomew Quillfeather",
}
# The school's MIS exports, imported before the walk-through: names, mobiles and the household.
STAFF_CSV = ("Staff ID,Legal Forename,Surname,Job Title,Mobile,Roles\r\n"
             f"staff-0001,{PERSONAL['staff name'].replace(' ', ',')},Teacher,"
             f"{PERSONAL['staff mobile']},staff\r\n"
             "staff-0002,Sam,Okafor,Teaching assistant,,staff\r\ndsl-0001,Priya,Shah,DSL,,dsl\r\n")
PUPILS_CSV = ("UPN,Legal Forename,Surname,Household ID,Address Line 1,Postcode,Contact 1 Name,"
              "Contact 1 Mobile,Other Adults\r\n"
              f"A123456789012,Jordan,Quillfeather,{HOUSEHOLD},\"17 Quillfeather Lane, Kings Lynn\","
              f"PE30 9ZZ,{PERSONAL['carer']},{PERSONAL['carer mobile']},"
              f"{PERSONAL['other adult']}\r\n")


async def import_people(settings: DoorstepSettings, authorisation_url: str) -> None:
    """The school office imports its staff and pupils (tests/authorisation/test_imports.py)."""
    office = client_for(settings, authorisation_url, user="it-0001", role="trust_it", schools=[])
    async with office:
        for kind, data in (("staff", STAFF_CSV), ("pupils", PUPILS_CSV)):
            applied = ok(await office.post(f"/v1/schools/{URN}/imports/{kind}?apply=true",
                                           content=data.encode(),
                                           headers={"Content-Type": "text/csv"}))
            assert applied["added"], applied


def ok(response: httpx.Response, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    return body


@dataclass
class Walked:
    visit_id: str
    history: list[dict[str, Any]]


async def walk(settings: DoorstepSettings, urls: dict[str, str]) -> Walked:
    """Request, assess, authorise, sign out, arrive with a note, check in, return, report an
    incident, raise a concern, write up: until records holds all of it."""
    staff = client_for(settings, urls["visits"], user="staff-0001", role="staff", schools=[URN])
    dsl = client_for(settings, urls["authorisation"], user="dsl-0001", role="dsl", schools=[URN])
    records = client_for(settings, urls["records"], user="dsl-0001", role="dsl", schools=[URN])
    async with staff, dsl, records:
        request = visit_request(STAFF, household_id=HOUSEHOLD, purpose=PERSONAL["purpose"])
        visit_id = ok(await staff.post(f"/v1/schools/{URN}/visits", json=request), 201)["visit_id"]
        base = f"/v1/schools/{URN}/visits/{visit_id}"

        async def known() -> bool:
            return (await dsl.get(f"{base}/authorisation")).status_code == 200

        await until(known, "the request reach authorisation", seconds=WAIT)
        ok(await dsl.post(f"{base}/risk-assessments", json={"kind": "initial", "score": 4}), 201)
        ok(await dsl.post(f"{base}/decision", json=AUTHORISE))

        async def authorised() -> bool:
            return bool((await staff.get(base)).json()["status"] == "authorised")

        await until(authorised, "the decision reach visits", seconds=WAIT)
        leaving = sign_out(STAFF)
        leaving.update(address=PERSONAL["address"], expecting_to_see=PERSONAL["expecting_to_see"],
                       buddy_phone=PERSONAL["buddy_phone"], duress_phrase=PERSONAL["duress_phrase"])
        leaving["staff"][0]["mobile"], leaving["staff"][1]["mobile"] = (
            PERSONAL["mobile 1"], PERSONAL["mobile 2"])
        shown = ok(await staff.post(f"{base}/departure", json=leaving))
        assert "address" not in shown["sign_out"]  # the visit opens no sign-out field
        opened = ok(await staff.get(f"{base}/home-visits-log"))  # its log does, and records it
        assert opened["address"] == PERSONAL["address"]
        ok(await staff.post(f"{base}/arrival", json={"note": PERSONAL["note"]}))
        ok(await staff.post(f"{base}/check-ins", json={}))
        ok(await staff.post(f"{base}/return", json={"incident_to_report": True}))

        async def household_known() -> bool:  # records seals these under the household's key
            history = ok(await records.get(f"{base}/history"))["events"]
            return any(e["type"] == "VisitRequested" for e in history)

        await until(household_known, "the request reach records", seconds=WAIT)
        school = f"/v1/schools/{URN}"
        ok(await records.post(f"{school}/incidents", json={
            "visit_id": visit_id, "kind": "verbal aggression",
            "description": PERSONAL["incident"]}), 201)
        ok(await records.post(f"{school}/concerns", json={
            "visit_id": visit_id, "pupil_ids": ["upn-A123"],
            "description": PERSONAL["concern"]}), 201)
        ok(await records.post(f"{base}/write-up", json={
            "summary": PERSONAL["write-up"], "actions": [{
                "description": PERSONAL["action"], "owner": "staff-0001",
                "due": "2030-01-04"}]}), 201)
        wanted = {"VisitRequested", "Departed", "Arrived", "Returned", "IncidentReported",
                  "SafeguardingConcernRaised", "VisitWrittenUp"}

        async def all_recorded() -> list[dict[str, Any]] | None:
            history = ok(await records.get(f"{base}/history"))["events"]
            return history if wanted <= {e["type"] for e in history} else None

        history = await until(all_recorded, "the whole walk-through in the trail", seconds=WAIT)
    return Walked(visit_id, history)
