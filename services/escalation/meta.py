"""The meta of an escalation's own events: the system's, and a person's command on it."""

from __future__ import annotations

from uuid import UUID

from services.escalation.domain import Escalation
from shared.contracts import Actor
from shared.contracts.meta import Meta, trace_fields


def escalation_meta(escalation: Escalation) -> Meta:
    return {"trust_id": escalation.trust_id, "school_urn": escalation.school_urn,
            "actor_id": "escalation", "actor_role": "system",
            "correlation_id": escalation.correlation_id, "causation_id": "",
            "visit_id": str(escalation.visit_id)}


def command_meta(escalation: Escalation, actor: Actor, causation_id: UUID) -> Meta:
    return {**escalation_meta(escalation), "actor_id": actor.id, "actor_role": str(actor.role),
            "causation_id": str(causation_id), **trace_fields()}
