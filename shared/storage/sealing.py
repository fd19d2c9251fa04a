"""Sealed personal fields: AES-GCM under the data subject's key, as text any JSON can carry.

`sealed:v1:<key id>:<base64url(nonce + ciphertext)>`. The key id names the data key in the key
store (`shared/storage/keystore.py`), never the person. Contracts type personal fields as `Sealed`, so an
event with a name, address or phone number in clear does not validate, and the AsyncAPI document
marks each such field with `x-doorstep-sealed`. The services that need a field unseal it at the
last moment (escalation to send an SMS, records to show a history); integrators get it sealed.
"""

from __future__ import annotations

import base64
import os
from collections.abc import Iterable
from typing import Any

from cryptography.exceptions import InvalidTag

from shared.contracts.sealed import PREFIX, SEALED
from shared.storage.keystore import DataSubject, KeyStore

SHREDDED = "[shredded]"
UNREADABLE = "[unreadable: altered]"

class Sealer:
    def __init__(self, store: KeyStore) -> None:
        self.store = store

    def seal(self, subject: DataSubject, plaintext: str) -> str:
        key_id, key = self.store.key_for(subject)
        nonce = os.urandom(12)
        sealed = nonce + key.encrypt(nonce, plaintext.encode(), _aad(key_id))
        return f"{PREFIX}{key_id}:{base64.urlsafe_b64encode(sealed).decode().rstrip('=')}"

    def prepare(self, subjects: Iterable[DataSubject]) -> None:
        """Load or make many subjects' keys at once, before sealing under each (an import)."""
        self.store.prepare(subjects)

    def seal_optional(self, subject: DataSubject, plaintext: str | None) -> str | None:
        return None if plaintext is None else self.seal(subject, plaintext)

    def unseal(self, value: str) -> str:
        """The plain text; `[shredded]` once the subject's key is destroyed. Text that is not
        sealed comes back as it is."""
        if not SEALED.match(value):
            return value
        key_id, body = value[len(PREFIX):].split(":", 1)
        key = self.store.key(key_id)
        if key is None:
            return SHREDDED
        raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
        try:
            return key.decrypt(raw[:12], raw[12:], _aad(key_id)).decode()
        except InvalidTag:
            return UNREADABLE

    def unsealed(self, data: Any) -> Any:
        """A copy of a JSON value with every sealed string opened."""
        if isinstance(data, str):
            return self.unseal(data)
        if isinstance(data, dict):
            return {name: self.unsealed(value) for name, value in data.items()}
        if isinstance(data, list):
            return [self.unsealed(value) for value in data]
        return data


def is_sealed(value: Any) -> bool:
    return isinstance(value, str) and bool(SEALED.match(value))


def key_ids(data: Any) -> set[str]:
    """The data keys a JSON value's sealed strings need."""
    if is_sealed(data):
        return {data[len(PREFIX):].split(":", 1)[0]}
    if isinstance(data, dict):
        return set().union(*(key_ids(value) for value in data.values())) if data else set()
    if isinstance(data, list):
        return set().union(*(key_ids(value) for value in data)) if data else set()
    return set()


def _aad(key_id: str) -> bytes:
    return b"doorstep-sealed-v1:" + key_id.encode()
