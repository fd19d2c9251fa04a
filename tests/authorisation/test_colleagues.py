"""Staff choose who goes on a visit by name (issue 21): any school role reads its colleagues'
names, job titles and roles, and nothing else of them; over HTTP on the real service."""

from __future__ import annotations

import pytest

from shared.security.tokens import mint_token
from tests.authorisation.conftest import URN, Service
from tests.authorisation.test_people import ZOE, until

pytestmark = pytest.mark.nats
COLLEAGUES = f"/v1/schools/{URN}/colleagues"


async def test_staff_see_their_colleagues_by_name_without_phones_or_documents(
        service: Service) -> None:
    people = {"staff-2": {**ZOE, "roles": ["staff"], "documents": {"licence": "2030-01-31"}},
              "dsl-1": {"roles": ["dsl"], "name": "Seán Ó Briain", "job_title": "Deputy Head",
                        "mobile": "07700 955604"},
              "staff-1": {"roles": ["staff", "buddy"], "name": "Ann Lee"},
              "office-1": {"roles": ["office"]}}  # on the register before people had names
    for staff_id, body in people.items():
        assert service.put(f"/v1/schools/{URN}/staff/{staff_id}", body).status_code == 200
    registers = service.client.app.state.runtime.registers  # type: ignore[attr-defined]
    assert await until(lambda: len(registers.schools[URN]) == 4)

    answer = service.get(COLLEAGUES, role="staff", user="staff-1")
    assert answer.status_code == 200, answer.text
    assert answer.json() == [  # by name, accents aside; the unnamed last
        {"staff_id": "staff-1", "name": "Ann Lee", "job_title": None,
         "roles": ["staff", "buddy"]},
        {"staff_id": "dsl-1", "name": "Seán Ó Briain", "job_title": "Deputy Head",
         "roles": ["dsl"]},
        {"staff_id": "staff-2", "name": "Zoë O'Brien", "job_title": "Family support worker",
         "roles": ["staff"]},
        {"staff_id": "office-1", "name": None, "job_title": None, "roles": ["office"]}]
    assert "955" not in answer.text  # no mobiles
    assert "2030" not in answer.text  # no documents
    assert service.get(COLLEAGUES, role="office", user="office-1").status_code == 200


def test_colleagues_are_for_the_schools_own_people(service: Service) -> None:
    service.put(f"/v1/schools/{URN}/staff/staff-1", {"roles": ["staff"], "name": "Ann Lee"})
    sibling = service.get(COLLEAGUES, role="staff", user="staff-1", urn="100002")
    assert sibling.status_code == 403
    assert "not 100001" in sibling.json()["detail"]
    auditor = service.get(COLLEAGUES, role="auditor", user="aud-1")
    assert auditor.status_code == 403
    assert "needs one of these roles" in auditor.json()["detail"]
    other = mint_token(service.settings, user="staff-1", role="staff", trust="another-trust",
                       schools=[URN])
    elsewhere = service.client.get(COLLEAGUES, headers={"Authorization": f"Bearer {other}"})
    assert elsewhere.status_code == 404  # another trust's school does not exist for them
    assert service.client.get(COLLEAGUES).status_code == 401
