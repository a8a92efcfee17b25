"""The base stream's error policy: pacing by the rate limit, retries, session renewal,
and what each failing answer means."""

from __future__ import annotations

import typing as t
from http import HTTPStatus

import msgspec
import requests
from singer_sdk import RESTStream
from singer_sdk.exceptions import FatalAPIError, RetriableAPIError

from tap_tripletex.companies import CompanyAccessError
from tap_tripletex.errors import (
    GaveUpError,
    api_error_fields,
    describe_api_error,
    describe_exception,
)
from tap_tripletex.pages import page_values
from tap_tripletex.ratelimit import RateLimitedError

if t.TYPE_CHECKING:
    from singer_sdk.helpers.types import Context

    from tap_tripletex.auth import TripletexSession


class SessionRejectedError(Exception):
    """401 on a data call: the session is renewed once and the request retried."""

    def __init__(self, response: requests.Response) -> None:
        super().__init__(f"HTTP {response.status_code}")
        self.response = response


class ResultSetTooLargeError(FatalAPIError):
    """422 code 23000: the query matches more than Tripletex will answer."""


RESULT_SET_TOO_LARGE = 23000


class StreamUnavailableError(FatalAPIError):
    """403 or 404: the company's Tripletex package or the token's entitlements do not
    cover this endpoint. The stream is skipped for that company with one warning."""


class ErrorPolicy(RESTStream[int]):
    """How a Tripletex stream's requests fail, wait and retry (the SDK's hooks)."""

    _company_id: int | None  # the company partition being read

    @property
    def session(self) -> TripletexSession:
        raise NotImplementedError

    def request_decorator(self, func: t.Callable) -> t.Callable:
        """Pace requests by the rate limit; wait out 429s (bounded by
        `rate_limit_max_wait`); retry transient failures with backoff (`max_retries`);
        renew a rejected session once. A failed page is requested again, never skipped.
        """
        limiter = self.session.limiter

        def paced(request: requests.PreparedRequest, context: Context | None) -> t.Any:
            with limiter.slot():
                return func(request, context)

        retrying = super().request_decorator(paced)

        def send(request: requests.PreparedRequest, context: Context | None) -> t.Any:
            renewed, refusals, waited = False, 0, 0.0
            while True:
                try:
                    return retrying(request, context)
                except RateLimitedError as refused:
                    waited += limiter.refused(
                        refused.response, attempt=refusals, waited=waited, what=self.name
                    )
                    refusals += 1
                except SessionRejectedError as rejected:
                    if renewed:  # a second 401 in a row, on a fresh session
                        raise CompanyAccessError(
                            int((context or {}).get("company_id") or 0),
                            describe_api_error(rejected.response, self.session.secrets),
                        ) from None
                    renewed = True
                    self.session.reject(request)
                except (RetriableAPIError, requests.RequestException, OSError) as failed:
                    raise GaveUpError(
                        f"{self.name}: gave up after {self.backoff_max_tries()} tries "
                        f"({self._failure(failed)}); raise max_retries or try again later"
                    ) from None

        return send

    @property
    def timeout(self) -> int:
        return int(self.session.timeout)

    def backoff_max_tries(self) -> int:
        return self.session.retry.tries

    def backoff_wait_generator(self) -> t.Generator[float, None, None]:
        return self.session.retry.waits()

    def backoff_jitter(self, value: float) -> float:
        return self.session.retry.jitter(value)

    def validate_response(self, response: requests.Response) -> None:
        self.session.limiter.observe(response)
        status = response.status_code
        if status == HTTPStatus.UNAUTHORIZED:
            raise SessionRejectedError(response)
        if status == HTTPStatus.TOO_MANY_REQUESTS:
            raise RateLimitedError(response)
        if status >= 500:
            raise RetriableAPIError(self.response_error_message(response), response)
        if status == HTTPStatus.UNPROCESSABLE_ENTITY and (
            api_error_fields(response).get("code") == RESULT_SET_TOO_LARGE
        ):
            raise ResultSetTooLargeError(self.response_error_message(response))
        if status in (HTTPStatus.FORBIDDEN, HTTPStatus.NOT_FOUND):
            raise StreamUnavailableError(
                f"{describe_api_error(response, self.session.secrets)}: company_id "
                f"{self._company_id} may not read this (a module the company lacks, or an "
                f"entitlement the employee token lacks); deselect the stream {self.name} "
                "or grant access"
            )
        if status >= 400:
            raise FatalAPIError(self.response_error_message(response))
        try:
            page_values(response)
        except msgspec.DecodeError:
            # A cut-off or non-JSON body: the page is requested again, never skipped.
            raise RetriableAPIError(
                f"{self.name}: unparsable response body (HTTP {status}, "
                f"{response.headers.get('Content-Type') or 'no content type'})",
                response,
            ) from None

    def response_error_message(self, response: requests.Response) -> str:
        return f"{self.name}: {describe_api_error(response, self.session.secrets)}"

    def _failure(self, exc: BaseException) -> str:
        if isinstance(exc, RetriableAPIError):
            return str(exc).removeprefix(f"{self.name}: ")
        return describe_exception(exc, self.session.secrets)

    def backoff_handler(self, details: t.Any) -> None:
        self.logger.warning(
            "%s: retrying in %.1fs after try %d (%s)",
            self.name,
            details.get("wait") or 0,
            details.get("tries") or 0,
            self._failure(details.get("exception")),
        )
