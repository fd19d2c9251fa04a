"""eventsourcing's AES-GCM cipher for the stores, with the key's cipher object made once.

The stock `AESCipher` builds a new pycryptodome cipher for every event it encrypts or decrypts
(a sixth of the escalation service's time under load). This one keeps the same stored format
(nonce, tag, ciphertext), so everything stored before reads the same, and uses `cryptography`'s
AESGCM, made once per key.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from eventsourcing.cipher import AESCipher

if TYPE_CHECKING:
    from eventsourcing.utils import Environment

TOPIC = "shared.storage.cipher:StoreCipher"


class StoreCipher(AESCipher):
    def __init__(self, environment: Environment) -> None:
        super().__init__(environment)
        self.aead = AESGCM(self.key)

    def encrypt(self, plaintext: bytes) -> bytes:
        nonce = os.urandom(12)
        sealed = self.aead.encrypt(nonce, plaintext, None)  # ciphertext, then the 16-byte tag
        return nonce + sealed[-16:] + sealed[:-16]

    def decrypt(self, ciphertext: bytes) -> bytes:
        if len(ciphertext) < 28:
            raise ValueError("Damaged cipher text: too short for its nonce and tag")
        nonce, tag, encrypted = ciphertext[:12], ciphertext[12:28], ciphertext[28:]
        try:
            return self.aead.decrypt(nonce, encrypted + tag, None)
        except InvalidTag:
            raise ValueError("Cipher text is damaged: the tag does not match") from None
