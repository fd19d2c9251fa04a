"""A service the pages call that does not answer is a page that says so, never a 500."""

from __future__ import annotations

from services.web.backend import Backend
from services.web.session import Session
from services.web.settings import WebSettings
from shared.runtime.launcher import free_port


async def test_a_service_that_does_not_answer_is_a_503_that_says_which_and_what_to_do() -> None:
    nobody = f"http://127.0.0.1:{free_port()}"  # nothing listens here
    backend = Backend(WebSettings(authorisation_url=nobody, records_url=nobody))
    session = Session(token="t", user="auditor-1", role="auditor", trust="t", schools=[],
                      csrf="c")
    try:
        answer = await backend.call(session, "GET", "authorisation", "/v1/policy-reviews")
        assert answer.status == 503
        assert not answer.ok
        assert answer.problem == ["the authorisation service did not answer (ConnectError): "
                                  "nothing was changed; try again in a moment"]
        upload = await backend.upload(session, "records", "/v1/anything", b"x", {})
        assert upload.status == 503
    finally:
        await backend.close()
