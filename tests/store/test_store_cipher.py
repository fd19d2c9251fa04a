"""The stores' cipher reads what eventsourcing's stock AESCipher wrote, and the other way round,
and refuses a ciphertext that was altered."""

from __future__ import annotations

import pytest
from eventsourcing.cipher import AESCipher
from eventsourcing.utils import Environment

from shared.storage.cipher import StoreCipher

KEY = AESCipher.create_key(32)


def ciphers() -> tuple[AESCipher, StoreCipher]:
    env = Environment(env={AESCipher.CIPHER_KEY: KEY})
    return AESCipher(env), StoreCipher(env)


def test_each_reads_what_the_other_wrote() -> None:
    stock, ours = ciphers()
    message = b'{"address": "sealed:v1:..."}' * 20
    assert ours.decrypt(stock.encrypt(message)) == message
    assert stock.decrypt(ours.encrypt(message)) == message
    assert ours.encrypt(message) != ours.encrypt(message)  # a fresh nonce every time


def test_an_altered_ciphertext_is_refused() -> None:
    _, ours = ciphers()
    sealed = bytearray(ours.encrypt(b"personal data"))
    sealed[-1] ^= 1
    with pytest.raises(ValueError, match="damaged"):
        ours.decrypt(bytes(sealed))
    with pytest.raises(ValueError, match="too short"):
        ours.decrypt(b"short")
