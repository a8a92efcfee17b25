"""Tripletex session-token authentication.

A consumer token and an employee token are exchanged for a session token
(`PUT /token/session/:create`); every other call sends HTTP Basic with the
company id as username and the session token as password.
"""

from __future__ import annotations

import base64
import threading
import time
import typing as t
from datetime import date, datetime, timedelta
from urllib.parse import urlsplit

import requests
from singer_sdk.authenticators import APIAuthenticatorBase

from tap_tripletex.answers import api_error_fields, describe_api_error
from tap_tripletex.errors import ConfigError
from tap_tripletex.ratelimit import RateLimiter
from tap_tripletex.redaction import redact, register_secrets
from tap_tripletex.requestpath import NOT_TRANSIENT, RequestPath, RetryPolicy
from tap_tripletex.settings import DEFAULTS, with_defaults
from tap_tripletex.timeutil import OSLO, oslo_now

if t.TYPE_CHECKING:
    from collections.abc import Mapping

# A session dies at the Oslo midnight that starts its expiration date. Ask for
# a date this many days ahead and renew once less than RENEW_MARGIN remains.
SESSION_DAYS = 3
RENEW_MARGIN = timedelta(hours=1)

# Answers to session create that mean api_url is not Tripletex's API (a URL without /v2
# gets Tripletex's own JSON 404).
WRONG_PLACE = (404, 405, *NOT_TRANSIENT)

# The setting at fault for each rejected token argument of :create.
_TOKEN_SETTINGS = {
    "arg:consumerToken": "consumer_token",
    "arg:employeeToken": "employee_token",
}


class TripletexSession:
    """Mints the session token lazily, renews it near expiry or when rejected.

    Also owns the run's request path (requestpath.py), shared by every stream.
    """

    def __init__(
        self,
        *,
        api_url: str,
        consumer_token: str,
        employee_token: str,
        http: requests.Session,
        timeout: float = float(DEFAULTS["request_timeout"]),
        clock: t.Callable[[], datetime] = oslo_now,
        limiter: RateLimiter | None = None,
        retry: RetryPolicy | None = None,
        sleep: t.Callable[[float], None] = time.sleep,
    ) -> None:
        register_secrets(consumer_token, employee_token)
        self.api_url = api_url.rstrip("/")
        self._consumer_token = consumer_token
        self._employee_token = employee_token
        self._clock = clock
        self.path = RequestPath(
            http,
            timeout=timeout,
            limiter=limiter or RateLimiter(),
            retry=retry or RetryPolicy(),
            secrets=lambda: self.secrets,
            sleep=sleep,
        )
        self._token: str | None = None
        self._dies_at: datetime | None = None
        self._lock = threading.Lock()
        self.mint_count = 0

    @classmethod
    def from_config(
        cls, config: Mapping[str, t.Any], http: requests.Session | None = None
    ) -> TripletexSession:
        """The session for the tap's settings (README: "Rate limits, retries and errors")."""
        config = with_defaults(config)
        return cls(
            api_url=str(config["api_url"]),
            consumer_token=str(config["consumer_token"]),
            employee_token=str(config["employee_token"]),
            http=http or requests.Session(),
            timeout=float(config["request_timeout"]),
            limiter=RateLimiter(
                max_wait=float(config["rate_limit_max_wait"]),
                window=float(config["rate_limit_window"]),
            ),
            retry=RetryPolicy(
                tries=int(config["max_retries"]) + 1,
                first_wait=float(config["retry_backoff"]),
            ),
        )

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
        used = _token_of(request)
        with self._lock:
            if self._token == used:
                self._token = None

    def ended(self, request: requests.PreparedRequest) -> bool:
        """Whether the session `request` was signed with has ended: Tripletex refuses it
        whoAmI as company 0, which any live session may call."""
        check = self.path.prepare("GET", f"{self.api_url}/token/session/>whoAmI")
        check.headers["Authorization"] = self.basic_header(0, _token_of(request))
        return self.path.send(check, what="session check").status_code == 401

    def basic_header(self, company_id: int, token: str | None = None) -> str:
        raw = f"{company_id}:{token or self.token()}".encode()
        return "Basic " + base64.b64encode(raw).decode("ascii")

    def call(
        self, path: str, *, company_id: int, params: dict[str, t.Any] | None = None
    ) -> requests.Response:
        """GET a path outside the streams (whoAmI, company lists) as `company_id`, on the
        run's request path. The final response is returned for the caller to judge."""
        request = self.path.prepare("GET", f"{self.api_url}{path}", params=params)
        return self.path.send(request, what=path, signer=self, company_id=company_id)

    def check_company(self, company_id: int) -> None:
        """Fail with a clear message unless the session may act on `company_id`."""
        response = self.call("/token/session/>whoAmI", company_id=company_id)
        if response.status_code != 200:
            raise ConfigError(
                f"company_id {company_id} was refused by Tripletex "
                f"({describe_api_error(response, self.secrets)}): the company id is wrong "
                "or the employee token has no access to it; check company_id"
            )

    def for_company(self, company_id: int) -> CompanyAuthenticator:
        return CompanyAuthenticator(self, company_id)

    def _mint(self) -> None:
        expires = self._clock().date() + timedelta(days=SESSION_DAYS)
        params = {
            "consumerToken": self._consumer_token,
            "employeeToken": self._employee_token,
            "expirationDate": expires.isoformat(),
        }
        create = f"{self.api_url}/token/session/:create"
        request = self.path.prepare("PUT", create, params=params)
        response = self.path.send(request, what="session create")
        if response.status_code != 200:
            raise self._rejection(response)
        try:
            token = str(response.json()["value"]["token"])
        except (ValueError, KeyError, TypeError):
            raise self._not_tripletex(response) from None
        register_secrets(token)
        self._token = token
        self._dies_at = session_dies_at(expires)
        self.mint_count += 1

    def _not_tripletex(self, response: requests.Response) -> ConfigError:
        kind = response.headers.get("Content-Type") or "no content type"
        hint = "check the setting"
        if not urlsplit(self.api_url).path.endswith("/v2"):
            hint = "Tripletex's API URL ends in /v2: check the setting"
        return ConfigError(
            f"api_url {self.api_url} does not answer like the Tripletex API (session "
            f"create gave HTTP {response.status_code}, {kind}); {hint} "
            "(e.g. https://tripletex.no/v2)"
        )

    def _rejection(self, response: requests.Response) -> ConfigError:
        fields = api_error_fields(response)
        if not fields or response.status_code in WRONG_PLACE:
            return self._not_tripletex(response)
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


def _token_of(request: requests.PreparedRequest) -> str:
    """The session token a request was signed with."""
    return _signature(request)[2]


def company_of(request: requests.PreparedRequest) -> int:
    """The company a request was signed as (the Basic username; 0 when unsigned)."""
    return int(_signature(request)[0] or 0)


def _signature(request: requests.PreparedRequest) -> tuple[str, str, str]:
    header = request.headers.get("Authorization", "")
    return base64.b64decode(header.removeprefix("Basic ")).decode().partition(":")


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
