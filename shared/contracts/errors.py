"""Errors the domain and application layers raise; the HTTP edge maps each to a 4xx."""


class DoorstepError(Exception):
    """Base of every error a person can fix by changing what they sent."""

    code = "error"

    def __init__(self, message: str, *, details: list[str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or []


class NotFound(DoorstepError):
    code = "not_found"


class Conflict(DoorstepError):
    """The request is well formed but the thing is not in a state that allows it."""

    code = "conflict"


class Gone(Conflict):
    """Something that worked once (a link, a code) and will not again: used, or expired."""

    code = "gone"


class RulesBroken(DoorstepError):
    """One or more named policy rules refuse the request; details name each rule."""

    code = "rules_broken"


class Forbidden(DoorstepError):
    code = "forbidden"


class Invalid(DoorstepError):
    code = "invalid"
