"""Who, where and why of a command, carried on every stored domain event as plain strings."""

from __future__ import annotations

from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from opentelemetry import propagate

from shared.contracts import Actor

Meta = dict[str, str]


def command_meta(*, trust_id: str, school_urn: str, actor: Actor, correlation_id: UUID,
                 causation_id: UUID | None) -> Meta:
    return {
        "trust_id": trust_id,
        "school_urn": school_urn,
        "actor_id": actor.id,
        "actor_role": str(actor.role),
        "correlation_id": str(correlation_id),
        "causation_id": str(causation_id) if causation_id else "",
        **trace_fields(),
    }


def trace_fields() -> Meta:
    """The W3C trace context (`traceparent`) of the request or message being handled, kept with
    the events it stores so the outbox relay, publishing them later, continues its trace. Empty
    when nothing is traced (shared/observability/tracing.py)."""
    carrier: Meta = {}
    propagate.inject(carrier)
    return carrier


def integration_id(service: str, originator_id: UUID, originator_version: int, index: int = 0
                   ) -> UUID:
    """Deterministic: the same stored event always becomes the same published event id."""
    suffix = f"/{index}" if index else ""
    return uuid5(NAMESPACE_URL, f"doorstep:{service}/{originator_id}/{originator_version}{suffix}")


def envelope_fields(service: str, domain_event: Any, *, visit_id: UUID | None, index: int = 0
                    ) -> dict[str, Any]:
    """The IntegrationEvent base fields for a stored domain event that carries `meta`."""
    meta: Meta = domain_event.meta
    return {
        "event_id": integration_id(service, domain_event.originator_id,
                                   domain_event.originator_version, index),
        "occurred_at": domain_event.timestamp,
        "trust_id": meta["trust_id"],
        "school_urn": meta["school_urn"],
        "visit_id": visit_id,
        "actor": Actor(id=meta["actor_id"], role=meta["actor_role"]),  # type: ignore[arg-type]
        "correlation_id": UUID(meta["correlation_id"]),
        "causation_id": UUID(meta["causation_id"]) if meta.get("causation_id") else None,
    }


def reaction_meta(cause: Any, actor: Actor) -> Meta:
    """Meta for a command taken in reaction to an integration event: same correlation, caused by it."""
    return command_meta(trust_id=cause.trust_id, school_urn=cause.school_urn, actor=actor,
                        correlation_id=cause.correlation_id, causation_id=cause.event_id)
