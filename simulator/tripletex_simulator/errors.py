"""Tripletex error envelopes and the replies the server writes."""

from __future__ import annotations

from dataclasses import dataclass, field

import msgspec

JSON = "application/json;charset=UTF-8"
LINK = "https://tripletex.no/v2-docs/"

# Codes as the real API uses them (3000 and 18000 seen in traffic; others by category).
AUTH = 3000
NOT_FOUND = 6000
BAD_REQUEST = 4000
VALIDATION = 18000
TOO_LARGE = 23000
UNKNOWN = 1000


@dataclass
class Reply:
    status: int
    body: bytes
    content_type: str = JSON
    headers: dict[str, str] = field(default_factory=dict)


class ApiError(Exception):
    """Raised anywhere while handling a request; becomes an error envelope."""

    def __init__(
        self,
        status: int,
        code: int,
        message: str,
        developer: str | None = None,
        validation: list[tuple[str, str]] | None = None,
    ) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
        self.developer, self.validation = developer, validation

    def reply(self, request_id: str) -> Reply:
        messages = None
        if self.validation is not None:
            messages = [
                {"field": f, "message": m, "path": None, "rootId": None} for f, m in self.validation
            ]
        envelope = {
            "status": self.status,
            "code": self.code,
            "message": self.message,
            "link": LINK,
            "developerMessage": self.developer,
            "validationMessages": messages,
            "requestId": request_id,
        }
        return Reply(self.status, msgspec.json.encode(envelope))


def unauthorized(developer: str = "Ugyldig eller utløpt sesjonstoken.") -> ApiError:
    return ApiError(401, AUTH, "Autentisering feilet.", developer)


def not_found(what: str = "Objektet ble ikke funnet.") -> ApiError:
    return ApiError(404, NOT_FOUND, what, "HTTP 404 Not Found")


def invalid(field_name: str, message: str, status: int = 422) -> ApiError:
    return ApiError(status, VALIDATION, "Validering feilet.", None, [(field_name, message)])


def bad_request(message: str) -> ApiError:
    return ApiError(400, BAD_REQUEST, message, message)
