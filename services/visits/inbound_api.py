"""The webhooks Twilio and GOV.UK Notify call when staff text or call the school's Doorstep
number. Public routes: each is authenticated as its provider documents (Twilio's request
signature; Notify's callback bearer token), not by a user's token. A request that fails that
is refused (403) and recorded, as every refusal here is."""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response

from services.visits.domain.inbound import WRONG_PINS_END_THE_CALL, Meaning, Reason
from services.visits.inbound import InboundCheckIns, Outcome, Sender
from services.visits.providers import (
    CHECKED_IN,
    KEY_PIN,
    KEY_PIN_AGAIN,
    NO_VISIT_OUT,
    NOT_ON_SITE,
    NOT_ON_THIS_CALL,
    SAID_CHECKED_IN,
    UNCLEAR,
    Inbound,
    NotifyInbound,
    form_of,
    gather_pin,
    hang_up,
    message,
    notify_bearer_ok,
    twilio_call,
    twilio_signed,
    twilio_sms,
    twiml,
)
from services.visits.settings import VisitsSettings
from shared.contracts.errors import Forbidden
from shared.security.tenancy import trust_of

router = APIRouter(prefix="/v1/inbound/{urn}", tags=["inbound"])
Urn = Annotated[str, Path(pattern=r"^\d{6}$", description="the school whose number was used")]
# Said back to a text: a duress word is answered exactly as "OK" is, so the phone looks ordinary.
TEXT_REPLIES = {Reason.NO_VISIT_OUT: NO_VISIT_OUT, Reason.NOT_ON_SITE: NOT_ON_SITE,
                Reason.UNCLEAR: UNCLEAR}


def parts(request: Request) -> tuple[InboundCheckIns, VisitsSettings]:
    inbound: InboundCheckIns = request.app.state.inbound
    settings: VisitsSettings = request.app.state.visits_settings
    return inbound, settings


def xml(body: str) -> Response:
    return Response(body, media_type="application/xml")


async def twilio_form(request: Request, urn: str, channel: str) -> dict[str, str]:
    """The form, once its X-Twilio-Signature proves Twilio sent it to this URL; a forgery is
    recorded and answered 403."""
    inbound, settings = parts(request)
    trust = trust_of(request, urn)
    form = form_of((await request.form()).items())
    url = settings.public_url.rstrip("/") + request.url.path
    if request.url.query:
        url += "?" + request.url.query
    if not twilio_signed(settings.twilio_auth_token, url, form,
                         request.headers.get("x-twilio-signature", "")):
        claimed = Inbound("twilio", channel, (form.get("MessageSid") or form.get("CallSid")
                                              or "")[:80], form.get("From", ""))
        await asyncio.to_thread(inbound.refuse, claimed, trust, urn, Reason.FORGED,
                                f"X-Twilio-Signature does not match {request.url.path}",
                                own_id=False)
        raise Forbidden("the X-Twilio-Signature does not match this request")
    return form


async def text_came(request: Request, urn: str, text: Inbound) -> Outcome:
    inbound, settings = parts(request)
    trust = trust_of(request, urn)
    school = settings.inbound_schools.get(urn)

    def handle() -> Outcome:
        sender = inbound.sender(text, trust, urn)
        if isinstance(sender, Outcome):
            return sender
        return inbound.reply(text, sender, trust, urn, school.duress_word if school else None)

    outcome = await asyncio.to_thread(handle)
    return outcome


@router.post("/twilio/sms", response_class=Response,
             summary="Twilio: a text to the school's Doorstep number (answered in TwiML)")
async def twilio_text(urn: Urn, request: Request) -> Response:
    form = await twilio_form(request, urn, "sms")
    outcome = await text_came(request, urn, twilio_sms(form))
    if outcome.taken:
        return xml(twiml(message(CHECKED_IN)))
    said = TEXT_REPLIES.get(outcome.reason) if outcome.reason else None
    return xml(twiml(message(said)) if said else twiml())


@router.post("/notify/sms", status_code=204, response_class=Response,
             summary="GOV.UK Notify: a text received on the school's inbound number")
async def notify_sms(urn: Urn, body: NotifyInbound, request: Request) -> Response:
    """Notify's callback carries no reply: the staff member sees the board's word instead."""
    inbound, settings = parts(request)
    text = body.request()
    if not notify_bearer_ok(settings.notify_inbound_token,
                            request.headers.get("authorization", "")):
        trust = trust_of(request, urn)
        await asyncio.to_thread(inbound.refuse, text, trust, urn, Reason.FORGED,
                                "the callback's bearer token is not the one set in GOV.UK "
                                "Notify", own_id=False)
        raise Forbidden("the callback's bearer token is not the one set in GOV.UK Notify")
    await text_came(request, urn, text)
    return Response(status_code=204)


def pin_url(settings: VisitsSettings, urn: str, attempt: int) -> str:
    return f"{settings.public_url.rstrip('/')}/v1/inbound/{urn}/twilio/voice/pin?attempt={attempt}"


@router.post("/twilio/voice", response_class=Response,
             summary="Twilio: a call to the school's Doorstep number (asks for the PIN)")
async def twilio_call_came(urn: Urn, request: Request) -> Response:
    inbound, settings = parts(request)
    form = await twilio_form(request, urn, "voice")
    trust, call = trust_of(request, urn), twilio_call(form)
    sender = await asyncio.to_thread(inbound.sender, call, trust, urn)
    if isinstance(sender, Outcome):
        return xml(hang_up(NOT_ON_THIS_CALL))
    return xml(gather_pin(KEY_PIN, pin_url(settings, urn, 1)))


@router.post("/twilio/voice/pin", response_class=Response,
             summary="Twilio: the PIN keyed on a call (checks in, or raises duress silently)")
async def twilio_voice_pin(urn: Urn, request: Request,
                           attempt: Annotated[int, Query(ge=1, le=WRONG_PINS_END_THE_CALL)]
                           ) -> Response:
    inbound, settings = parts(request)
    form = await twilio_form(request, urn, "voice")
    trust, keyed = trust_of(request, urn), twilio_call(form, f"/pin/{attempt}")

    def handle() -> Outcome | None:
        sender = inbound.sender(keyed, trust, urn)
        if isinstance(sender, Outcome):
            return sender
        assert isinstance(sender, Sender)
        return inbound.keyed(keyed, sender, trust, urn, attempt, WRONG_PINS_END_THE_CALL)

    outcome = await asyncio.to_thread(handle)
    if outcome is None:
        return xml(gather_pin(KEY_PIN_AGAIN, pin_url(settings, urn, attempt + 1)))
    if outcome.taken and outcome.meaning in (Meaning.CHECK_IN, Meaning.DURESS):
        return xml(hang_up(SAID_CHECKED_IN))
    return xml(hang_up(NOT_ON_THIS_CALL))
