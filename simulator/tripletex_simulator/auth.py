"""Session tokens: creation (`PUT /token/session/:create`) and HTTP Basic checks."""

from __future__ import annotations

import base64
import json
import secrets
import threading
import uuid
from dataclasses import dataclass
from datetime import date

from tripletex_simulator.clock import parse_date
from tripletex_simulator.errors import invalid, unauthorized
from tripletex_simulator.values import HOST


@dataclass(frozen=True)
class Session:
    id: int
    token: str
    expires: date  # first Oslo date on which the token no longer works


def _same(given: str, expected: str) -> bool:
    """A constant-time comparison that any token can go through: compare_digest
    refuses non-ASCII str, and Tripletex answers such a token with its usual 422."""
    return secrets.compare_digest(given.encode(), expected.encode())


class Sessions:
    def __init__(self, consumer_token: str, employee_token: str) -> None:
        self._consumer, self._employee = consumer_token, employee_token
        self._by_token: dict[str, Session] = {}
        self._lock = threading.Lock()
        self.created = 0
        self.issued: list[str] = []  # every session token handed out, for leak checks

    def create(self, params: dict[str, str], today: date) -> dict[str, object]:
        """The `value` of a new session, or an ApiError like the real endpoint's."""
        if not _same(params.get("consumerToken", ""), self._consumer):
            raise invalid("arg:consumerToken", "Ugyldig consumer token.")
        if not _same(params.get("employeeToken", ""), self._employee):
            raise invalid("arg:employeeToken", "Ugyldig employee token.")
        expires = parse_date(params.get("expirationDate"))
        if expires is None:
            raise invalid("arg:expirationDate", "Ugyldig dato, forventet format YYYY-MM-DD.")
        if expires <= today:
            raise invalid("arg:expirationDate", "Utløpsdatoen må være etter dagens dato.")
        with self._lock:
            self.created += 1
            session_id = 45_000_000 + self.created
            inner = {"tokenId": session_id, "token": str(uuid.uuid4())}
            token = base64.b64encode(json.dumps(inner).encode()).decode()
            self._by_token[token] = Session(session_id, token, expires)
            self.issued.append(token)
        return {
            "id": session_id,
            "version": 0,
            "url": f"{HOST}/v2/token/session/{session_id}",
            "consumerToken": {"id": 1001, "url": f"{HOST}/v2/token/consumer/1001"},
            "employeeToken": {"id": 2001, "url": f"{HOST}/v2/token/employee/2001"},
            "expirationDate": expires.isoformat(),
            "token": token,
            "encryptionKey": None,
        }

    def revoke(self) -> None:
        """End every session now, as Tripletex does when a token is deleted."""
        with self._lock:
            self._by_token.clear()

    def check(self, authorization: str | None, today: date) -> tuple[str, Session]:
        """(username, session) of a valid `Authorization: Basic` header, else 401."""
        if not authorization or not authorization.startswith("Basic "):
            raise unauthorized("Mangler autentisering (HTTP Basic).")
        try:
            decoded = base64.b64decode(authorization[6:].strip(), validate=True).decode()
        except (ValueError, UnicodeDecodeError) as exc:
            raise unauthorized("Ugyldig Authorization-header.") from exc
        username, _, token = decoded.partition(":")
        with self._lock:
            session = self._by_token.get(token)
        if session is None or today >= session.expires:
            raise unauthorized()
        return username, session
