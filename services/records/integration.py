"""Stored records events become the published integration events of the records contract."""

from __future__ import annotations

from typing import Any

from shared.contracts import IntegrationEvent


def translate(domain_event: Any) -> list[IntegrationEvent]:
    return []
