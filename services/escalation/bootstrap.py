"""Wires the escalation service: store, scheduler and lease, subscribers, routes."""

from __future__ import annotations

import asyncio
import os
import socket

from eventsourcing.domain import Aggregate
from fastapi import FastAPI

from services.escalation import api, callbacks
from services.escalation.application import Channels, EscalationApplication, Timing
from services.escalation.channels import EmailSender, SmtpSettings
from services.escalation.deadline_index import DeadlineIndex
from services.escalation.govuk_notify import NotifyGateway
from services.escalation.heartbeat import Heartbeat, ProviderTally
from services.escalation.integration import translate
from services.escalation.lease import Lease
from services.escalation.metrics import observe
from services.escalation.naming import Names
from services.escalation.notify import FakeGateway, Gateway
from services.escalation.scheduler import Scheduler
from services.escalation.settings import EscalationSettings, escalation_settings
from services.escalation.subscribers import subscriptions
from services.escalation.twilio import TwilioGateway
from shared.contracts.escalation import heartbeat_subject
from shared.runtime.settings import DoorstepSettings
from shared.service.process import Runtime, create_api
from shared.storage.keystore import open_key_store
from shared.storage.sealing import Sealer
from shared.storage.store import store_env

NAME = "escalation"


def gateways_of(settings: EscalationSettings) -> dict[str, Gateway]:
    """Every provider some school uses, by kind: the deployment's default and each school's own
    choice (DOORSTEP_ESCALATION_SCHOOL_GATEWAYS). Secrets come from settings, never the store."""
    kinds = {settings.escalation_gateway, *settings.escalation_school_gateways.values()}
    made = {kind: gateway_of(settings, kind) for kind in kinds}
    return {kind: gateway for kind, gateway in made.items() if gateway is not None}


def gateway_of(settings: EscalationSettings, kind: str) -> Gateway | None:
    if kind == "notify":
        return notify_of(settings)
    if kind == "twilio":
        return TwilioGateway(settings.escalation_twilio_api_url,
                             settings.escalation_twilio_account_sid,
                             settings.escalation_twilio_auth_token, settings.escalation_twilio_from,
                             settings.escalation_public_url)
    path = settings.gateway_file() if kind.startswith("fake:") else None
    return FakeGateway(path) if path else None


def notify_of(settings: EscalationSettings) -> NotifyGateway:
    return NotifyGateway(settings.escalation_notify_api_url, settings.escalation_notify_api_key,
                         settings.escalation_notify_sms_template,
                         settings.escalation_notify_email_template)


def email_of(settings: EscalationSettings) -> EmailSender | NotifyGateway | None:
    """SMTP when a mail server is set; else GOV.UK Notify's email, when it is the gateway."""
    if not settings.escalation_smtp_host:
        uses_notify = "notify" in {settings.escalation_gateway,
                                   *settings.escalation_school_gateways.values()}
        if uses_notify and settings.escalation_notify_email_template:
            return notify_of(settings)
        return None
    return EmailSender(SmtpSettings(
        settings.escalation_smtp_host, settings.escalation_smtp_port, settings.escalation_smtp_from,
        settings.escalation_smtp_username, settings.escalation_smtp_password,
        settings.escalation_smtp_starttls))


def build_runtime(given: DoorstepSettings) -> Runtime:
    settings = escalation_settings(given)
    gateways = gateways_of(settings)
    # One cached aggregate per live visit, escalation and delivery; without it each deadline
    # decrypts its whole history twice.
    env = {**store_env(settings, NAME), "AGGREGATE_CACHE_MAXSIZE": "100000"}
    app = EscalationApplication(
        env,
        timing=Timing(minute=settings.escalation_minute_seconds,
                      late_after=settings.escalation_late_after_seconds),
        channels=Channels(sms=bool(gateways), providers=settings.escalation_school_gateways,
                          default_provider=settings.escalation_gateway,
                          ack_link_minutes=settings.escalation_ack_link_minutes,
                          email=email_of(settings) is not None,
                          webhook_url=settings.escalation_webhook_url,
                          max_attempts=settings.escalation_webhook_max_attempts,
                          backoff_seconds=settings.escalation_webhook_backoff_seconds))
    index = DeadlineIndex(app)
    app.open_view = index.open_escalations
    wakeup = asyncio.Event()

    def noted(changed: list[Aggregate]) -> None:
        """Saved here: indexed as they are, so the index need not load them again. The
        scheduler is woken only for a deadline before all it knew of (a duress, a new visit),
        not for every check-in: it wakes for the first deadline, and at every tick, anyway."""
        first = [index.note(aggregate) for aggregate in changed]
        if any(first):
            wakeup.set()

    async def deadlines(runtime: Runtime) -> None:
        assert runtime.broker is not None
        sealer = Sealer(open_key_store(settings))
        connection = runtime.broker.connection
        lease = Lease(connection.jetstream(), settings.lease_bucket(),
                      replica_name(settings), settings.escalation_lease_seconds)
        subject = heartbeat_subject(settings.subject_root)

        async def publish(beat: bytes) -> None:
            await connection.publish(subject, beat)

        heartbeat = Heartbeat(publish, replica_name(settings), lease, ProviderTally(),
                              settings.escalation_heartbeat_seconds)
        scheduler = Scheduler(app, index, lease, tick=settings.escalation_tick_seconds,
                              gateways=gateways, webhook_secret=settings.escalation_webhook_secret,
                              sealer=sealer, wakeup=wakeup,
                              public_url=settings.escalation_public_url,
                              email=email_of(settings),
                              naming=Names(runtime.directory, runtime.registers, sealer),
                              heartbeat=heartbeat)
        await asyncio.gather(lease.hold_forever(), scheduler.run())

    runtime = Runtime(name=NAME, settings=settings, app=app, translate=translate,
                      subscriptions=subscriptions(
                          app, max_ack_pending=settings.escalation_max_ack_pending,
                          on_change=noted),
                      background=[deadlines], observers=[lambda: observe(index)])
    app.registers = runtime.registers  # a school's contacts are people on its register
    return runtime


def replica_name(settings: EscalationSettings) -> str:
    return settings.escalation_replica or f"{socket.gethostname()}-{os.getpid()}"


def create_app(settings: DoorstepSettings | None = None) -> FastAPI:
    return create_api(NAME, build_runtime, [api.router, api.trust_router, api.leads_router,
                                         callbacks.router],
                      escalation_settings(settings))
