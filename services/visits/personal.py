"""Which of a visit's fields are personal, and sealing them under the household's key."""

from __future__ import annotations

from typing import Any

from shared.storage.keystore import DataSubject
from shared.storage.sealing import Sealer

REQUEST_SEALED = ("purpose",)
SIGN_OUT_SEALED = ("address", "expecting_to_see", "vehicle_registration", "buddy_phone",
                   "duress_phrase")


def household(trust_id: str, request: dict[str, Any]) -> DataSubject:
    """A visit's personal data belongs to the household visited."""
    return DataSubject(trust_id, "household", request["household_id"])


def sealed_request(sealer: Sealer, trust_id: str, request: dict[str, Any]) -> dict[str, Any]:
    subject = household(trust_id, request)
    return request | {name: sealer.seal_optional(subject, request.get(name))
                      for name in REQUEST_SEALED}


def sealed_sign_out(sealer: Sealer, subject: DataSubject, sign_out: dict[str, Any]
                    ) -> dict[str, Any]:
    staff = [member | {"mobile": sealer.seal(subject, member["mobile"])}
             for member in sign_out["staff"]]
    return sign_out | {name: sealer.seal_optional(subject, sign_out.get(name))
                       for name in SIGN_OUT_SEALED} | {"staff": staff}
