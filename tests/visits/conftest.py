"""Fixtures of the visits stories."""

from __future__ import annotations

from typing import Any

import pytest

from shared.runtime.settings import DoorstepSettings


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def phone_settings(request: pytest.FixtureRequest, make_settings: Any) -> DoorstepSettings:
    """On each store: what came in by text or call is the visits service's own events."""
    if request.param == "postgres":
        made: DoorstepSettings = make_settings(
            database_url=request.getfixturevalue("database_url"))
        return made
    made = make_settings()
    return made
