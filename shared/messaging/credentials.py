"""Who may do what on NATS: an nkey per service and per integrator, permissions by subject.

Each service publishes only its own aggregates' subjects
(`<root>.events.*.*.<aggregate>.>`) plus the JetStream API it needs, never deleting or purging
the stream. An integrator reads one trust (or one school) and nothing else: it may create and
read one durable consumer, named by its id, whose filter lies inside its trust's subjects, and
may publish no events at all. An operator key (for `doorstep` commands and tests) has full
rights. Keys are ed25519 nkeys made with the `nkeys` library; the server config lists only the
public keys, and each process reads its own seed from a file only it needs.
"""

from __future__ import annotations

import json
import os
import signal
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nkeys
from faststream.nats import NatsNKey

from shared.contracts.base import OWNERS
from shared.contracts.escalation import heartbeat_subject
from shared.runtime.settings import DoorstepSettings

SERVICE_AGGREGATES = {service: tuple(a for a, owner in OWNERS.items() if owner == service)
                      for service in sorted(set(OWNERS.values()))}
OPERATOR = "operator"


@dataclass(frozen=True)
class Identity:
    name: str
    public_key: str
    permissions: dict[str, Any]


def new_seed() -> str:
    seed: bytes = nkeys.encode_seed(os.urandom(32), nkeys.PREFIX_BYTE_USER)
    return seed.decode()


def public_key(seed: str) -> str:
    return str(nkeys.from_seed(seed.encode()).public_key.decode())


def service_permissions(settings: DoorstepSettings, service: str) -> dict[str, Any]:
    root, stream = settings.subject_root, settings.stream_name
    own = [f"{root}.events.*.*.{aggregate}.>" for aggregate in SERVICE_AGGREGATES[service]]
    extra = ["$KV.>"] if service == "escalation" else []  # its leader lease
    beats = [heartbeat_subject(root)] if service == "escalation" else []
    return {
        "publish": {"allow": [*own, "$JS.API.>", "$JS.ACK.>", "_INBOX.>", *extra, *beats],
                    "deny": [f"$JS.API.STREAM.DELETE.{stream}", f"$JS.API.STREAM.PURGE.{stream}",
                             f"$JS.API.STREAM.MSG.DELETE.{stream}"]},
        "subscribe": {"allow": ["_INBOX.>", *extra]},
    }


def integrator_permissions(settings: DoorstepSettings, integrator: str, trust: str,
                           school: str | None = None) -> dict[str, Any]:
    root, stream = settings.subject_root, settings.stream_name
    scope = f"{root}.events.{trust}.{school}.>" if school else f"{root}.events.{trust}.>"
    return {
        "publish": {"allow": [
            f"$JS.API.CONSUMER.CREATE.{stream}.{integrator}.{scope}",
            f"$JS.API.CONSUMER.INFO.{stream}.{integrator}",
            f"$JS.API.CONSUMER.MSG.NEXT.{stream}.{integrator}",
            f"$JS.ACK.{stream}.{integrator}.>",
            f"$JS.API.STREAM.INFO.{stream}",
        ]},
        "subscribe": {"allow": ["_INBOX.>"]},
    }


def reader_permissions(settings: DoorstepSettings) -> dict[str, Any]:
    """The pages: read every event (an ordered consumer of their own), publish none."""
    stream = settings.stream_name
    return {
        "publish": {"allow": [f"$JS.API.STREAM.INFO.{stream}",
                              f"$JS.API.CONSUMER.CREATE.{stream}",
                              f"$JS.API.CONSUMER.CREATE.{stream}.>",
                              f"$JS.API.CONSUMER.DELETE.{stream}.>", "$JS.FC.>"]},
        # escalation's heartbeats, on core NATS: the pages raise the alarm when they stop
        "subscribe": {"allow": ["_INBOX.>", f"{settings.subject_root}.heartbeat.>"]},
    }


READERS = ("web",)
OPERATOR_PERMISSIONS: dict[str, Any] = {"publish": {"allow": [">"]},
                                        "subscribe": {"allow": [">"]}}


class Credentials:
    """The deployment's keys in one folder: `<name>.nk` seeds, `identities.json`, and the
    `auth.conf` nats-server includes (rewritten, then reloaded, when integrators change)."""

    def __init__(self, folder: Path, settings: DoorstepSettings) -> None:
        self.folder = folder
        self.settings = settings

    @property
    def config(self) -> Path:
        return self.folder / "auth.conf"

    def seed_file(self, name: str) -> Path:
        return self.folder / f"{name}.nk"

    def ensure(self) -> Credentials:
        """First start: a key for each service and the operator. Later starts keep them."""
        self.folder.mkdir(parents=True, exist_ok=True)
        self.folder.chmod(0o700)
        identities = self._identities()
        wanted = {**{s: service_permissions(self.settings, s) for s in SERVICE_AGGREGATES},
                  **{r: reader_permissions(self.settings) for r in READERS},
                  OPERATOR: OPERATOR_PERMISSIONS}
        for name, permissions in wanted.items():
            seed = self._seed(name)
            identities[name] = {"public_key": public_key(seed), "permissions": permissions,
                                "kind": "operator" if name == OPERATOR else "service"}
        self._save(identities)
        return self

    def issue_integrator(self, name: str, trust: str, school: str | None = None) -> Path:
        identities = self._identities()
        if name in identities and identities[name]["kind"] != "integrator":
            raise ValueError(f"{name} is the name of a service or the operator")
        seed = self._seed(name)
        identities[name] = {"public_key": public_key(seed), "kind": "integrator",
                            "trust": trust, "school": school,
                            "permissions": integrator_permissions(self.settings, name, trust,
                                                                  school)}
        self._save(identities)
        return self.seed_file(name)

    def revoke(self, name: str) -> None:
        identities = self._identities()
        if identities.get(name, {}).get("kind") != "integrator":
            raise KeyError(f"no integrator {name}")
        del identities[name]
        self.seed_file(name).unlink(missing_ok=True)
        self._save(identities)

    def integrators(self) -> dict[str, dict[str, Any]]:
        return {n: i for n, i in self._identities().items() if i["kind"] == "integrator"}

    def _seed(self, name: str) -> str:
        path = self.seed_file(name)
        if not path.exists():
            path.write_text(new_seed())
            path.chmod(0o600)
        return path.read_text().strip()

    def _identities(self) -> dict[str, dict[str, Any]]:
        path = self.folder / "identities.json"
        return json.loads(path.read_text()) if path.exists() else {}

    def _save(self, identities: dict[str, dict[str, Any]]) -> None:
        (self.folder / "identities.json").write_text(json.dumps(identities, indent=2))
        users = [{"nkey": i["public_key"], "permissions": i["permissions"]}
                 for i in identities.values()]
        # nats-server reads JSON inside its config syntax
        self.config.write_text("authorization {\n  users: " + json.dumps(users, indent=2)
                               + "\n}\n")


def reload_server(pid_file: Path) -> bool:
    """Tell a running nats-server to re-read its config (revocation takes effect at once)."""
    if not pid_file.exists():
        return False
    os.kill(int(pid_file.read_text().strip()), signal.SIGHUP)
    return True


def broker_security(settings: DoorstepSettings) -> NatsNKey | None:
    """The same identity for a faststream broker."""
    return NatsNKey.from_file(settings.nats_seed_file) if settings.nats_seed_file else None


def connect_options(settings: DoorstepSettings) -> dict[str, Any]:
    """What nats-py and faststream need to connect as this process's identity."""
    return {"nkeys_seed": str(settings.nats_seed_file)} if settings.nats_seed_file else {}
