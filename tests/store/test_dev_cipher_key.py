"""Development's generated cipher key: the services start together on a fresh data folder and
must all read one whole key (CI once saw authorisation exit with "the key store needs the
deployment's cipher key": it read the file another service had created but not yet written)."""

from __future__ import annotations

import stat
import threading
from pathlib import Path

from shared.runtime.settings import DoorstepSettings
from shared.storage.store import cipher_key


def starting(settings: DoorstepSettings, start: threading.Barrier, keys: list[str | None]
             ) -> None:
    start.wait()
    keys.append(cipher_key(settings))


def test_services_starting_together_on_a_fresh_folder_read_one_whole_key(tmp_path: Path
                                                                         ) -> None:
    for round_ in range(50):
        settings = DoorstepSettings(data_dir=tmp_path / f"fresh-{round_}")
        start, keys = threading.Barrier(8), list[str | None]()
        threads = [threading.Thread(target=starting, args=(settings, start, keys))
                   for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert len(set(keys)) == 1, f"round {round_}: {len(set(keys))} different keys"
        assert keys[0], f"round {round_}: an empty key was read"
        key_file = settings.data_dir / "cipher.key"
        assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
        assert [p.name for p in settings.data_dir.iterdir()] == ["cipher.key"]  # nothing left
