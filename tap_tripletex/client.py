"""The one base stream: request shaping, reading a company and replication (its calls
go through the run's request path, requestpath.py, pages read ahead by readahead.py)."""

from __future__ import annotations

import typing as t
from functools import cached_property
from importlib import resources as importlib_resources

import requests
from singer_sdk import RESTStream, SchemaDirectory, StreamSchema, metrics
from singer_sdk.helpers.conform import TypeConformanceLevel
from singer_sdk.streams.rest import PageContext

from tap_tripletex import fieldsparam
from tap_tripletex.answers import judge_page
from tap_tripletex.auth import company_of
from tap_tripletex.errors import CompanyAccessError, StreamUnavailableError
from tap_tripletex.pages import decoder, page_values
from tap_tripletex.readahead import ReadAhead

if t.TYPE_CHECKING:
    import threading
    from collections.abc import Iterable, Iterator
    from concurrent.futures import Future

    from singer_sdk.helpers.types import Context

    from tap_tripletex.auth import TripletexSession
    from tap_tripletex.prefetch import Fetch
    from tap_tripletex.resources import Resource
    from tap_tripletex.tap import TapTripletex

SCHEMAS = SchemaDirectory(importlib_resources.files("tap_tripletex") / "schemas")


class TripletexStream(RESTStream[int]):
    """A Tripletex stream, configured by one `Resource` table entry and read by its
    replication strategy (`tap_tripletex.strategies`)."""

    schema = StreamSchema(SCHEMAS)
    # Tripletex's JSON already has the schema's types (tests validate every record);
    # the SDK's recursive conformance pass was 60% of the per-record CPU.
    TYPE_CONFORMANCE_LEVEL = TypeConformanceLevel.NONE

    def __init__(self, tap: TapTripletex, resource: Resource) -> None:
        self.resource = resource
        self.selected_by_default = resource.selected_by_default
        self._tap_ref = tap
        super().__init__(tap=tap, name=resource.name, path=resource.path)
        self.primary_keys = resource.primary_keys
        self._unavailable: set[int] = set()  # companies where the stream got 403/404
        self.replication_key = resource.replication.replication_key
        self.change_floor: str | None = None  # records changed before it are dropped

    @property
    def url_base(self) -> str:
        return str(self.config["api_url"]).rstrip("/")

    @property
    def session(self) -> TripletexSession:
        return self._tap_ref.session

    @property
    def partitions(self) -> list[dict[str, t.Any]]:
        """One partition per company of the run, so state and records stay apart per
        company: the companies the run resolved when it began (`Tap.run_companies`)."""
        return [{"company_id": cid} for cid in self._tap_ref.run_companies()]

    # Request shaping

    @cached_property
    def fields_param(self) -> str:
        """`fields`: `*` when every property is selected, else the selected properties,
        each relation as its `{id, url}` stub (see fieldsparam); only `id` when the
        stream is read just for its children. `expanded_properties` come whole.

        The strategy's own `fields` come too (`changes`, only returned when asked for).
        """
        expanded, replication = self.expanded_properties, self.resource.replication
        derived = {"company_id", *replication.added, self.ref_key}
        props = {k: v for k, v in self.schema["properties"].items() if k not in derived}
        selected = {k: v for k, v in props.items() if self.mask.get(("properties", k), True)}
        if not self.selected:
            own = "id"
        elif len(selected) == len(props):
            own = ",".join(["*", *replication.fields])
        else:
            for name in replication.fields:
                selected.setdefault(name, props[name])
            own = fieldsparam.explicit({k: v for k, v in selected.items() if k not in expanded})
        return ",".join([own, *(f"{prop}(*)" for prop in expanded)])

    @property
    def expanded_properties(self) -> list[str]:
        """Properties asked for whole (`lines(*)`): the lines of inline children."""
        return []

    @property
    def ref_key(self) -> str | None:
        """`<relation>_id`, the id of `Resource.id_of` on records without an id."""
        return f"{self.resource.id_of}_id" if self.resource.id_of else None

    def get_url_params(self, context: Context | None, next_page_token: int | None) -> dict:
        params: dict[str, t.Any] = {
            "from": next_page_token or 0,
            "count": self.config["page_size"],
            "sorting": "id",
            "fields": self.fields_param,
        }
        params.update(self.resource.replication.url_params(context or {}))
        return params

    # Requests: every page through the run's request path, judged here

    def read_ahead(self) -> ReadAhead:
        """The requests of one read of one company, within `max_concurrency`."""
        return ReadAhead(
            self._tap_ref.request_pool,
            self._fetch_page,
            budget=int(self.config["max_concurrency"]),
            page_size=int(self.config["page_size"]),
            sizes=self._tap_ref.page_sizes,
            stream=self.name,
            claim=lambda context: self._tap_ref.prefetch.claim(self.name, context),
        )

    @property
    def first_page_fetch(self) -> Fetch | None:
        """How a read's first page is fetched before the read begins (prefetch.py), when
        the strategy knows it ahead."""
        return self._fetch_page if self.resource.replication.first_page_known else None

    def request_records(self, context: Context | None) -> Iterable[dict[str, t.Any]]:
        """The SDK's hook for one walk through the list: its pages read ahead."""
        with self.read_ahead() as reader:
            yield from self.walk_records(reader, dict(context or {}))

    def walk_records(
        self, reader: ReadAhead, context: dict, head: Future[requests.Response] | None = None
    ) -> Iterator[dict[str, t.Any]]:
        """Every record of one walk, in order, counted in the SDK's request metrics."""
        with self.get_http_request_counter() as counter:
            counter.with_context(context)
            for response in reader.walk(context, head):
                counter.increment()
                self.update_sync_costs(response.request, response, context)
                yield from self.page_records(response, context)

    def page_records(self, response: requests.Response, context: dict) -> Iterable[dict]:
        """The records of one page of a walk (`context`: the walk's)."""
        return self.parse_response(response)

    def parse_response(self, response: requests.Response) -> Iterable[dict[str, t.Any]]:
        return map(decoder.decode, page_values(response))

    def validate_response(self, response: requests.Response) -> None:
        # The company the page was asked for, not the read under way: a page requested
        # ahead (prefetch.py) is judged on a worker while another company is read.
        judge_page(response, stream=self.name, company_id=company_of(response.request))

    def _fetch_page(
        self, context: dict, from_: int | None, stop: threading.Event
    ) -> requests.Response:
        """One page, from the pool: built by the SDK's `get_http_request`, sent on the
        request path as the context's company, judged by `validate_response`."""
        page = PageContext(stream_context=context, next_page_token=from_)
        http = self.get_http_request(page=page)
        path = self.session.path
        headers = {"User-Agent": self.user_agent, **http.headers}
        request = path.prepare(http.method, http.url, params=http.encode_params(), headers=headers)
        response = path.send(
            request,
            what=self.name,
            signer=self.session,
            company_id=int(context["company_id"]),
            cancelled=stop,
            on_answer=lambda answer: self._log_duration(answer, context),
        )
        self.validate_response(response)
        self._tap_ref.prefetch.answered(self.name, int(context["company_id"]))
        return response

    def _log_duration(self, response: requests.Response, context: dict) -> None:
        """The SDK's `http_request_duration` metric, for every answer."""
        status = response.status_code
        point = metrics.Point(
            "timer",
            metric=metrics.Metric.HTTP_REQUEST_DURATION,
            value=response.elapsed.total_seconds(),
            tags={
                metrics.Tag.STREAM: self.name,
                metrics.Tag.CONTEXT: context,
                metrics.Tag.ENDPOINT: self.path,
                metrics.Tag.HTTP_STATUS_CODE: status,
                metrics.Tag.STATUS: metrics.Status.SUCCEEDED
                if status < 400
                else metrics.Status.FAILED,
            },
        )
        metrics.log(self.metrics_logger, point)

    # Reading and replication

    @property
    def emit_activate_version_messages(self) -> bool:
        """Never from the SDK, which sends ACTIVATE_VERSION before the first record: the
        run's ReadPlan sends it after a whole read completed (readplan.py)."""
        return False

    def get_batch_config(self, config: t.Mapping) -> None:
        """None: the SDK writes RECORDs; the tap's writer batches them (batches.py)."""
        return None

    @property
    def batch_settings(self) -> t.Any:
        return super().get_batch_config(self.config)  # the SDK's BatchConfig, or None

    def get_records(self, context: Context | None) -> Iterable[dict[str, t.Any]]:
        """One company's records; once a top-level stream (and its children) emitted
        them, the records kept for batch files are written."""
        try:
            yield from self.company_records(context)
        finally:
            if self.parent_stream_type is None:
                self._tap_ref.message_writer.end_of_company()  # type: ignore[attr-defined]

    def company_records(self, context: Context | None) -> Iterable[dict[str, t.Any]]:
        """One company's records, read by the stream's strategy. A company refused
        (several companies) or a stream it may not read is skipped; a company read to
        the end is reported to the plan.

        A run begins (`Tap.begin_run`) before the SDK syncs: the command line begins it
        itself; for the SDK's own runners (`sync_all`, `run_sync_dry_run`, called
        directly by tests) the first stream to read begins it here.
        """
        self._tap_ref.begin_run()
        context = dict(context or {})
        company_id = int(context["company_id"])
        self._tap_ref.prefetch.started(self.name, context)
        companies, plan = self._tap_ref.companies, self._tap_ref.plan
        if company_id in self._unavailable:
            return  # already reported, at its first parent record
        if company_id in companies.failures:
            plan.skipped(self, company_id)
            return
        try:
            yield from self.resource.replication.read(self, context)
        except CompanyAccessError as error:
            plan.skipped(self, company_id)
            if not companies.several:
                raise
            companies.fail(error)
            return
        except StreamUnavailableError as error:
            plan.skipped(self, company_id, unavailable=True)
            self._unavailable.add(company_id)
            self.logger.warning("%s: skipped for company_id %d: %s", self.name, company_id, error)
            return
        except Exception:  # the run fails here: its output still ends with its last STATE
            self._tap_ref.prefetch.close()  # nothing sent ahead holds up the exit
            self._tap_ref.close_output()
            raise
        if self.parent_stream_type is None:  # a child's read ends with its parent's
            plan.partition_done(self, company_id)

    def post_process(
        self, row: dict[str, t.Any], context: Context | None = None
    ) -> dict[str, t.Any] | None:
        """What the strategy adds (or drops: None), then the fields the tap adds to every
        record: `company_id`, `<id_of>_id`, and `{}` for null objects when flattening."""
        context = context or {}
        record = self.resource.replication.post_process(self, row, context)
        if record is None:
            return None
        record["company_id"] = context["company_id"]
        if self.ref_key:
            record[self.ref_key] = (record.get(str(self.resource.id_of)) or {}).get("id")
        return empty_nulls(record, self.flattened_objects)

    @cached_property
    def flattened_objects(self) -> list[str]:
        """Object properties a null would break when the SDK flattens records.

        The SDK flattens `"customer": null` to a `customer` key the flattened schema
        lacks (it has `customer__id`, `customer__url`), which stops target-mssql; `{}`
        flattens to those columns, null.
        """
        if not self.config.get("flattening_enabled") or not self.config.get(
            "flattening_max_depth", 0
        ):
            return []
        return [
            name
            for name, prop in self.schema["properties"].items()
            if "object" in prop.get("type", ()) and prop.get("properties")
        ]

    def finalize_state_progress_markers(self, state: dict | None = None) -> None:
        """As the SDK's, and the stream's output ends with a STATE, even when the SDK
        left out one equal to the one before (so the run's output ends with one)."""
        super().finalize_state_progress_markers(state)
        if self.parent_stream_type is None:
            self._tap_ref.close_output()


def empty_nulls(record: dict[str, t.Any], properties: list[str]) -> dict[str, t.Any]:
    """`record` with these null object properties as `{}` (see `flattened_objects`)."""
    for prop in properties:
        if record.get(prop) is None:
            record[prop] = {}
    return record
