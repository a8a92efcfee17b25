"""tap-tripletex: the tap class (settings in settings.py, streams from resources.py) and
its command line."""

from __future__ import annotations

import contextlib
import json
import signal
import sys
import threading
import typing as t

import click
from singer_sdk import Tap
from singer_sdk.exceptions import ConfigValidationError
from singer_sdk.singerlib import Catalog
from singer_sdk.tap_base import CliTestOptionValue

from tap_tripletex.auth import TripletexSession
from tap_tripletex.client import TripletexStream
from tap_tripletex.companies import Companies, failed_companies
from tap_tripletex.configcheck import check_config, secret_names
from tap_tripletex.errors import ConfigError, Interrupted, exit_with_error
from tap_tripletex.inputcheck import check_inputs
from tap_tripletex.memory import tune_allocator
from tap_tripletex.output import TapWriter
from tap_tripletex.pages import PageSizes
from tap_tripletex.prefetch import Prefetcher, Read, RequestPool
from tap_tripletex.quietlog import quiet_logs
from tap_tripletex.readplan import ReadPlan
from tap_tripletex.redaction import redact, register_secrets
from tap_tripletex.settings import DEFAULTS, SETTINGS
from tap_tripletex.strategies import TAP_BOOKMARKS
from tap_tripletex.streams import build_streams


class TapTripletex(Tap):
    """Singer tap for the Tripletex API v2."""

    name = "tap-tripletex"
    message_writer_class = TapWriter

    config_jsonschema = SETTINGS

    def __init__(self, *args: t.Any, **kwargs: t.Any) -> None:
        self._session: TripletexSession | None = None
        self._companies: Companies | None = None
        self._checked = False
        config = kwargs.get("config")
        env = bool(kwargs.get("parse_env_config"))
        if isinstance(config, dict):
            register_secrets(*(config.get(name) for name in secret_names(self.config_jsonschema)))
        try:
            super().__init__(*args, **kwargs)
        except ConfigValidationError as invalid:
            # The SDK's messages echo values: report the setting, not the value.
            check_config(self.config, self.config_jsonschema, env=env)
            first = invalid.errors[0] if invalid.errors else str(invalid)
            raise ConfigError(redact(f"invalid config: {first}")) from None
        register_secrets(*(self.config.get(name) for name in secret_names(self.config_jsonschema)))
        if kwargs.get("validate_config", True):
            check_config(self.config, self.config_jsonschema, env=env)
        # Every stream's requests go through this pool. Its threads start on first use
        # and end when the tap is collected, or at exit. (Discovery does not check the
        # settings: a max_concurrency below 1 must not stop it.)
        workers = int(self.config.get("max_concurrency", DEFAULTS["max_concurrency"]))
        self.request_pool = RequestPool(workers)
        self.page_sizes = PageSizes()
        self.prefetch = Prefetcher(self.request_pool, held=workers, sizes=self.page_sizes)
        assert isinstance(self.message_writer, TapWriter)
        self.plan = ReadPlan(self, self.message_writer)
        # The SDK's handlers exit 0 on SIGTERM, and write STATE from inside the handler,
        # where it can cut into a message being written: a killed run is a failure.
        if threading.current_thread() is threading.main_thread():
            for signum in (signal.SIGINT, signal.SIGTERM):
                signal.signal(signum, self._interrupt)

    def _interrupt(self, signum: int, frame: t.Any) -> None:
        """Stop the run where it is (after the write under way, if any); main() ends its
        output with the last STATE."""
        self.prefetch.close()
        assert isinstance(self.message_writer, TapWriter)
        if self.message_writer.defer(signum):
            return
        raise Interrupted(signum, self.close_output)

    def close_output(self) -> None:
        """End the output with a STATE (some targets keep only a state that follows the
        last record), unless it already ends with one."""
        assert isinstance(self.message_writer, TapWriter)
        self.message_writer.end_with_state(self.state)

    def setup_mapper(self) -> None:
        """As the SDK's, but a deselected stream is mapped with its whole schema.

        The SDK registers a deselected stream with its schema emptied but its key kept,
        so any stream map reaching it (`"*"`, as the SQL Server config uses) fails the
        run on a key "not detected in schema". Such a stream emits nothing unless it is
        selected later (`--test`), and then with every property.
        """
        # Removable from singer-sdk 0.55.0 on (meltano/sdk#3046, fixing #1942; 0.54.x lacks it).
        super(Tap, self).setup_mapper()
        selected = Catalog()
        for name, entry in self.catalog.items():
            if entry.metadata.resolve_selection()[()]:
                selected[name] = entry
            else:
                schema, keys = entry.schema.to_dict(), entry.key_properties
                self.mapper.register_raw_stream_schema(name, schema, keys)
        self.mapper.register_raw_streams_from_catalog(selected)

    def discover_streams(self) -> list[TripletexStream]:
        streams = build_streams(self)
        quiet_logs(self.logger, streams)
        return streams

    @property
    def session(self) -> TripletexSession:
        """The one Tripletex session shared by every stream (minted on first use)."""
        if self._session is None:
            self._session = TripletexSession.from_config(self.config)
        return self._session

    @classmethod
    def invoke(  # type: ignore[override]
        cls,
        *,
        about: bool = False,
        about_format: str | None = None,
        config: t.Any = None,
        state: t.IO[str] | None = None,
        catalog: t.IO[str] | None = None,
    ) -> None:
        """The command line's sync, as the SDK's but for the run begun (`begin_run`)
        before `sync_all`, so that a setting at fault is reported before any output."""
        super(Tap, cls).invoke(about=about, about_format=about_format)  # --about ends here
        cls.print_version(print_fn=cls.logger.info)
        tap = cls._from_cli(
            config,
            state=None if state is None else json.load(state),
            catalog=None if catalog is None else json.load(catalog),
        )
        tap.begin_run()
        try:
            tap.sync_all()
        finally:
            tap.end_run()

    @classmethod
    def cb_test(cls, ctx: click.Context, param: click.Option, value: str) -> None:
        """`--test`: as the SDK's, but the connection test (which reads every stream)
        begins its run first, as a sync does."""
        if value == CliTestOptionValue.Disabled.value:
            return
        if value == CliTestOptionValue.Schema.value:
            super().cb_test(ctx, param, value)
            return
        tap = cls._from_cli(ctx.params.get("config"))
        for stream in tap.streams.values():
            stream.selected = True  # as run_connection_test does, before it is planned
        tap.begin_run()
        try:
            tap.run_connection_test()
        finally:
            tap.end_run()
        ctx.exit()

    @classmethod
    def _from_cli(cls, config: t.Any, **kwargs: t.Any) -> TapTripletex:
        """The tap of a command line's `--config` (files or `ENV`), checked."""
        return cls(
            config=config.config if config else {},
            parse_env_config=bool(config and config.parse_env),
            validate_config=True,
            **kwargs,
        )

    def begin_run(self) -> None:
        """The run's beginning, before any stream output: check the tokens, api_url and
        company access (so a setting at fault is reported alone), resolve the companies
        and plan which streams are read whole. A stream's bookmarks are its strategy's
        alone: the SDK advances none from records (`strategies.TAP_BOOKMARKS`).

        The command line calls this before the SDK's `sync_all` (`invoke`, `cb_test`);
        a run driven through the SDK's final `sync_all` or `run_sync_dry_run` directly
        begins at its first stream's first read (`run_companies`, `get_records`). Only
        the first call does the work.
        """
        if self._checked:
            return
        self._checked = True
        self.session.token()
        ids = self.company_ids()
        if not self.companies.several and self.config.get("company_id"):
            self.session.check_company(ids[0])
        self.plan.begin(self.companies, self.state)
        streams = [s for s in self.streams.values() if isinstance(s, TripletexStream)]
        if streams and (batch_config := streams[0].batch_settings):
            assert isinstance(self.message_writer, TapWriter)
            self.message_writer.batch(self.name, batch_config)
        for stream in self.streams.values():
            if stream.replication_key:
                stream.forced_replication_method = TAP_BOOKMARKS
        self.prefetch.plan(
            Read(stream.name, {"company_id": company_id}, stream.first_page_fetch)
            for stream in self.streams.values()
            if isinstance(stream, TripletexStream)
            and stream.parent_stream_type is None
            and (stream.selected or stream.has_selected_descendents)
            for company_id in ids
        )

    def end_run(self) -> None:
        """Nothing of the run is left in flight (a first page requested ahead for a read
        that a failure cut short), so the run's last words are its own."""
        self.prefetch.close()
        self.request_pool.shutdown(wait=True)

    def run_companies(self) -> tuple[int, ...]:
        """The companies of the run, resolved when it began."""
        self.begin_run()
        return self.plan.companies

    @property
    def companies(self) -> Companies:
        """The companies this run reads (resolved on first use) and their failures."""
        if self._companies is None:
            self._companies = Companies(self.session, self.config)
        return self._companies

    def company_ids(self) -> list[int]:
        return self.companies.ids()


def main() -> None:
    """Run the tap; a problem the user must fix is one line on stderr, exit 1.

    Companies refused during a multi-company run were skipped so the others could
    complete; the run still fails at the end, naming them.
    """
    tune_allocator()
    try:
        check_inputs(sys.argv[1:])
        TapTripletex.cli()
    except Interrupted as signalled:
        with contextlib.suppress(Exception):  # the target may be gone
            signalled.close_output()
        print(f"tap-tripletex: error: {signalled}", file=sys.stderr)
        sys.exit(128 + signalled.signum)
    except Exception as exc:  # one line; a traceback only when debugging
        exit_with_error(exc)
    except SystemExit as done:
        failed = failed_companies()
        if done.code in (None, 0) and failed:
            summary, fatal = failed
            if fatal:
                print(f"tap-tripletex: error: {summary}", file=sys.stderr)
                sys.exit(1)
            print(f"tap-tripletex: warning: {summary} (allow_company_failures)", file=sys.stderr)
        raise
