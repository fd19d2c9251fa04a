"""Verified tokens are kept to save work, but never past their expiry, and never for a deployment
whose settings did not verify them."""

from __future__ import annotations

import time
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi import HTTPException

from shared.runtime.settings import DoorstepSettings
from shared.security.tokens import mint_token, verify_token


def test_a_kept_token_is_refused_once_it_expires(tmp_path: Path) -> None:
    settings = DoorstepSettings(data_dir=tmp_path)
    token = mint_token(settings, user="staff-0001", role="staff", schools=["123456"],
                       ttl=timedelta(seconds=2))
    assert verify_token(settings, token).user_id == "staff-0001"
    assert verify_token(settings, token).user_id == "staff-0001"  # from what was kept
    time.sleep(2.2)
    with pytest.raises(HTTPException) as refused:
        verify_token(settings, token)
    assert refused.value.status_code == 401
    assert "expired" in str(refused.value.detail)


def test_a_token_kept_for_one_secret_is_not_accepted_under_another(tmp_path: Path) -> None:
    ours = DoorstepSettings(data_dir=tmp_path, jwt_secret="ours-" + "x" * 40)
    theirs = DoorstepSettings(data_dir=tmp_path, jwt_secret="theirs-" + "y" * 40)
    token = mint_token(ours, user="dsl-0001", role="dsl", schools=["123456"])
    assert verify_token(ours, token).role == "dsl"
    with pytest.raises(HTTPException) as refused:
        verify_token(theirs, token)
    assert refused.value.status_code == 401
