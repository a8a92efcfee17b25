"""The one way every call reaches Tripletex, the streams' pages and the session's own
calls alike: sign -> pace -> send -> classify -> retry, renew or wait.

What a final answer means (a 403 skips a stream, a refused session create is a setting
at fault) is for the caller to judge: a stream in its `validate_response`, the session
and company lookups in auth.py and companies.py.
"""

from __future__ import annotations

import logging
import random
import threading
import time
import typing as t
from dataclasses import dataclass, field

import msgspec
import requests

from tap_tripletex.answers import describe_api_error, is_unreachable, unreachable
from tap_tripletex.errors import AbandonedError, GaveUpError, describe_exception
from tap_tripletex.pages import page_values
from tap_tripletex.ratelimit import RateLimiter
from tap_tripletex.settings import DEFAULTS

if t.TYPE_CHECKING:
    from collections.abc import Callable

    from singer_sdk.authenticators import APIAuthenticatorBase

logger = logging.getLogger("tap-tripletex")

# Server errors that say the server will never do this (`python3 -m http.server` answers
# PUT with 501): not retried.
NOT_TRANSIENT = (501, 505)
MAX_RENEWALS = 3  # new sessions one call may ask for (each after its session ended)


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with jitter for transient failures (5xx, resets, timeouts,
    cut-off bodies): `tries` calls at most, the first wait `first_wait` seconds, doubling
    up to `cap`."""

    tries: int = int(DEFAULTS["max_retries"]) + 1
    first_wait: float = float(DEFAULTS["retry_backoff"])
    cap: float = 60.0
    rng: random.Random = field(default_factory=random.Random, compare=False)

    def delay(self, retry: int) -> float:
        """The wait before the `retry`-th retry (1-based): half of it fixed, half random,
        so clients retrying together spread out and none comes back much sooner."""
        full = min(self.cap, self.first_wait * 2 ** (retry - 1))
        return full / 2 + self.rng.uniform(0, full / 2)


class Signer(t.Protocol):
    """Signs a call as one company with the current session token, and forgets a token
    Tripletex rejected so that the next signature carries a new one (auth.py)."""

    def for_company(self, company_id: int) -> APIAuthenticatorBase: ...

    def reject(self, request: requests.PreparedRequest) -> None: ...

    def ended(self, request: requests.PreparedRequest) -> bool: ...


class RequestPath:
    """Sends calls for a whole run; thread-safe (read-ahead calls come from the pool).

    A call is retried after a transient failure (`retry`), waits out 429s (`limiter`,
    bounded by rate_limit_max_wait), and is signed anew once after a 401 on a renewed
    session. It returns the final answer, whatever its status.
    """

    def __init__(
        self,
        http: requests.Session,
        *,
        timeout: float,
        limiter: RateLimiter,
        retry: RetryPolicy,
        secrets: Callable[[], tuple[str, ...]],
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.http = http
        self.timeout = timeout
        self.limiter = limiter
        self.retry = retry
        self._secrets = secrets
        self._sleep = sleep
        self._reached = False  # whether anything has ever answered
        self._tripletex = False  # whether a JSON answer has ever come back

    def prepare(
        self, method: str, url: str, *, params: t.Any = None, headers: dict | None = None
    ) -> requests.PreparedRequest:
        """A request with the HTTP session's default headers (compression, keep-alive),
        unsigned (each try is signed in `send`)."""
        merged = {**self.http.headers, **(headers or {})}
        return requests.Request(method, url, params=params, headers=merged).prepare()

    def send(
        self,
        request: requests.PreparedRequest,
        *,
        what: str,
        signer: Signer | None = None,
        company_id: int = 0,
        cancelled: threading.Event | None = None,
        on_answer: Callable[[requests.Response], None] | None = None,
    ) -> requests.Response:
        """Send `request` (signed as `company_id` by `signer`, if any) until it has a final
        answer. `what` names it in messages; once `cancelled` is set, no further try is
        made (AbandonedError); `on_answer` sees every answer (metrics)."""
        retries, refusals, waited, renewals = 0, 0, 0.0, 0
        while True:
            if cancelled is not None and cancelled.is_set():
                raise AbandonedError
            if signer is not None:
                signer.for_company(company_id)(request)
            failure = None
            try:
                with self.limiter.slot():
                    response = self.http.send(request, timeout=self.timeout)
                    self.limiter.observe(response)
            except (requests.RequestException, OSError) as exc:
                if (
                    isinstance(exc, requests.RequestException)
                    and not self._reached
                    and is_unreachable(exc)
                ):  # nothing ever answered: api_url is at fault
                    raise unreachable(str(request.url), exc, self._secrets()) from None
                failure = describe_exception(exc, self._secrets())
            else:
                self._reached = True
                if on_answer is not None:
                    on_answer(response)
                if response.status_code == 429:
                    waited += self.limiter.refused(
                        response, attempt=refusals, waited=waited, what=what
                    )
                    refusals += 1
                    continue
                if (
                    response.status_code == 401
                    and signer is not None
                    and self._renew(signer, request, renewals)
                ):
                    renewals += 1
                    continue
                failure = self._transient(response)
                if failure is None:
                    return response
            retries += 1
            if retries >= self.retry.tries:
                raise GaveUpError(
                    f"{what}: gave up after {self.retry.tries} tries ({failure}); "
                    "raise max_retries or try again later"
                )
            delay = self.retry.delay(retries)
            logger.warning("%s: retrying in %.1fs after try %d (%s)", what, delay, retries, failure)
            self._sleep(delay)

    @staticmethod
    def _renew(signer: Signer, request: requests.PreparedRequest, renewals: int) -> bool:
        """Whether a 401 calls for a new session and another try: the first one does; a
        later one only when the session it was signed with has ended too (another call's
        expiry while this one was under way), never more than MAX_RENEWALS times. Else
        the company itself is refused, and the 401 is the final answer."""
        if renewals >= MAX_RENEWALS or (renewals and not signer.ended(request)):
            return False
        signer.reject(request)
        return True

    def _transient(self, response: requests.Response) -> str | None:
        """Why this answer is worth asking again for, or None when it is final: a server
        error other than NOT_TRANSIENT, or a body that does not decode (cut off on the
        way, or a proxy's page where Tripletex has answered before)."""
        status = response.status_code
        if status >= 500 and status not in NOT_TRANSIENT:
            return describe_api_error(response, self._secrets())
        json_body = "json" in (response.headers.get("Content-Type") or "")
        if not (json_body or (self._tripletex and status < 400)):
            return None
        try:
            page_values(response)  # decoded once: the stream reads its records from it
        except msgspec.ValidationError:
            pass  # JSON, though not an object
        except msgspec.DecodeError:
            kind = response.headers.get("Content-Type") or "no content type"
            return f"HTTP {status}, unparsable response body ({kind})"
        self._tripletex = True
        return None
