"""Households and the pupils who live there: details sealed under the household's key.

A base of the authorisation application, over the staff register. A household's details (West
Norfolk 2.1: carers, address, contact numbers, other adults) are sealed whole on its `Household`
aggregate; the school's `PupilRoll` holds each pupil's household and sealed name, so a pupil is
found by name and the household follows.
"""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

from services.authorisation.commands import HouseholdIn
from services.authorisation.domain import Meta
from services.authorisation.domain.csvtable import Progress
from services.authorisation.domain.entries import UPN, Carer, HouseholdEntry, Pupil, folded
from services.authorisation.domain.household import Household
from services.authorisation.domain.roll import PupilRoll
from services.authorisation.people import StaffRecords
from services.authorisation.schools import school_meta
from shared.contracts import Actor
from shared.contracts.errors import Invalid, NotFound
from shared.storage.commands import serialised
from shared.storage.keystore import DataSubject
from shared.storage.sealing import SHREDDED

CHUNK = 200  # households a save holds (with one roll event): well under ~1,000 events
MIN_QUERY, MAX_FOUND = 2, 50


class HouseholdRecords(StaffRecords):
    """Each school's households and roll of pupils."""

    def roll(self, school_urn: str) -> PupilRoll | None:
        found: PupilRoll | None = self.find(PupilRoll.create_id(school_urn), PupilRoll,
                                            copy=False)
        return found

    def household_entry(self, school_urn: str, household_id: str) -> HouseholdEntry:
        roll = self.roll(school_urn)
        upns = roll.households().get(household_id) if roll else None
        if roll is None or not upns:
            raise NotFound(f"school {school_urn} has no household {household_id} on its roll: "
                           "import the school's pupils, or record the household")
        return self._opened_household(school_urn, household_id, upns, roll)

    def households(self, school_urn: str, progress: Progress | None = None
                   ) -> dict[str, HouseholdEntry]:
        """Every household on the school's roll, opened."""
        roll = self.roll(school_urn)
        homes = roll.households() if roll else {}
        found = {}
        for done, (household_id, upns) in enumerate(sorted(homes.items()), start=1):
            assert roll is not None
            found[household_id] = self._opened_household(school_urn, household_id, upns, roll)
            if progress and (done % CHUNK == 0 or done == len(homes)):
                progress("compare", done, len(homes))
        return found

    def find_pupils(self, school_urn: str, name: str) -> list[dict[str, str]]:
        """Pupils whose name has every word of `name` in it (case and accents aside), or whose
        UPN it is; each with the household they live in."""
        words = folded(name).split()
        if len("".join(words)) < MIN_QUERY:
            raise Invalid(f"give at least {MIN_QUERY} letters of the pupil's name")
        roll = self.roll(school_urn)
        asked = name.strip().upper()
        if UPN.match(asked):  # one pupil: no scan
            return self.pupils_by_upn(school_urn, [asked])
        found = []
        for upn, pupil in (roll.pupils.items() if roll else []):
            opened = self.sealer.unseal(pupil["name"])
            if opened != SHREDDED and (name.strip().upper() == upn
                                       or all(w in folded(opened) for w in words)):
                found.append({"upn": upn, "name": opened, "household_id": pupil["household_id"]})
        return sorted(found, key=lambda p: (folded(p["name"]), p["upn"]))[:MAX_FOUND]

    def pupils_by_upn(self, school_urn: str, upns: list[str]) -> list[dict[str, str]]:
        """Each of these pupils on the roll, in the order asked (one not on it, or whose record
        is shredded, left out)."""
        roll = self.roll(school_urn)
        found = []
        for upn in dict.fromkeys(u.strip().upper() for u in upns):
            pupil = roll.pupils.get(upn) if roll else None
            opened = self.sealer.unseal(pupil["name"]) if pupil else SHREDDED
            if pupil is not None and opened != SHREDDED:
                found.append({"upn": upn, "name": opened, "household_id": pupil["household_id"]})
        return found

    @serialised(by="school_urn")
    def record_household(self, school_urn: str, household_id: str, body: HouseholdIn,
                         actor: Actor, trust_id: str) -> HouseholdEntry:
        """Record one household whole: pupils listed here move here; pupils no longer listed
        leave the roll."""
        entry = HouseholdEntry(
            household_id=household_id, address_lines=tuple(body.address.lines),
            postcode=" ".join(body.address.postcode.upper().split()) if body.address.postcode
            else None, phones=tuple(body.phones),
            carers=tuple(Carer(c.name, c.relationship, c.mobile, c.lives_here)
                         for c in body.carers),
            other_adults=tuple(body.other_adults),
            pupils=tuple(Pupil(p.upn, p.name) for p in body.pupils))
        self.write_households(school_urn, trust_id, [entry], [],
                              school_meta(trust_id, school_urn, actor))
        return self.household_entry(school_urn, household_id)

    def write_households(self, school_urn: str, trust_id: str, upserts: list[HouseholdEntry],
                         leaving: list[str], meta: Meta, progress: Progress | None = None
                         ) -> None:
        """Seal and store each household and its pupils, take the leaving households (and
        their pupils) off the roll, and any household left with no pupil; in bounded saves."""
        roll = self.roll(school_urn)
        before = roll.households() if roll else {}
        moving = {p.upn: e.household_id for e in upserts for p in e.pupils}
        touched = {e.household_id for e in upserts} | set(leaving)
        gone = [upn for hh in touched for upn in before.get(hh, []) if upn not in moving]
        emptied = {hh for hh, upns in before.items() if hh not in touched
                   and upns and all(moving.get(u, hh) != hh for u in upns)}
        steps: list[HouseholdEntry | str] = [*upserts, *sorted(set(leaving) | emptied)]
        for start in range(0, len(steps), CHUNK):
            chunk = steps[start:start + CHUNK]
            self.sealer.prepare(DataSubject(trust_id, "household", step.household_id)
                                for step in chunk if not isinstance(step, str))
            roll = self._roll_for(school_urn, meta)
            pupils: dict[str, dict[str, str]] = {}
            homes = []
            for step in chunk:
                home = self._household_for(school_urn, step if isinstance(step, str)
                                           else step.household_id, meta)
                if isinstance(step, str):
                    home.remove_details(meta=meta)
                else:
                    subject = DataSubject(trust_id, "household", step.household_id)
                    home.record_details(details=self.sealer.seal(subject, json.dumps(
                        step.details(), sort_keys=True, ensure_ascii=False)), meta=meta)
                    pupils.update({p.upn: {"household_id": step.household_id,
                                           "name": self.sealer.seal(subject, p.name)}
                                   for p in step.pupils})
                homes.append(home)
            if pupils:
                roll.record(pupils=pupils, meta=meta)
            if gone and start + CHUNK >= len(steps):
                roll.remove(upns=sorted(gone), meta=meta)
            self.save(roll, *homes)
            if progress:
                progress("apply", min(start + CHUNK, len(steps)), len(steps))

    def _opened_household(self, school_urn: str, household_id: str, upns: list[str],
                          roll: PupilRoll) -> HouseholdEntry:
        home = self.find(Household.create_id(school_urn, household_id), Household, copy=False)
        sealed = home.details if isinstance(home, Household) else None
        details = _details(self.sealer.unseal(sealed) if sealed else "{}")
        pupils = tuple(Pupil(upn, self.sealer.unseal(roll.pupils[upn]["name"]))
                       for upn in sorted(upns))
        return replace(details, household_id=household_id, pupils=pupils)

    def _roll_for(self, school_urn: str, meta: Meta) -> PupilRoll:
        found = self.find(PupilRoll.create_id(school_urn), PupilRoll)
        return found if isinstance(found, PupilRoll) else PupilRoll(school_urn=school_urn,
                                                                   meta=meta)

    def _household_for(self, school_urn: str, household_id: str, meta: Meta) -> Household:
        found = self.find(Household.create_id(school_urn, household_id), Household)
        if isinstance(found, Household):
            return found
        return Household(school_urn=school_urn, household_id=household_id, meta=meta)


def _details(text: str) -> HouseholdEntry:
    """Opened details; shredded or unreadable ones read as none (a new import records them)."""
    try:
        data: dict[str, Any] = json.loads(text)
    except ValueError:
        data = {}
    address = data.get("address") or {}
    return HouseholdEntry(
        household_id="", address_lines=tuple(address.get("lines") or ()),
        postcode=address.get("postcode"), phones=tuple(data.get("phones") or ()),
        carers=tuple(Carer(**c) for c in data.get("carers") or ()),
        other_adults=tuple(data.get("other_adults") or ()), pupils=())


def household_view(entry: HouseholdEntry) -> dict[str, Any]:
    """A household as the roles that may read it see it, opened."""
    return {"household_id": entry.household_id, **entry.details(),
            "pupils": [{"upn": p.upn, "name": p.name} for p in entry.pupils]}
