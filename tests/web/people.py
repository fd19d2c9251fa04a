"""School 123456's people, as its MIS exports them: the seeded staff (so each can still sign in
once the register is kept) and a family of two pupils, for the page tests."""

from __future__ import annotations

import httpx

from shared.cli.seed import NAMES, PEOPLE, SCHOOL
from shared.runtime.settings import DoorstepSettings
from shared.security.tokens import mint_token
from shared.testing.polling import until_sync

JORDAN, CHLOE, ALI = "A123456789012", "A123456789013", "A123456789020"


def staff_csv() -> bytes:
    rows = ["Staff ID,Full Name,Job Title,Mobile,Roles"]
    rows += [f'{person},{NAMES[person][0]},"{NAMES[person][1]}",{NAMES[person][2]},'
             f'{"; ".join(roles)}' for person, roles in PEOPLE.items()]
    return ("\r\n".join(rows) + "\r\n").encode()


def pupils_csv(family: str = "F1234") -> bytes:
    head = ("UPN,Legal Forename,Surname,Family ID,Address Line 1,Address Line 2,Postcode,"
            "Contact 1 Name,Contact 1 Relationship,Contact 1 Mobile\r\n")
    home = f'{family},"Flat 2, 17 Quillfeather Lane",King\'s Lynn,PE30 9ZZ,Mary Quillfeather,' \
           "Mother,07700 900456"
    return (head + f"{JORDAN},Jordan,Quillfeather,{home}\r\n"
            f"{CHLOE},Chloë,Quillfeather,{home}\r\n"
            f"{ALI},Ali,Brightwater,F9999,1 Mill Road,King's Lynn,PE30 1AA,Ade Brightwater,"
            "Father,07700 900457\r\n").encode()


def import_people(settings: DoorstepSettings, authorisation_url: str,
                  family: str = "F1234") -> None:
    """The office imports the school's staff and pupils over HTTP, as the import page does."""
    token = mint_token(settings, user="office-0001", role="office", schools=[SCHOOL])
    with httpx.Client(base_url=authorisation_url, timeout=30,
                      headers={"Authorization": f"Bearer {token}",
                               "Content-Type": "text/csv"}) as client:
        client.post(f"/v1/schools/{SCHOOL}/imports/staff", params={"apply": "true"},
                    content=staff_csv()).raise_for_status()
        # the office is on the register once authorisation has followed its own import off the
        # stream: until then (a moment, longer on a busy machine) its token is refused
        until_sync(lambda: client.post(f"/v1/schools/{SCHOOL}/imports/pupils",
                                       params={"apply": "true"}, content=pupils_csv(family)),
                   "the pupils imported by the office the register knows", seconds=30, every=0.2,
                   show=lambda answer: answer.text,
                   ready=lambda answer: answer.status_code != 403).raise_for_status()
