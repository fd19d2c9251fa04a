"""Settings every Doorstep service reads from the environment (prefix DOORSTEP_)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_JWT_SECRET = "doorstep-dev-secret-change-me-0000000000"  # noqa: S105


class DoorstepSettings(BaseSettings):
    """One deployment's settings: where NATS and the stores are, and how to name things on them."""

    model_config = SettingsConfigDict(env_prefix="DOORSTEP_", extra="ignore")

    environment: str = Field("development", description="development, test or production")
    nats_url: str = "nats://127.0.0.1:4222"
    nats_seed_file: Path | None = Field(None, description="this process's NATS nkey seed")
    stream_name: str = "DOORSTEP_EVENTS"
    subject_root: str = Field("doorstep", pattern=r"^[a-z][a-z0-9_-]*$")
    duplicate_window_seconds: float = 600.0
    stream_replicas: int = 1
    jetstream_wait_seconds: float = Field(
        120.0, description="how long a starting service waits for JetStream before giving up")
    database_url: str | None = Field(
        None, description="postgresql://... for PostgreSQL; unset for SQLite files in data_dir"
    )
    schema_suffix: str = Field("", description="appended to each service's schema (test isolation)")
    data_dir: Path = Path("var")
    shred_list: Path | None = Field(
        None, description="the erasures file that outlives backups (default: data_dir/"
        "shred-list.jsonl); keep it off the machine the stores are on")
    cipher_key: str | None = Field(None, description="AES key for personal data at rest")
    jwt_secret: str = DEV_JWT_SECRET
    jwt_issuer: str = "doorstep"
    default_trust: str = Field("dev-trust", pattern=r"^[a-z0-9][a-z0-9-]*$")
    schools_file: Path | None = Field(None, description="YAML map of trust id to school URNs")
    identity_file: Path | None = Field(None, description="YAML: each trust's OIDC provider")
    relay_hold: bool = Field(False, description="keep the outbox relay paused (maintenance)")
    relay_poll_seconds: float = Field(1.0, gt=0, description="how often the outbox relay looks "
                                      "for events another process stored (its own wake it at once)")
    fault: str = Field("", description="test-only fault injection, e.g. exit-after-publish")
    metrics: bool = Field(True, description="Prometheus metrics at GET /metrics; 0 turns the "
                                            "instrumentation off")
    metrics_token: str | None = Field(None, description="if set, GET /metrics needs "
                                                        "`Authorization: Bearer <token>`")
    metrics_poll_seconds: float = Field(5.0, gt=0, description="how often consumer lag, outbox "
                                                               "backlog and gauges are read")
    otlp_endpoint: str | None = Field(None, description="OTLP/HTTP collector, e.g. "
                                                        "http://collector:4318; unset: no export")
    log_format: str = Field("text", pattern="^(text|json)$",
                            description="json: one JSON object a line, with trace and span ids")

    @model_validator(mode="after")
    def _refuse_dev_secret_in_production(self) -> DoorstepSettings:
        if self.environment == "production" and self.jwt_secret == DEV_JWT_SECRET:
            raise ValueError("DOORSTEP_JWT_SECRET must be set to a real secret in production")
        if self.environment == "production" and not self.cipher_key:
            raise ValueError("DOORSTEP_CIPHER_KEY must be set in production")
        return self

    @property
    def nats_servers(self) -> list[str]:
        """`nats_url` may list a cluster's nodes, comma-separated."""
        return [url.strip() for url in self.nats_url.split(",") if url.strip()]

    def shred_list_path(self) -> Path:
        return self.shred_list or self.data_dir / "shred-list.jsonl"

    def schema_for(self, service: str) -> str:
        return f"{service}{self.schema_suffix}"
