"""What comes back from outside: Twilio's signed status callbacks and keypresses, GOV.UK Notify's
receipts (with the bearer token set in Notify), and the
acknowledge links people open from a text. Public routes: each is authenticated by what it
carries (Twilio's signature; the link's one-time code), not by a bearer token."""

from __future__ import annotations

import asyncio
import hmac
from html import escape
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from services.escalation.application import EscalationApplication
from services.escalation.domain import Escalation
from services.escalation.govuk_notify import OUTCOMES as NOTIFY_OUTCOMES
from services.escalation.metrics import notified
from services.escalation.notifications import Notifications
from services.escalation.settings import EscalationSettings
from services.escalation.twilio import outcome_of, signed
from shared.contracts.errors import Conflict, Forbidden
from shared.service.process import runtime_of

router = APIRouter(tags=["notifications"])
Code = Annotated[str, Path(pattern=r"^[A-Za-z0-9_-]{8,32}$", description="the link's code")]


def _parts(request: Request) -> tuple[Notifications, EscalationSettings]:
    runtime = runtime_of(request)
    assert isinstance(runtime.app, EscalationApplication)
    settings = runtime.settings
    assert isinstance(settings, EscalationSettings)
    return Notifications(runtime.app), settings


async def _twilio_form(request: Request, settings: EscalationSettings) -> dict[str, str]:
    """The callback's parameters, once its signature proves Twilio sent it to this URL."""
    form = {name: str(value) for name, value in (await request.form()).items()}
    url = settings.escalation_public_url.rstrip("/") + request.url.path
    if request.url.query:
        url += "?" + request.url.query
    if not signed(settings.escalation_twilio_auth_token, url, form,
                  request.headers.get("x-twilio-signature", "")):
        raise Forbidden("the X-Twilio-Signature does not match this request")
    return form


@router.post("/v1/notifications/twilio/status", status_code=204, response_class=Response,
             summary="Twilio's delivery receipt for a text or a call")
async def twilio_status(delivery: UUID, request: Request) -> Response:
    notifications, settings = _parts(request)
    form = await _twilio_form(request, settings)
    outcome = outcome_of(form)
    if outcome is not None:
        detail = " ".join(f"{k}={form[k]}" for k in ("MessageStatus", "CallStatus", "AnsweredBy",
                                                     "ErrorCode") if form.get(k))
        await asyncio.to_thread(notifications.record_receipt, delivery, outcome, detail)
        notified("twilio", "call" if "CallStatus" in form else "sms", outcome)
    return Response(status_code=204)


class NotifyReceipt(BaseModel):
    """GOV.UK Notify's delivery receipt (its callback), as documented; other fields ignored."""

    model_config = ConfigDict(extra="ignore")
    id: str = Field(max_length=64)
    reference: UUID | None = None
    status: str = Field(max_length=40)
    notification_type: str | None = Field(None, max_length=10)


@router.post("/v1/notifications/notify/status", status_code=204, response_class=Response,
             summary="GOV.UK Notify's delivery receipt for a text or an email")
async def notify_status(body: NotifyReceipt, request: Request) -> Response:
    notifications, settings = _parts(request)
    expected = settings.escalation_notify_callback_token
    given = request.headers.get("authorization", "")
    if not expected or not hmac.compare_digest(given, f"Bearer {expected}"):
        raise Forbidden("the callback's bearer token is not the one set in GOV.UK Notify")
    outcome = NOTIFY_OUTCOMES.get(body.status)
    if outcome is not None and body.reference is not None:
        await asyncio.to_thread(notifications.record_receipt, body.reference, outcome,
                                f"notify {body.id} {body.status}")
        notified("notify", "email" if body.notification_type == "email" else "sms", outcome)
    return Response(status_code=204)


@router.post("/v1/notifications/twilio/keypress", response_class=Response,
             summary="a key pressed on an escalation call: 1 acknowledges as the person called")
async def twilio_keypress(delivery: UUID, request: Request) -> Response:
    notifications, settings = _parts(request)
    form = await _twilio_form(request, settings)
    if form.get("Digits") != "1":
        said = "No key 1 was pressed. Open Doorstep to acknowledge."
    else:
        try:
            await asyncio.to_thread(notifications.acknowledge_by_keypress, delivery)
            said = "Thank you. You are dealing with this escalation."
        except Conflict as refused:
            said = escape(refused.message)
    return Response(f"<Response><Say>{said}</Say></Response>", media_type="application/xml")


@router.get("/a/{code}", response_class=HTMLResponse, summary="an acknowledge link from a text")
async def ack_page(code: Code, request: Request) -> HTMLResponse:
    """Opening the link only shows a button: link previews in messaging apps acknowledge
    nothing."""
    notifications, settings = _parts(request)
    link = await asyncio.to_thread(notifications.link, code)
    link.check(notifications.app.clock())
    escalation = await asyncio.to_thread(notifications.escalation, link.escalation_id)
    return HTMLResponse(_page("Are you dealing with it?", f"This acknowledges the escalation "
                              f"at school {escape(link.school_urn)} as {escape(link.person_id)}"
                              ".", '<form method="post"><button type="submit">I am dealing '
                              'with it</button></form>' + _to_the_pages(settings, escalation)))


@router.post("/a/{code}", response_class=HTMLResponse, summary="acknowledge from the link")
async def ack(code: Code, request: Request) -> HTMLResponse:
    notifications, settings = _parts(request)
    escalation = await asyncio.to_thread(notifications.acknowledge_by_link, code)
    owner = escalation.acknowledged_by or {}
    return HTMLResponse(_page("Thank you", f"The escalation is acknowledged by "
                              f"{escape(str(owner.get('person_id', '')))}. Open Doorstep to see "
                              "it and resolve it.", _to_the_pages(settings, escalation)))


def _to_the_pages(settings: EscalationSettings, escalation: Escalation) -> str:
    """The visit's page, where, once signed in, a responder finds the Home Visits Log (address,
    mobiles, vehicle) and what has been tried. This public page shows none of it."""
    url = (f"{settings.escalation_pages_url.rstrip('/')}/schools/{escalation.school_urn}/visits/"
           f"{escalation.visit_id}?from=acknowledgement")
    return (f'<p><a href="{escape(url)}">Open the visit in Doorstep</a>: its Home Visits Log '
            "(address, mobiles, vehicle) and what has been tried, once you sign in.</p>")


def _page(title: str, text: str, action: str) -> str:
    return ('<!doctype html><html lang="en-GB"><head><meta charset="utf-8"><meta name="viewport" '
            f'content="width=device-width, initial-scale=1"><title>{title} · Doorstep</title>'
            '</head><body style="font:1.2rem/1.5 system-ui,sans-serif;margin:1rem">'
            f'<main><h1>{title}</h1><p>{text}</p>{action}</main></body></html>')
