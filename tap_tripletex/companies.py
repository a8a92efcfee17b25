"""Which companies a run reads, and which of them failed.

One session token serves every company; the HTTP Basic username picks the company.
An accountant's token lists its client companies at `/company/>withLoginAccess`,
one of the two calls allowed with username 0.
"""

from __future__ import annotations

import logging
import typing as t

import requests

from tap_tripletex.answers import describe_api_error
from tap_tripletex.errors import CompanyAccessError, ConfigError

if t.TYPE_CHECKING:
    from tap_tripletex.auth import TripletexSession

LIST_PAGE = 1000
logger = logging.getLogger("tap-tripletex")
# Runs of this process that skipped companies.
_FAILED_RUNS: list[Companies] = []


def failed_companies() -> tuple[str, bool] | None:
    """(what this process's runs could not read, whether that fails the process)."""
    if not _FAILED_RUNS:
        return None
    summary = "; ".join(run.failure_summary() for run in _FAILED_RUNS)
    # allow_company_failures lets some companies fail, never all: that run read nothing.
    fatal = any(not run.allow_failures or run.none_completed for run in _FAILED_RUNS)
    return summary, fatal


class Companies:
    """The companies of one run, resolved once, and the failures met while reading."""

    def __init__(self, session: TripletexSession, config: t.Mapping[str, t.Any]) -> None:
        self._session = session
        self._config = config
        self._ids: list[int] | None = None
        self.names: dict[int, str] = {}
        self.failures: dict[int, str] = {}

    @property
    def several(self) -> bool:
        """Reading several companies: one failing company must not stop the others."""
        return bool(self._config.get("company_ids") or self._config.get("all_client_companies"))

    def ids(self) -> list[int]:
        if self._ids is None:
            if self._config.get("all_client_companies"):
                self._ids = self._client_companies()
            elif self._config.get("company_ids"):
                self._ids = list(dict.fromkeys(int(c) for c in self._config["company_ids"]))
            else:
                self._ids = [int(self._config.get("company_id") or 0) or self._whoami()]
        return self._ids

    def fail(self, error: CompanyAccessError) -> None:
        if error.company_id in self.failures:
            return
        self.failures[error.company_id] = error.detail
        logger.error("Skipping company %s: %s", self.label(error.company_id), error.detail)
        if self not in _FAILED_RUNS:
            _FAILED_RUNS.append(self)

    @property
    def allow_failures(self) -> bool:
        return bool(self._config.get("allow_company_failures"))

    @property
    def none_completed(self) -> bool:
        return len(self.failures) >= len(self.ids())

    def label(self, company_id: int) -> str:
        name = self.names.get(company_id)
        return f"{company_id} ({name})" if name else str(company_id)

    def failure_summary(self) -> str:
        listed = "; ".join(f"{self.label(c)}: {d}" for c, d in self.failures.items())
        total = len(self.ids())
        done = total - len(self.failures)
        return f"{len(self.failures)} of {total} companies failed ({listed}); {done} completed"

    def _get(self, path: str, params: dict[str, t.Any] | None = None) -> requests.Response:
        """A call as username 0, paced and retried like stream requests."""
        response = self._session.call(path, company_id=0, params=params)
        if response.status_code != 200:
            raise ConfigError(
                f"Tripletex refused {path} for company_id 0 "
                f"({describe_api_error(response, self._session.secrets)}); check employee_token"
            )
        return response

    def _whoami(self) -> int:
        return int(self._get("/token/session/>whoAmI").json()["value"]["companyId"])

    def _client_companies(self) -> list[int]:
        start = 0
        while True:
            params = {"from": start, "count": LIST_PAGE, "fields": "id,name", "sorting": "id"}
            values = self._get("/company/>withLoginAccess", params).json().get("values") or []
            self.names.update({int(c["id"]): str(c.get("name") or "") for c in values})
            if len(values) < LIST_PAGE:  # fullResultSize is inexact: count the page
                break
            start += LIST_PAGE
        if not self.names:
            raise ConfigError(
                "all_client_companies is set but /company/>withLoginAccess lists no "
                "client company for this employee token"
            )
        return list(self.names)
