"""People by name: the staff register and households, over HTTP on the real service (real
nats-server, SQLite store, the deployment's key store). Names, job titles, mobiles, addresses
are opened only for the roles that may read them; at rest and on the wire they are sealed."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import pytest

from services.authorisation.application import AuthorisationApp
from shared.contracts.authorisation import StaffRolesChanged
from shared.storage.keystore import DataSubject
from shared.storage.sealing import is_sealed
from shared.testing.sealing import sealer_for
from tests.authorisation.conftest import TRUST, URN, Bus, Service

pytestmark = pytest.mark.nats
STAFF = f"/v1/schools/{URN}/staff"
ZOE = {"roles": ["staff", "buddy"], "name": "Zoë O'Brien", "job_title": "Family support worker",
       "mobile": "07700 955601"}
HOME = {"address": {"lines": ["Flat 2, 17 Quillfeather Lane", "King's Lynn"],
                    "postcode": "PE30 9ZZ"},
        "phones": ["01553 955602"],
        "carers": [{"name": "Mary Quillfeather", "relationship": "Mother",
                    "mobile": "07700 955603", "lives_here": True}],
        "other_adults": ["Ray Quillfeather"],
        "pupils": [{"upn": "A123456789012", "name": "Jordan Quillfeather"},
                   {"upn": "A123456789013", "name": "Chloë Quillfeather"}]}
PERSONAL = ["O'Brien", "Family support", "955601", "Quillfeather", "955602", "955603"]


def runtime_app(service: Service) -> AuthorisationApp:
    app = service.client.app.state.runtime.app  # type: ignore[attr-defined]
    assert isinstance(app, AuthorisationApp)
    return app


def stored(service: Service) -> str:
    """Every event in the service's store, decrypted, as text."""
    app = runtime_app(service)
    notes = app.recorder.select_notifications(1, 10_000)
    return json.dumps([vars(app.mapper.to_domain_event(n)) for n in notes], default=str)


async def on_the_wire(bus: Bus) -> bytes:
    info = await bus.js.stream_info(bus.settings.stream_name)
    found = b""
    for seq in range(info.state.first_seq, info.state.last_seq + 1 if info.state.messages else 0):
        message = await bus.js.get_msg(bus.settings.stream_name, seq)
        found += json.dumps(message.headers or {}).encode() + (message.data or b"")
    return found


async def test_staff_are_named_sealed_at_rest_and_on_the_wire(service: Service, bus: Bus
                                                               ) -> None:
    put = service.put(f"{STAFF}/staff-1", ZOE)
    assert put.status_code == 200, put.text
    assert put.json() == [{"staff_id": "staff-1", "name": "Zoë O'Brien",
                           "job_title": "Family support worker", "mobile": "07700 955601",
                           "roles": ["staff", "buddy"], "documents": {}}]
    old_body = service.put(f"{STAFF}/dsl-1", {"roles": ["dsl"]})  # as before people had names
    assert old_body.status_code == 200
    assert old_body.json()[0]["name"] is None
    bad = service.put(f"{STAFF}/staff-2", {**ZOE, "mobile": "ring the office"})
    assert bad.status_code == 422
    assert bad.json()["detail"][0]["loc"] == ["body", "mobile"]
    assert service.get(STAFF, role="auditor", user="aud-1").json()[1]["name"] == "Zoë O'Brien"
    assert service.get(STAFF, role="staff", user="staff-1").status_code == 403

    [(_subject, event)] = [e for e in await bus.wait_for("StaffRolesChanged", 2)
                          if e[1].staff_id == "staff-1"]  # type: ignore[attr-defined]
    assert isinstance(event, StaffRolesChanged)
    assert all(is_sealed(v) for v in (event.name, event.job_title, event.mobile))
    sealer = sealer_for(service.settings)
    assert sealer.unseal(event.name or "") == "Zoë O'Brien"
    assert len(sealer.store.records(DataSubject(TRUST, "staff", "staff-1"))) == 1  # own key
    wire, rest = await on_the_wire(bus), stored(service)
    for needle in PERSONAL[:3]:
        assert needle.encode() not in wire, needle
        assert needle not in rest, needle
    assert "sealed:v1:" in rest

    person = service.client.app.state.runtime.registers.person(URN, "staff-1")  # type: ignore[attr-defined]
    assert person is not None
    assert person.roles == {"staff", "buddy"}
    assert is_sealed(person.name)
    assert is_sealed(person.mobile)
    assert sealer.unseal(person.mobile) == "07700 955601"


async def test_a_leaver_is_refused_at_once(service: Service, bus: Bus) -> None:
    for person, roles in (("staff-1", ["staff"]), ("office-1", ["office"])):
        assert service.put(f"{STAFF}/{person}", {"roles": roles}).status_code == 200
    search = f"/v1/schools/{URN}/pupils?name=jo"
    registers = service.client.app.state.runtime.registers  # type: ignore[attr-defined]
    assert await until(lambda: registers.person(URN, "office-1") is not None)  # both heard
    assert service.get(search, role="staff", user="staff-1").status_code == 200

    left = time.monotonic()
    gone = service.client.delete(f"{STAFF}/staff-1", headers=service.token("office", "office-1"))
    assert gone.status_code == 200, gone.text
    assert [m["staff_id"] for m in gone.json()] == ["office-1"]
    refused = await until(lambda: service.get(search, role="staff", user="staff-1").status_code
                          == 403)
    print(f"\nthe leaver refused {1000 * (time.monotonic() - left):.0f} ms after leaving")
    assert refused
    answer = service.get(search, role="staff", user="staff-1")
    assert "staff-1 is not on school 100001's staff register" in answer.text
    assert registers.person(URN, "staff-1") is None
    again = service.client.delete(f"{STAFF}/staff-1", headers=service.token("office", "office-1"))
    assert again.status_code == 404
    assert "staff-1 is not on school 100001's staff register" in again.text
    [*_, (_, last)] = await bus.wait_for("StaffRolesChanged", 3)
    assert last.roles == []
    assert last.staff_id == "staff-1"


async def test_a_pupil_is_found_by_name_and_the_household_follows(service: Service,
                                                                  bus: Bus) -> None:
    path = f"/v1/schools/{URN}/households/hh-q1"
    put = service.put(path, HOME, role="office", user="office-1")
    assert put.status_code == 200, put.text
    assert put.json()["carers"][0]["name"] == "Mary Quillfeather"
    for name in ("chloe", "CHLOË quill", "quillfeather", "A123456789013"):
        found = service.get(f"/v1/schools/{URN}/pupils?name={name}", role="staff",
                            user="staff-1").json()
        assert {"upn": "A123456789013", "name": "Chloë Quillfeather",
                "household_id": "hh-q1"} in found, name
    assert service.get(f"/v1/schools/{URN}/pupils?name=x", role="staff").status_code == 422
    listed = service.get(f"/v1/schools/{URN}/pupils?upn=A123456789013&upn=Z999999999999"
                         "&upn=a123456789012", role="staff", user="staff-1")
    assert [(p["upn"], p["name"]) for p in listed.json()] == [  # in the order asked, one call
        ("A123456789013", "Chloë Quillfeather"), ("A123456789012", "Jordan Quillfeather")]
    for query in ("", "?name=chloe&upn=A123456789013",
                  "?" + "&".join(f"upn=A1234567890{n:02d}" for n in range(21))):
        refused = service.get(f"/v1/schools/{URN}/pupils{query}", role="staff", user="staff-1")
        assert refused.status_code == 422, (query, refused.text)
    home = service.get(path, role="dsl", user="dsl-1").json()
    assert home["address"] == HOME["address"]
    assert home["other_adults"] == ["Ray Quillfeather"]
    assert [p["name"] for p in home["pupils"]] == ["Jordan Quillfeather", "Chloë Quillfeather"]
    assert service.get(path, role="staff", user="staff-1").status_code == 403  # no address
    assert service.get(f"/v1/schools/{URN}/households/hh-none", role="dsl").status_code == 404

    moved: dict[str, Any] = {**HOME, "pupils": [HOME["pupils"][1]]}
    service.put(f"/v1/schools/{URN}/households/hh-q2", moved, role="office", user="office-1")
    assert [p["upn"] for p in service.get(path, role="dsl").json()["pupils"]] == [
        "A123456789012"]  # Chloë moved to hh-q2
    rest, wire = stored(service), await on_the_wire(bus)
    for needle in PERSONAL[3:]:
        assert needle not in rest, needle
        assert needle.encode() not in wire, needle


async def until(check: Any, timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(0.02)
    return True
