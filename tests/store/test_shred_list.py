"""The shred list: erasures kept apart from the stores, replayed onto a key store restored from
before them."""

from __future__ import annotations

import shutil
from pathlib import Path

from shared.runtime.settings import DoorstepSettings
from shared.storage.keystore import DataSubject, open_key_store
from shared.storage.shredlist import ShredList


def settings_in(folder: Path, shreds: Path) -> DoorstepSettings:
    return DoorstepSettings(environment="test", data_dir=folder, shred_list=shreds)


def test_a_key_store_copied_before_an_erasure_loses_the_key_again(tmp_path: Path) -> None:
    shreds = tmp_path / "elsewhere" / "shred-list.jsonl"
    live = settings_in(tmp_path / "live", shreds)
    store = open_key_store(live, fresh=True)
    erased, kept = (DataSubject("trust-a", "household", h) for h in ("hh-1", "hh-2"))
    erased_key, _ = store.key_for(erased)
    kept_key, _ = store.key_for(kept)
    store.tidy()
    shutil.copytree(tmp_path / "live", tmp_path / "copy")  # a backup, taken before the erasure

    assert store.destroy(erased, by="dsl-0001", why="erasure: ICO request upheld") == [erased_key]
    assert [(e.subject_id, e.key_ids) for e in ShredList(shreds).erasures()] == [
        ("hh-1", (erased_key,))]

    restored = open_key_store(settings_in(tmp_path / "copy", shreds), fresh=True)
    assert restored.key(erased_key) is not None  # the copy still held it
    assert restored.destroy_again(ShredList(shreds).erasures()) == [erased_key]
    assert restored.key(erased_key) is None
    assert restored.key(kept_key) is not None, "only what was erased goes"
    assert restored.destroy_again(ShredList(shreds).erasures()) == [], "safe to repeat"


def test_a_line_cut_short_by_a_crash_neither_counts_nor_spoils_the_next(tmp_path: Path) -> None:
    shreds = ShredList(tmp_path / "shred-list.jsonl")
    store = open_key_store(settings_in(tmp_path / "data", shreds.path), fresh=True)
    store.key_for(DataSubject("trust-a", "pupil", "p-1"))
    store.destroy(DataSubject("trust-a", "pupil", "p-1"), by="dsl-0001", why="erasure")
    with open(shreds.path, "a") as file:
        file.write('{"at": "2026-12-02T05:00:00Z", "trust_')
    assert len(shreds) == 1
    store.key_for(DataSubject("trust-a", "pupil", "p-2"))
    store.destroy(DataSubject("trust-a", "pupil", "p-2"), by="dsl-0001", why="erasure")
    assert [e.subject_id for e in shreds.erasures()] == ["p-1", "p-2"]
