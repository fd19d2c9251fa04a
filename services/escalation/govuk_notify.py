"""GOV.UK Notify, through its documented REST API: texts and emails from a template whose body is
`((message))`, a JWT signed with the service's API key, and delivery receipts posted back."""

from __future__ import annotations

import time

import httpx
import jwt

from services.escalation.notify import Outbound, SendFailed

# Notify's final statuses, as Doorstep's receipts.
OUTCOMES = {"delivered": "delivered", "permanent-failure": "failed",
            "temporary-failure": "failed", "technical-failure": "failed"}


class NotifyGateway:
    def __init__(self, api_url: str, api_key: str, sms_template: str, email_template: str) -> None:
        # An API key is "<key name>-<service id (uuid)>-<secret key (uuid)>".
        if len(api_key) < 74:
            raise ValueError("a GOV.UK Notify API key ends with the service id and secret key")
        self.service_id, self.secret = api_key[-73:-37], api_key[-36:]
        self.api_url = api_url.rstrip("/")
        self.templates = {"sms": sms_template, "email": email_template}
        self.client = httpx.AsyncClient(timeout=10.0)

    def token(self) -> str:
        return jwt.encode({"iss": self.service_id, "iat": int(time.time())}, self.secret,
                          algorithm="HS256")

    async def send(self, outbound: Outbound) -> str:
        if outbound.channel not in self.templates:
            raise SendFailed(f"GOV.UK Notify does not carry {outbound.channel}")
        address = "phone_number" if outbound.channel == "sms" else "email_address"
        body = {address: outbound.to, "template_id": self.templates[outbound.channel],
                "personalisation": {"message": outbound.text},
                "reference": str(outbound.delivery_id)}
        try:
            answer = await self.client.post(
                f"{self.api_url}/v2/notifications/{outbound.channel}", json=body,
                headers={"Authorization": f"Bearer {self.token()}"})
        except httpx.HTTPError as error:
            raise SendFailed(f"GOV.UK Notify unreachable: {type(error).__name__}") from error
        if answer.status_code >= 300:
            raise SendFailed(f"GOV.UK Notify refused: HTTP {answer.status_code} "
                             f"{answer.text[:200]}")
        return str(answer.json().get("id", ""))
