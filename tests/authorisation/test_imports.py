"""A school's first day: its staff and pupils imported from the MIS exports, over HTTP on the
real service and with `doorstep import`. A dry run changes nothing; an apply changes what it
showed; the same file again changes nothing; a bad file changes nothing and names each fault."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import httpx
import pytest

from services.authorisation.bootstrap import build_application
from shared.cli.main import main
from shared.http.bodies import MAX_UPLOAD_BYTES
from shared.runtime.settings import DoorstepSettings
from shared.testing.polling import until
from tests.authorisation.conftest import URN, Bus, Service
from tests.authorisation.test_people import stored
from tests.conftest import settings_env

IMPORTS = f"/v1/schools/{URN}/imports"
MESSY_STAFF = ("\ufeffStaff ID,Title,Legal Forename,Surname,Job Title,Mobile,Roles\r\n"
               "staff-0001,Ms,Zoë,O'Brien,\"Teacher, Year 6\",07700 955701,Staff; Buddy\r\n"
               "dsl-0001,Mr,Seán,Ó Briain,Deputy Head,07700 955702,DSL\r\n"
               "dsl-0001,Mr,Seán,Ó Briain,Deputy Head,07700 955702,DSL\r\n"
               "office-0001,Mrs,Ann,Lee,Receptionist,,office;buddy\r\n"
               ",,,,,,\r\n,,,,,,\r\n").encode()
PUPILS = ("UPN,Legal Forename,Surname,Family ID,Address Line 1,Postcode,Contact 1 Name,"
          "Contact 1 Relationship,Contact 1 Mobile\r\n"
          "A123456789012,Jordan,Quillfeather,F1,\"Flat 2, 17 Lane\",PE30 9ZZ,Mary Quillfeather,"
          "Mother,07700 955703\r\n"
          "A123456789013,Chloë,Quillfeather,F1,\"Flat 2, 17 Lane\",PE30 9ZZ,Mary Quillfeather,"
          "Mother,07700 955703\r\n").encode()


def send(service: Service, kind: str, data: bytes, apply: bool = False, role: str = "office",
         content_type: str = "text/csv") -> httpx.Response:
    response: httpx.Response = service.client.post(
        f"{IMPORTS}/{kind}", params={"apply": str(apply).lower()}, content=data,
        headers={**service.token(role, f"{role}-0001"), "Content-Type": content_type})
    return response


async def test_staff_import_dry_run_then_apply_then_apply_again_changes_nothing(
        service: Service, bus: Bus) -> None:
    dry = send(service, "staff", MESSY_STAFF)
    assert dry.status_code == 200, dry.text
    plan = dry.json()
    assert [(c["id"], c["label"]) for c in plan["added"]] == [
        ("staff-0001", "Zoë O'Brien"), ("dsl-0001", "Seán Ó Briain"), ("office-0001", "Ann Lee")]
    assert (plan["applied"], plan["rows"], plan["repeated_rows"]) == (False, 4, [4])
    assert plan["ignored_columns"] == ["Title"]
    assert service.get(f"/v1/schools/{URN}/staff", role="trust_it").json() == []  # dry: nothing

    applied = send(service, "staff", MESSY_STAFF, apply=True).json()
    assert applied["applied"]
    assert len(applied["added"]) == 3
    register = service.get(f"/v1/schools/{URN}/staff", role="trust_it").json()
    zoe = next(m for m in register if m["staff_id"] == "staff-0001")
    assert (zoe["name"], zoe["job_title"], zoe["roles"]) == ("Zoë O'Brien", "Teacher, Year 6",
                                                              ["staff", "buddy"])
    await bus.wait_for("StaffRolesChanged", 3)

    again = send(service, "staff", MESSY_STAFF, apply=True).json()
    assert (again["added"], again["changed"], again["removed"], again["unchanged"]) == (
        [], [], [], 3)
    await asyncio.sleep(1.0)  # time enough for the relay to publish, were there anything
    assert len(await bus.events("StaffRolesChanged")) == 3  # the second apply published nothing

    leaver = MESSY_STAFF.replace(b"office-0001,Mrs,Ann,Lee,Receptionist,,office;buddy\r\n", b"")
    gone = send(service, "staff", leaver, apply=True).json()
    assert [c["id"] for c in gone["removed"]] == ["office-0001"]
    [*_, (_, last)] = await bus.wait_for("StaffRolesChanged", 4)
    assert (last.staff_id, last.roles) == ("office-0001", [])  # type: ignore[attr-defined]
    assert "O'Brien" not in stored(service)


async def test_a_bad_file_applies_nothing_and_names_each_line_and_column(
        service: Service, bus: Bus) -> None:
    send(service, "staff", MESSY_STAFF, apply=True)
    before = service.get(f"/v1/schools/{URN}/staff", role="trust_it").json()
    bad = MESSY_STAFF.replace(b"07700 955702,DSL\r\ndsl", b"07700 955702,DSL\r\nd l") + (
        b"slt-0001,Dr,Kim,Park,Head of Year,call me,SLT\r\n")
    refused = send(service, "staff", bad, apply=True)
    assert refused.status_code == 422, refused.text
    assert refused.json()["details"] == [
        "line 4, Staff ID: a staff id is the id the person signs in with: up to 64 letters, "
        "digits, '.', '@', '_' or '-', no spaces",
        "line 8, Mobile: not a phone number: digits, spaces, brackets, '-' and a leading '+' "
        "only (e.g. 07700 900123 or +44 7700 900123)"]
    assert "nothing of it was applied" in refused.json()["detail"]
    assert service.get(f"/v1/schools/{URN}/staff", role="trust_it").json() == before

    pupils = PUPILS + b"A12345,Al,Smith,F2,1 Road,PE30 1AA,,,\r\n"
    refused = send(service, "pupils", pupils, apply=True)
    assert refused.status_code == 422
    assert refused.json()["details"][0].startswith("line 4, UPN: a UPN is 13 characters")
    assert service.get(f"/v1/schools/{URN}/pupils?name=quill", role="staff",
                       user="staff-0001").json() == []


async def test_pupils_import_groups_households_and_is_idempotent(service: Service) -> None:
    dry = send(service, "pupils", PUPILS).json()
    assert (dry["pupils"], [c["id"] for c in dry["added"]]) == (2, ["F1"])
    assert send(service, "pupils", PUPILS, apply=True).json()["applied"]
    found = service.get(f"/v1/schools/{URN}/pupils?name=chloe", role="staff").json()
    assert found == [{"upn": "A123456789013", "name": "Chloë Quillfeather",
                      "household_id": "F1"}]
    home = service.get(f"/v1/schools/{URN}/households/F1", role="dsl").json()
    assert home["carers"][0]["mobile"] == "07700 955703"
    again = send(service, "pupils", PUPILS, apply=True).json()
    assert (again["added"], again["changed"], again["removed"], again["unchanged"]) == (
        [], [], [], 1)
    assert "Quillfeather" not in stored(service)


def test_only_a_csv_within_the_bound_is_taken(service: Service) -> None:
    as_json = send(service, "staff", b'{"staff": []}', content_type="application/json")
    assert as_json.status_code == 415
    assert "text/csv" in as_json.json()["detail"]
    huge = send(service, "pupils", b"UPN\r\n" + b"A123456789012\r\n" * (MAX_UPLOAD_BYTES // 15 + 1))
    assert huge.status_code == 413
    assert "larger than 8 MiB" in huge.json()["detail"]
    assert send(service, "staff", MESSY_STAFF, role="staff").status_code == 403


def pupils_file(count: int) -> bytes:
    """A school's export of `count` pupils, two to a household, as Arbor-like systems write it."""
    lines = ["UPN,Legal Forename,Surname,Household ID,Address Line 1,Address Line 2,Postcode,"
             "Contact 1 Name,Contact 1 Relationship,Contact 1 Mobile,Contact 2 Name,"
             "Contact 2 Relationship,Contact 2 Mobile"]
    for n in range(count):
        family = n // 2
        lines.append(f"A{930000000000 + n:012d},Pupil{n},Family{family},HH{family:05d},"
                     f"\"Flat {family % 3}, {family} Long Road\",King's Lynn,PE30 {family % 9}ZZ,"
                     f"Parent O'Family{family},Mother,07700 {900000 + family % 99999:06d},"
                     f"Carer Zoë{family},Stepfather,07700 {800000 + family % 99999:06d}")
    return ("\r\n".join(lines) + "\r\n").encode()


def test_two_thousand_pupils_import_with_progress_from_the_cli(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
        ) -> None:
    monkeypatch.setenv("DOORSTEP_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("DOORSTEP_SCHEMA_SUFFIX", "_cli")
    file = tmp_path / "pupils.csv"
    file.write_bytes(pupils_file(2000))
    timings = {}
    for run, flags in (("dry run", []), ("apply", ["--apply"]), ("apply again", ["--apply"])):
        started = time.monotonic()
        assert main(["import", "pupils", "--school", URN, str(file), *flags]) == 0
        timings[run] = time.monotonic() - started
        out, err = capsys.readouterr()
        if run == "dry run":
            assert "2000 rows, 2000 pupils (utf-8); dry run: 1000 to add" in out
            assert "2000/2000 rows read" in err
            assert "1000/2000 rows read" in err
        if run == "apply":
            assert "1000/1000 households stored" in err
        if run == "apply again":
            assert "0 added, 0 changed, 0 removed, 1000 unchanged" in out
    app = build_application(DoorstepSettings())
    started = time.monotonic()
    found = app.find_pupils(URN, "pupil1999")
    timings["search by name"] = time.monotonic() - started
    app.close()
    assert found == [{"upn": f"A{930000000000 + 1999:012d}",
                      "name": "Pupil1999 Family999", "household_id": "HH00999"}]
    with capsys.disabled():
        print("\n2,000 pupils: " + ", ".join(f"{k} {v:.1f} s" for k, v in timings.items()))


async def test_a_staff_import_from_the_cli_reaches_the_running_service_and_the_wire(
        service: Service, bus: Bus, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    for name, value in settings_env(service.settings).items():
        monkeypatch.setenv(name, value)
    file = tmp_path / "staff.csv"
    file.write_bytes(MESSY_STAFF)
    assert main(["import", "staff", "--school", URN, str(file), "--apply", "--by",
                 "it-0001"]) == 0
    assert "applied: 3 added, 0 changed, 0 removed" in capsys.readouterr().out
    published = await bus.wait_for("StaffRolesChanged", 3)  # the service's relay published them
    assert {e.staff_id for _, e in published} == {  # type: ignore[attr-defined]
        "staff-0001", "dsl-0001", "office-0001"}
    assert {e.actor.id for _, e in published} == {"it-0001"}
    register = service.get(f"/v1/schools/{URN}/staff", role="trust_it").json()
    assert [m["name"] for m in register] == ["Seán Ó Briain", "Ann Lee", "Zoë O'Brien"]


async def test_the_register_keeper_lets_a_person_act_as_soon_as_they_are_added(
        service: Service, bus: Bus) -> None:
    """Authorisation keeps the register: a person it has just added may act at once, not only
    when their change has come back from the stream (CI once refused the school office's second
    import with a 403 while the follower had taken only the first of its three changes)."""
    added = service.put(f"/v1/schools/{URN}/staff/staff-0001", {"roles": ["staff"]})
    assert added.status_code == 200, added.text
    await bus.wait_for("StaffRolesChanged", 1)
    runtime = service.client.app.state.runtime  # type: ignore[attr-defined]
    await until(lambda: runtime.registers.schools.get(URN),
                "the register taking its first member", seconds=10)
    service.client.portal.call(runtime.registers.follower.stop)  # type: ignore[union-attr]

    applied = send(service, "staff", MESSY_STAFF, apply=True, role="trust_it")
    assert applied.status_code == 200, applied.text
    again = send(service, "staff", MESSY_STAFF)  # as office-0001, added a moment ago
    assert again.status_code == 200, again.text
    leaver = MESSY_STAFF.replace(b"office-0001,Mrs,Ann,Lee,Receptionist,,office;buddy\r\n", b"")
    assert send(service, "staff", leaver, apply=True, role="trust_it").status_code == 200
    assert send(service, "staff", MESSY_STAFF).status_code == 403  # a leaver at once, too
