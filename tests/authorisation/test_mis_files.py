"""A school's MIS exports, as they really come, read into the register and households. Pure:
no store, no server; each messy case a school's office will send at some point."""

from __future__ import annotations

from services.authorisation.domain.entries import Carer, Pupil, StaffEntry
from services.authorisation.domain.plan import pupils_plan, staff_plan
from services.authorisation.domain.pupil_file import read_pupils
from services.authorisation.domain.staff_file import read_staff

HEADER = "Staff ID,Legal Forename,Surname,Job Title,Mobile,Roles"


def staff(*rows: str, header: str = HEADER, end: str = "\n") -> bytes:
    return end.join([header, *rows, ""]).encode()


def address_id(address: str) -> str:
    return "addr-" + str(sum(map(ord, address)))


def test_a_byte_order_mark_and_windows_line_ends_read_like_any_file() -> None:
    data = b"\xef\xbb\xbf" + staff("s-1,Ann,Lee,Teacher,07700 900001,staff", end="\r\n")
    found = read_staff(data)
    assert not found.problems
    assert found.entries["s-1"].name == "Ann Lee"  # not "\ufeffStaff ID" missing
    assert found.entries["s-1"].mobile == "07700 900001"


def test_quoted_commas_and_line_breaks_stay_in_their_cell() -> None:
    found = read_staff(staff('s-1,Ann,Lee,"Teacher, Year 6",07700 900001,"staff, buddy"',
                             's-2,Bo,"Ray\nJones",TA,,staff'))
    assert found.entries["s-1"].job_title == "Teacher, Year 6"
    assert found.entries["s-1"].roles == ("staff", "buddy")
    assert found.entries["s-2"].name == "Bo Ray Jones"


def test_names_like_o_brien_and_zoe_come_through_whole() -> None:
    utf8 = read_staff(staff("s-1,Zoë,O'Brien,,,staff", "s-2,Siobhán,Ní Bhriain,,,staff"))
    assert [e.name for e in utf8.entries.values()] == ["Zoë O'Brien", "Siobhán Ní Bhriain"]
    excel = read_staff(staff("s-1,Zoë,O'Brien,,,staff").decode().encode("cp1252"))
    assert excel.entries["s-1"].name == "Zoë O'Brien"
    assert excel.encoding == "windows-1252"


def test_blank_trailing_rows_are_not_people() -> None:
    found = read_staff(staff("s-1,Ann,Lee,,,staff", ",,,,,", "", " , ,,,,", end="\r\n"))
    assert list(found.entries) == ["s-1"]
    assert not found.problems
    assert found.rows == 1


def test_a_repeated_row_counts_once_and_a_clashing_one_is_refused() -> None:
    found = read_staff(staff("s-1,Ann,Lee,,,staff", "s-1,Ann,Lee,,,staff"))
    assert list(found.entries) == ["s-1"]
    assert found.repeated == [3]
    clash = read_staff(staff("s-1,Ann,Lee,,,staff", "s-1,Ann,Lee,,,dsl"))
    assert [str(p) for p in clash.problems] == [
        "line 3, Staff ID: s-1 is also on line 2 with other details: keep one row per person"]


def test_headers_are_found_by_any_common_name_in_any_case() -> None:
    found = read_staff(staff("s-1,Ann,Lee,07700 900001,Office;BUDDY,31/12/2027",
                             header="STAFF ID,first name,LAST NAME,Mobile Phone,Doorstep Roles,"
                                    "Licence Expiry"))
    assert found.entries["s-1"] == StaffEntry("s-1", "Ann Lee", None, "07700 900001",
                                              ("buddy", "office"), (("licence", "2027-12-31"),))
    assert "roles" in found.columns
    assert "job_title" not in found.columns


def test_each_bad_row_is_named_by_line_and_column() -> None:
    found = read_staff(staff("s-1,Ann,Lee,,07700 900001,staff",
                             "s 2,Bo,Ray,,not a phone,wizard",
                             "s-3,,,,,staff"))
    assert [str(p) for p in found.problems] == [
        "line 3, Staff ID: a staff id is the id the person signs in with: up to 64 letters, "
        "digits, '.', '@', '_' or '-', no spaces",
        "line 3, Mobile: not a phone number: digits, spaces, brackets, '-' and a leading '+' "
        "only (e.g. 07700 900123 or +44 7700 900123)",
        "line 3, Roles: 'wizard' is not a school role: use staff, buddy, office, dsl, "
        "deputy_dsl, slt, headteacher",
        "line 4, Legal Forename: no name"]


def test_a_file_without_the_columns_or_the_people_is_refused() -> None:
    assert [str(p) for p in read_staff(b"Name,Phone\nAnn,1\n").problems] == [
        "line 1, header: no Staff ID column (looked for Doorstep ID, Staff ID, User ID, "
        "Username, Login, Work Email, Email Address, Email, Employee ID, Employee Number, "
        "Payroll Number, Staff Code, ID)"]
    assert [str(p) for p in read_staff(b"").problems] == ["line 1, header: the file is empty"]
    assert "an empty file would take everyone off the register" in str(
        read_staff(staff()).problems[0])


def test_a_column_the_file_lacks_leaves_that_field_as_it_is() -> None:
    held = {"s-1": StaffEntry("s-1", "Ann Lee", "Head", "07700 900001", ("headteacher",), ()),
            "s-9": StaffEntry("s-9", "Old Hand", None, None, ("staff",), ())}
    file = read_staff(b"Staff ID,Forename,Surname\ns-1,Ann,Lee\ns-2,Bo,Ray\n")
    plan = staff_plan(file, held)
    assert [c.key for c in plan.added] == ["s-2"]
    assert plan.upserts["s-2"].roles == ("staff",)  # new people are staff
    assert plan.unchanged == 1  # s-1 keeps head's roles, title and mobile
    assert [(c.key, c.label) for c in plan.removed] == [("s-9", "Old Hand")]
    renamed = staff_plan(read_staff(b"Staff ID,Full Name,Mobile\ns-1,Ann Leigh,\n"), held)
    assert [(c.key, c.fields) for c in renamed.changed] == [("s-1", ("name", "mobile"))]


PUPILS = ("UPN,Legal Forename,Surname,Family ID,Address Line 1,Address Line 2,Postcode,"
          "Contact 1 Name,Contact 1 Relationship,Contact 1 Mobile,Contact 1 Lives With Pupil,"
          "Contact 2 Forename,Contact 2 Surname,Contact 2 Mobile,Other Adults\r\n")


def test_siblings_make_one_household_with_their_contacts_once() -> None:
    data = (PUPILS
            + "A123456789012,Zoë,O'Brien,F1,\"Flat 2, 10 High St\",King's Lynn,pe30 1aa,"
              "Mary O'Brien,Mother,07700 900111,Yes,Tom,O'Brien,07700 900112,Gran O'Brien\r\n"
            + "a123456789013,Liam,O'Brien,F1,\"Flat 2, 10 High St\",King's Lynn,PE30 1AA,"
              "Mary O'Brien,Mother,07700 900111,Y,,,,\r\n"
            + ",,,,,,,,,,,,,,\r\n").encode()
    found = read_pupils(data, address_id)
    assert not found.problems
    [home] = found.households.values()
    assert home.household_id == "F1"
    assert home.address_lines == ("Flat 2, 10 High St", "King's Lynn")
    assert home.postcode == "PE30 1AA"
    assert home.pupils == (Pupil("A123456789012", "Zoë O'Brien"),
                           Pupil("A123456789013", "Liam O'Brien"))
    assert home.carers == (Carer("Mary O'Brien", "Mother", "07700 900111", True),
                           Carer("Tom O'Brien", None, "07700 900112", None))
    assert home.other_adults == ("Gran O'Brien",)


def test_without_a_family_id_the_address_groups_the_household() -> None:
    data = (b"UPN,Forename,Surname,Address 1,Post Code\n"
            b"A123456789012,Jo,Bloggs,1 High St,PE30 1AA\n"
            b"A123456789013,Al,Bloggs,1 HIGH ST,pe30 1aa\n"
            b"A123456789014,Cy,Other,2 High St,PE30 1AA\n")
    found = read_pupils(data, address_id)
    assert sorted(len(h.pupils) for h in found.households.values()) == [1, 2]
    assert all(h.startswith("addr-") for h in found.households)


def test_bad_pupil_rows_are_named_and_nothing_is_kept_of_them() -> None:
    data = (PUPILS
            + "A123456789012,Jo,Bloggs,F1,1 High St,,PE30 1AA,Ann,Mum,07700 900111,yes,,,,\r\n"
            + "B12,Al,Bloggs,F/2,,,,,,,,,,,\r\n"
            + "A123456789014,Cy,Bloggs,F1,9 Low Rd,,PE30 1AA,Ann,Mum,07x,maybe,,,,\r\n").encode()
    assert [str(p) for p in read_pupils(data, address_id).problems] == [
        "line 3, UPN: a UPN is 13 characters: a letter, 11 digits, then a digit or letter "
        "(e.g. A123456789012)",
        "line 3, Family ID: a household id is up to 64 letters, digits, '.', ':', '_' or '-'",
        "line 4, Contact 1 Mobile: not a phone number: digits, spaces, brackets, '-' and a "
        "leading '+' only (e.g. 07700 900123 or +44 7700 900123)",
        "line 4, Contact 1 Lives With Pupil: write yes or no"]
    clash = (PUPILS + "A123456789012,Jo,Bloggs,F1,1 High St,,PE30 1AA,,,,,,,,\r\n"
             + "A123456789014,Cy,Bloggs,F1,9 Low Rd,,PE30 1AA,,,,,,,,\r\n").encode()
    assert [str(p) for p in read_pupils(clash, address_id).problems] == [
        "line 3, Address Line 1: household F1 has another address on an earlier line: one "
        "household, one address"]


def test_a_pupil_file_plans_households_added_changed_and_removed() -> None:
    first = read_pupils((PUPILS + "A123456789012,Jo,Bloggs,F1,1 High St,,PE30 1AA,Ann,Mum,,,,,,"
                         "\r\nA123456789013,Al,Smith,F2,2 High St,,PE30 1AA,,,,,,,,\r\n"
                         ).encode(), address_id)
    held = pupils_plan(first, {}).upserts
    moved = read_pupils((PUPILS + "A123456789012,Jo,Bloggs,F1,1 High St,,PE30 1AA,Ann,Mum,"
                         "07700 900111,,,,,\r\nA123456789014,Cy,New,F3,3 High St,,PE30 1AA,,,,,,"
                         ",,\r\n").encode(), address_id)
    plan = pupils_plan(moved, held)
    assert [(c.key, c.fields) for c in plan.changed] == [("F1", ("carers",))]
    assert [c.key for c in plan.added] == ["F3"]
    assert [(c.key, c.label) for c in plan.removed] == [("F2", "Al Smith")]
    assert pupils_plan(first, held).nothing_to_do
