"""Keys for many data subjects at once (an import seals under a key per household): one made
for each subject that has none, the live one kept for each that has, and sealing then uses them."""

from __future__ import annotations

import os

from sqlalchemy import create_engine, event
from sqlalchemy.pool import StaticPool

from shared.storage.keystore import DataSubject, KeyStore, metadata
from shared.storage.sealing import Sealer


def test_prepared_keys_are_the_ones_sealing_uses_and_none_is_made_twice() -> None:
    engine = create_engine("sqlite://", poolclass=StaticPool,
                           connect_args={"check_same_thread": False})
    metadata.create_all(engine)
    master = os.urandom(32)
    store = KeyStore(engine, master)
    known = DataSubject("t1", "household", "hh-1")
    key_id, _ = store.key_for(known)
    homes = [known, *(DataSubject("t1", "household", f"hh-{n}") for n in range(2, 602))]
    commits: list[int] = []
    event.listen(engine, "commit", lambda _: commits.append(1))
    Sealer(store).prepare([*homes, known])
    assert len(commits) == 1  # 600 keys made in one transaction
    assert {len(store.records(home)) for home in homes} == {1}
    assert store.key_for(known)[0] == key_id  # the live key kept
    Sealer(store).prepare(homes)
    assert len(commits) == 1  # nothing made twice
    sealed = Sealer(store).seal(homes[300], "Flat 2, 17 Quillfeather Lane")
    elsewhere = Sealer(KeyStore(engine, master))  # another process, nothing cached
    assert elsewhere.unseal(sealed) == "Flat 2, 17 Quillfeather Lane"
