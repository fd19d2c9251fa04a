"""The wire form of a personal field: sealed under its data subject's key (see shared/storage/sealing.py)."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import Field, StringConstraints

PREFIX = "sealed:v1:"
PATTERN = r"^sealed:v1:[0-9a-f]{32}:[A-Za-z0-9_-]{38,}$"
SEALED = re.compile(PATTERN)

Sealed = Annotated[str, StringConstraints(pattern=PATTERN), Field(
    description="personal data, sealed (AES-GCM) under its data subject's key",
    json_schema_extra={"x-doorstep-sealed": True})]
