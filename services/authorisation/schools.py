"""A school's own records in authorisation: its policy pack and what escalation last said of its
ladder. The base of the authorisation application (its people: `people.py`, `households.py`)."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

from services.authorisation.commands import AssignmentIn
from services.authorisation.domain import Meta
from services.authorisation.domain.policy import PolicyPack
from services.authorisation.domain.school import SchoolPolicy
from services.authorisation.packs import TRUST_DEFAULT, Catalogue, PolicyError
from shared.contracts import Actor, Role
from shared.contracts.errors import Conflict, Invalid
from shared.contracts.escalation import EscalationLadderChanged
from shared.contracts.ladder import SchoolLadder, heard_ladder, ladder_refusal
from shared.contracts.meta import command_meta, reaction_meta
from shared.storage.commands import serialised
from shared.storage.groupcommit import GroupCommitted

SERVICE_ACTOR = Actor(id="authorisation", role=Role.SYSTEM)


class SchoolRecords(GroupCommitted):
    """Each school's pack and ladder, as the decisions on its visits need them."""

    def __init__(self, env: dict[str, str] | None = None, *, catalogue: Catalogue | None = None,
                 default_pack: str = TRUST_DEFAULT, ladder_required: bool = False) -> None:
        super().__init__(env=env)
        # production: a school escalation has not yet vouched for cannot authorise a visit
        self.ladder_required = ladder_required
        self.catalogue = catalogue or Catalogue.load()
        self.default_pack = default_pack

    def pack_for(self, school_urn: str) -> PolicyPack:
        policy = self.find(SchoolPolicy.create_id(school_urn), SchoolPolicy)
        if policy is None or policy.pack is None:
            return self.catalogue.packs[self.default_pack]
        try:
            return self.catalogue.effective(policy.pack, policy.overrides, school_urn)
        except PolicyError as error:  # the pack files changed under an old assignment
            raise Conflict(f"school {school_urn}'s assigned policy no longer applies; assign it "
                           "again", details=[str(p) for p in error.problems]) from None

    def assignment(self, school_urn: str) -> dict[str, Any]:
        policy = self.find(SchoolPolicy.create_id(school_urn), SchoolPolicy)
        if policy is None or policy.pack is None:
            return {"pack": self.default_pack, "overrides": {}, "assigned": False}
        return {"pack": policy.pack, "overrides": policy.overrides, "assigned": True}

    def record_ladder(self, event: EscalationLadderChanged) -> bool:
        """What escalation says of a school's ladder, kept for the decisions that need it."""
        known = self.find(SchoolLadder.create_id(event.school_urn), SchoolLadder)
        changed = heard_ladder(known, event.school_urn, list(event.missing), str(event.event_id),
                               reaction_meta(event, SERVICE_ACTOR))
        if changed is not None:
            self.save(changed)
        return changed is not None

    def ladder_refusal(self, school_urn: str) -> str | None:
        ladder = self.find(SchoolLadder.create_id(school_urn), SchoolLadder)
        return ladder_refusal(ladder, school_urn, self.ladder_required)

    @serialised(by="school_urn")
    def assign_pack(self, school_urn: str, body: AssignmentIn, actor: Actor, trust_id: str
                    ) -> PolicyPack:
        """Check the pack and overrides whole; store the assignment only if they apply cleanly."""
        try:
            pack = self.assignable(body.pack, body.overrides, school_urn, trust_id)
        except PolicyError as error:
            raise Invalid(f"policy for school {school_urn} not applied: {len(error.problems)} "
                          "problem(s)", details=[str(p) for p in error.problems]) from None
        meta = school_meta(trust_id, school_urn, actor)
        policy = (self.find(SchoolPolicy.create_id(school_urn), SchoolPolicy)
                  or SchoolPolicy(school_urn=school_urn, meta=meta))
        policy.assign(pack=body.pack, overrides=body.overrides, meta=meta)
        self._save(policy)
        return pack

    def assignable(self, name: str, overrides: dict[str, Any], school_urn: str, trust_id: str
                   ) -> PolicyPack:
        """The pack a school would follow if assigned `name` with `overrides`."""
        return self.catalogue.effective(name, overrides, school_urn)

    def _save(self, *aggregates: Any) -> None:
        """A store conflict propagates: the command is run again from a fresh load."""
        self.save(*aggregates)


def school_meta(trust_id: str, school_urn: str, actor: Actor) -> Meta:
    correlation = uuid4()
    return command_meta(trust_id=trust_id, school_urn=school_urn, actor=actor,
                        correlation_id=correlation, causation_id=None)
