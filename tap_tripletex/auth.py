"""Tripletex session-token authentication.

A consumer token and an employee token are exchanged for a session token
(`PUT /token/session/:create`); every other call sends HTTP Basic with the
company id as username and the session token as password.
"""

from __future__ import annotations

import base64
import threading
import typing as t
from datetime import date, datetime, timedelta

import requests
from singer_sdk.authenticators import APIAuthenticatorBase

from tap_tripletex.errors import (
    ConfigError,
    api_error_fields,
    describe_api_error,
    redact,
    send_safely,
)
from tap_tripletex.timeutil import OSLO, oslo_now

# A session dies at the Oslo midnight that starts its expiration date. Ask for
# a date this many days ahead and renew once less than RENEW_MARGIN remains.
SESSION_DAYS = 3
RENEW_MARGIN = timedelta(hours=1)

# The setting at fault for each rejected token argument of :create.
_TOKEN_SETTINGS = {
    "arg:consumerToken": "consumer_token",
    "arg:employeeToken": "employee_token",
}


class TripletexSession:
    """Mints the session token lazily, renews it near expiry or when rejected."""

    def __init__(
        self,
        *,
        api_url: str,
        consumer_token: str,
        employee_token: str,
        http: requests.Session,
        timeout: float = 60,
        clock: t.Callable[[], datetime] = oslo_now,
    ) -> None:
        self.api_url = api_url.rstrip("/")
        self._consumer_token = consumer_token
        self._employee_token = employee_token
        self._http = http
        self._timeout = timeout
        self._clock = clock
        self._token: str | None = None
        self._dies_at: datetime | None = None
        self._lock = threading.Lock()
        self.mint_count = 0

    @property
    def secrets(self) -> tuple[str, ...]:
        """Every secret this session knows, for redaction."""
        return tuple(s for s in (self._consumer_token, self._employee_token, self._token) if s)

    def token(self) -> str:
        """A session token valid for at least RENEW_MARGIN, minting one if needed."""
        with self._lock:
            if (
                self._token is None
                or self._dies_at is None
                or self._clock() >= self._dies_at - RENEW_MARGIN
            ):
                self._mint()
            assert self._token is not None
            return self._token

    def reject(self, request: requests.PreparedRequest) -> None:
        """Forget the token `request` was signed with; the next call mints anew.

        Comparing tokens keeps concurrent rejections of one token to one renewal.
        """
        header = request.headers.get("Authorization", "")
        used = base64.b64decode(header.removeprefix("Basic ")).decode().partition(":")[2]
        with self._lock:
            if self._token == used:
                self._token = None

    def basic_header(self, company_id: int) -> str:
        raw = f"{company_id}:{self.token()}".encode()
        return "Basic " + base64.b64encode(raw).decode("ascii")

    def for_company(self, company_id: int) -> CompanyAuthenticator:
        return CompanyAuthenticator(self, company_id)

    def _mint(self) -> None:
        expires = self._clock().date() + timedelta(days=SESSION_DAYS)
        response = send_safely(
            self._http,
            "PUT",
            f"{self.api_url}/token/session/:create",
            params={
                "consumerToken": self._consumer_token,
                "employeeToken": self._employee_token,
                "expirationDate": expires.isoformat(),
            },
            timeout=self._timeout,
            secrets=self.secrets,
        )
        if response.status_code != 200:
            raise self._rejection(response)
        try:
            self._token = str(response.json()["value"]["token"])
        except (ValueError, KeyError, TypeError):
            raise ConfigError(
                f"api_url {self.api_url} did not answer like the Tripletex API "
                f"(session create gave HTTP {response.status_code} without a token)"
            ) from None
        self._dies_at = session_dies_at(expires)
        self.mint_count += 1

    def _rejection(self, response: requests.Response) -> ConfigError:
        fields = api_error_fields(response)
        for message in fields.get("validationMessages") or []:
            setting = _TOKEN_SETTINGS.get(str(message.get("field")))
            if setting:
                return ConfigError(
                    f"{setting} was rejected by Tripletex "
                    f"({describe_api_error(response, self.secrets)}); check the setting"
                )
        return ConfigError(
            redact(
                "Tripletex refused to create a session at "
                f"{self.api_url}: {describe_api_error(response, self.secrets)}; "
                "check consumer_token, employee_token and api_url",
                self.secrets,
            )
        )


def session_dies_at(expiration: date) -> datetime:
    """The instant a session with this expiration date stops working."""
    return datetime.combine(expiration, datetime.min.time(), tzinfo=OSLO)


class CompanyAuthenticator(APIAuthenticatorBase):
    """Signs requests for one company with the shared session token."""

    def __init__(self, session: TripletexSession, company_id: int) -> None:
        super().__init__()
        self.session = session
        self.company_id = company_id

    def authenticate_request(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["Authorization"] = self.session.basic_header(self.company_id)
        return request
