"""Bad config and bad input: exit 1, one line naming the setting, no token anywhere.

Every case runs the real executable with tokens that look like nothing else, then
searches everything it wrote (stdout and stderr) for them, URL-encoded forms too.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import tempfile
import typing as t
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from http.server import SimpleHTTPRequestHandler
from pathlib import Path
from socketserver import BaseRequestHandler
from urllib.parse import quote, quote_plus

import pytest
from tripletex_simulator import Reply, Simulator

from tap_tripletex.errors import exit_with_error
from tap_tripletex.redaction import redact, register_secrets
from tap_tripletex.timeutil import oslo_today
from tests.replay import serve
from tests.singer_run import EXECUTABLE, discover, select

CONSUMER = "cons+umer/Secret=Token-31337"
EMPLOYEE = "empl oyee&Secret-Token-27182"
TOKENS = {"consumer_token": CONSUMER, "employee_token": EMPLOYEE}
ERROR = "tap-tripletex: error:"


@dataclass
class Run:
    returncode: int
    stdout: str
    stderr: str

    @property
    def error_lines(self) -> list[str]:
        return [line for line in self.stderr.splitlines() if line.startswith(ERROR)]


def run(
    config: dict,
    *,
    env: dict[str, str] | None = None,
    catalog: dict | None = None,
    args: t.Sequence[str] = (),
) -> Run:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "config.json"
        path.write_text(json.dumps(config))
        args = [*args, "--config", str(path)]
        if catalog is not None:
            (Path(tmp) / "catalog.json").write_text(json.dumps(catalog))
            args += ["--catalog", str(Path(tmp) / "catalog.json")]
        environ = {
            k: v
            for k, v in os.environ.items()
            if not k.endswith("LOGLEVEL") and not k.startswith(("TAP_TRIPLETEX_", "MELTANO_"))
        }
        done = subprocess.run(
            [EXECUTABLE, *args],
            capture_output=True,
            text=True,
            env={**environ, **(env or {})},
            timeout=120,
            check=False,
        )
    return Run(done.returncode, done.stdout, done.stderr)


@pytest.fixture(scope="module")
def sim() -> Iterator[Simulator]:
    simulator = Simulator(seed=4, size=300, **TOKENS)  # type: ignore[arg-type]
    with simulator.serve() as url:
        simulator.url = url  # type: ignore[attr-defined]
        yield simulator


def secrets_of(sim: Simulator) -> list[str]:
    tokens = [CONSUMER, EMPLOYEE, *sim.sessions.issued]
    return sorted({form for s in tokens for form in (s, quote(s, safe=""), quote_plus(s))})


def assert_one_clear_line(result: Run, setting: str, sim: Simulator) -> str:
    assert result.returncode == 1, result.stderr[-3000:]
    (line,) = result.error_lines
    assert setting in line
    assert "Traceback" not in result.stderr
    assert "| ERROR" not in result.stderr  # no other error lines besides the one
    everything = result.stdout + result.stderr
    for secret in secrets_of(sim):
        assert secret not in everything
    return line


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def base(sim: Simulator) -> dict:
    return {**TOKENS, "api_url": sim.url, "start_date": "2024-01-01"}  # type: ignore[attr-defined]


def without(config: dict, name: str) -> dict:
    return {k: v for k, v in config.items() if k != name}


CASES: dict[str, tuple[str, t.Callable[[dict], dict]]] = {
    "missing consumer_token": ("consumer_token", lambda c: without(c, "consumer_token")),
    "missing employee_token": ("employee_token", lambda c: without(c, "employee_token")),
    "empty consumer_token": ("consumer_token", lambda c: {**c, "consumer_token": ""}),
    "blank employee_token": ("employee_token", lambda c: {**c, "employee_token": "   "}),
    "consumer_token rejected (422 code 18000)": (
        "consumer_token",
        lambda c: {**c, "consumer_token": "not-the-consumer-token"},
    ),
    "employee_token rejected (422 code 18000)": (
        "employee_token",
        lambda c: {**c, "employee_token": "not-the-employee-token"},
    ),
    "wrong company_id (401 code 3000)": ("company_id", lambda c: {**c, "company_id": 999}),
    "start_date unparsable": ("start_date", lambda c: {**c, "start_date": "first of May"}),
    "start_date in the future": (
        "start_date",
        lambda c: {**c, "start_date": (oslo_today() + timedelta(days=3)).isoformat()},
    ),
    "page_size 0": ("page_size", lambda c: {**c, "page_size": 0}),
    "page_size above 10000": ("page_size", lambda c: {**c, "page_size": 10001}),
    "page_size not a number": ("page_size", lambda c: {**c, "page_size": "lots"}),
    "api_url connection refused": (
        "api_url",
        lambda c: {**c, "api_url": f"http://127.0.0.1:{free_port()}/v2"},
    ),
    "api_url DNS failure": ("api_url", lambda c: {**c, "api_url": "http://tripletex.invalid/v2"}),
    "api_url not a URL": ("api_url", lambda c: {**c, "api_url": "tripletex.no/v2"}),
    # Issue 16, case 2: a misspelt setting is not ignored.
    "unknown setting page_sise": ("page_sise", lambda c: {**c, "page_sise": 10}),
    "unknown setting companyId": ("companyId", lambda c: {**c, "companyId": 5}),
    # Case 4: tokens too short to redact safely.
    "one-letter tokens": (
        "consumer_token",
        lambda c: {**c, "consumer_token": "a", "employee_token": "b"},
    ),
    # Case 5: non-ASCII, rejected up front like whitespace.
    "non-ASCII employee_token": (
        "employee_token",
        lambda c: {**c, "employee_token": "empl\u00f8yee-Secret-Token-27182"},
    ),
}
# The line's key words for the cases of issue 16.
EXPECTED = {
    "unknown setting page_sise": "unknown setting page_sise in the config; did you mean page_size?",
    "unknown setting companyId": "unknown setting companyId in the config; did you mean "
    "company_id?",
    "one-letter tokens": "consumer_token is too short for a Tripletex token (1 of at least 8",
    "non-ASCII employee_token": "employee_token has non-ASCII characters",
}


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_bad_setting_is_one_line_naming_it(sim: Simulator, case: str) -> None:
    setting, spoil = CASES[case]
    config = spoil(base(sim))
    result = run(config)
    line = assert_one_clear_line(result, setting, sim)
    for name in ("consumer_token", "employee_token"):  # the tokens as spoilt, too
        if len(str(config.get(name) or "")) >= 8:
            assert str(config[name]) not in result.stdout + result.stderr
    assert not result.stdout  # nothing was synced, not even a SCHEMA message
    if "rejected" in case:
        assert "18000" in line
    if "company_id" in case:
        assert "401" in line and "3000" in line
    if case in EXPECTED:
        assert EXPECTED[case] in line
        assert "***" not in result.stderr  # nothing was redacted: no text garbled


def test_missing_token_hint_names_the_environment_only_when_it_is_read(sim: Simulator) -> None:
    """Issue 16, case 6: a direct `--config cfg.json` does not read TAP_TRIPLETEX_*."""
    direct = run(without(base(sim), "consumer_token"))
    line = assert_one_clear_line(direct, "consumer_token", sim)
    assert line == (
        f"{ERROR} consumer_token is missing; set it in the config file (the environment "
        "variable TAP_TRIPLETEX_CONSUMER_TOKEN is read only with --config ENV)"
    )
    with_env = run(without(base(sim), "consumer_token"), args=["--config", "ENV"])
    line = assert_one_clear_line(with_env, "consumer_token", sim)
    assert line.endswith(
        "set it in the config file or as the environment variable TAP_TRIPLETEX_CONSUMER_TOKEN"
    )
    meltano = run(without(base(sim), "consumer_token"), env={"MELTANO_PROJECT_ROOT": "/p"})
    line = assert_one_clear_line(meltano, "consumer_token", sim)
    assert "meltano config set tap-tripletex consumer_token" in line


@pytest.mark.parametrize(
    "reply",
    [
        Reply(404, b"<html><body>Not Found</body></html>", "text/html"),
        Reply(200, b"<!doctype html><title>Welcome to nginx!</title>", "text/html"),
    ],
    ids=["404 html", "200 html"],
)
def test_api_url_answering_something_else_than_tripletex(sim: Simulator, reply: Reply) -> None:
    sim.hook = lambda request: reply
    try:
        result = run(base(sim))
    finally:
        sim.hook = None
    line = assert_one_clear_line(result, "api_url", sim)
    assert "does not answer like the Tripletex API" in line and "text/html" in line


@pytest.fixture(scope="module")
def static_server() -> Iterator[str]:
    """`python3 -m http.server`: answers PUT with an HTML 501."""
    with serve(SimpleHTTPRequestHandler) as url:
        yield url


class SshBanner(BaseRequestHandler):
    """A server that does not speak HTTP (an SSH port)."""

    def handle(self) -> None:
        self.request.sendall(b"SSH-2.0-OpenSSH_9.6\r\n")


@pytest.fixture(scope="module")
def ssh_server() -> Iterator[str]:
    with serve(SshBanner) as url:
        yield url


def test_api_url_of_a_wrong_server_fails_at_once(
    sim: Simulator, static_server: str, ssh_server: str
) -> None:
    """Issue 16, case 1: a wrong server is not a passing failure; no retries."""
    expected = {
        static_server: "does not answer like the Tripletex API (session create gave HTTP 501, "
        "text/html",
        ssh_server: "could not be reached (ConnectionError: the server does not speak HTTP "
        "(it answered 'SSH-2.0-OpenSSH_9.6'))",
        sim.url.replace("http://", "https://"): "could not be reached (SSLError: [SSL: "  # type: ignore[attr-defined]
        "WRONG_VERSION_NUMBER] wrong version number; the server speaks plain HTTP: use http://)",
        sim.url.removesuffix("/v2"): "(session create gave HTTP 404, application/json"  # type: ignore[attr-defined]
        ";charset=UTF-8); Tripletex's API URL ends in /v2: check the setting",
    }
    for url, words in expected.items():
        result = run({**base(sim), "api_url": url})
        line = assert_one_clear_line(result, f"api_url {url} ", sim)
        assert words in line
        assert "retrying" not in result.stderr and "gave up" not in line
        assert "consumer_token" not in line and "employee_token" not in line


def test_debug_logging_shows_the_traceback_but_still_no_token(sim: Simulator) -> None:
    result = run({**base(sim), "employee_token": "wrong-employee"}, env={"LOGLEVEL": "debug"})
    assert result.returncode == 1
    assert "Traceback" in result.stderr
    assert "session/:create" in result.stderr  # urllib3's debug log of the URL, scrubbed
    for secret in [*secrets_of(sim), "wrong-employee"]:
        assert secret not in result.stdout + result.stderr
    assert result.error_lines[-1].startswith(f"{ERROR} employee_token was rejected")


def test_tokens_never_appear_in_a_debug_logged_sync(sim: Simulator) -> None:
    sim.fail("/currency", status=500, times=1)
    catalog = select(discover(base(sim)), ["currency", "customer", "invoice"])
    result = run(base(sim), env={"TAP_TRIPLETEX_LOGLEVEL": "debug"}, catalog=catalog)
    assert result.returncode == 0, result.stderr[-3000:]
    assert '"type":"RECORD"' in result.stdout.replace(" ", "")
    for secret in secrets_of(sim):
        assert secret not in result.stdout + result.stderr


# Input files (issue 16, cases 2 and 3) -------------------------------------------------
BROKEN = "{\n"
GARBAGE_INVOICE = {
    "bookmarks": {
        "currency": {"partitions": [{"context": {"company_id": 1}}]},
        "invoice": {
            "partitions": [
                {
                    "context": {"company_id": 1},
                    "replication_key": "invoiceDate",
                    "replication_key_value": "garbage",
                }
            ]
        },
    }
}
OTHER_TAP = {"bookmarks": {"public-users": {"replication_key": "id", "replication_key_value": 5}}}
FILE_CASES: dict[str, tuple[str, t.Any, str]] = {
    # case: (option, file content (text as is, else JSON), the line's key words)
    "malformed config": ("--config", BROKEN, "is not valid JSON (Expecting property name"),
    "malformed state": ("--state", BROKEN, "is not valid JSON (Expecting property name"),
    "malformed catalog": ("--catalog", BROKEN, "is not valid JSON (Expecting property name"),
    "state [1,2,3]": (
        "--state",
        [1, 2, 3],
        'must hold a JSON object with "bookmarks" (found a list)',
    ),
    "garbage invoice bookmark": (
        "--state",
        GARBAGE_INVOICE,
        'invoice: the bookmark "garbage" for company_id 1 is not a date (YYYY-MM-DD)',
    ),
    "state of another tap": (
        "--state",
        OTHER_TAP,
        "holds bookmarks of no tap-tripletex stream (found public-users)",
    ),
    "empty catalog": (
        "--catalog",
        {"streams": []},
        "selects no stream, so the run would read nothing",
    ),
    "catalog {}": ("--catalog", {}, "selects no stream"),
}


def run_with_file(sim: Simulator, option: str, content: t.Any, env: dict | None = None) -> Run:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"{option.strip('-')}.json"
        path.write_text(content if isinstance(content, str) else json.dumps(content))
        config = base(sim)
        args = [option, str(path)]
        if option != "--catalog":  # a catalog that does read something: currency, invoice
            catalog = select(discover(config), ["currency", "invoice"])
            (Path(tmp) / "catalog.json").write_text(json.dumps(catalog))
            args += ["--catalog", str(Path(tmp) / "catalog.json")]
        if option == "--config":
            return run({}, args=args, env=env)
        return run(config, args=args, env=env)


@pytest.mark.parametrize("case", FILE_CASES, ids=list(FILE_CASES))
def test_bad_input_file_is_one_line_naming_it(sim: Simulator, case: str) -> None:
    option, content, words = FILE_CASES[case]
    result = run_with_file(sim, option, content)
    line = assert_one_clear_line(result, f"{ERROR} {option} ", sim)
    assert words in line
    assert f"{option.strip('-')}.json" in line  # the file, by its path
    assert not result.stdout  # checked before any stream emitted anything


def test_catalog_selecting_an_unknown_stream_names_the_closest(sim: Simulator) -> None:
    catalog = select(discover(base(sim)), ["currency"])
    catalog["streams"].append(
        {
            "tap_stream_id": "invoices",
            "stream": "invoices",
            "schema": {"type": "object", "properties": {}},
            "metadata": [{"breadcrumb": [], "metadata": {"selected": True}}],
        }
    )
    result = run(base(sim), catalog=catalog)
    line = assert_one_clear_line(result, "--catalog", sim)
    assert "selects invoices, which is not a tap-tripletex stream; did you mean invoice?" in line
    assert not result.stdout


def test_state_with_keys_the_tap_does_not_check_is_accepted(sim: Simulator) -> None:
    """`last_full_read` (kept per company beside the bookmark) and the SDK's own keys."""
    state = {
        "bookmarks": {
            "invoice": {
                "partitions": [
                    {
                        "context": {"company_id": 1},
                        "replication_key": "invoiceDate",
                        "replication_key_value": "2024-06-30",
                        "last_full_read": "2026-11-01T00:00:00+00:00",
                    }
                ]
            },
            "customer": {
                "replication_key": "last_changed_at",
                "replication_key_value": "2026-11-01T03:00:00+00:00",
            },
        }
    }
    result = run_with_file(sim, "--state", state)
    assert result.returncode == 0, result.stderr[-3000:]
    assert '"type":"RECORD"' in result.stdout.replace(" ", "")
    assert not result.error_lines


@pytest.mark.parametrize("debug", [False, True])
def test_unexpected_error_hint_only_without_debug(
    debug: bool, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Case 3: with LOGLEVEL=debug the traceback is shown, so the line does not say how."""
    monkeypatch.delenv("TAP_TRIPLETEX_LOGLEVEL", raising=False)
    monkeypatch.setenv("LOGLEVEL", "debug" if debug else "info")
    try:
        raise ValueError("Invalid isoformat string: 'garbage'")
    except ValueError as error:
        with pytest.raises(SystemExit) as done:
            exit_with_error(error)
    assert done.value.code == 1
    err = capsys.readouterr().err
    line = err.splitlines()[-1]
    assert line.startswith(f"{ERROR} unexpected ValueError: Invalid isoformat string")
    assert ("LOGLEVEL=debug shows the traceback" in line) is not debug
    assert ("Traceback" in err) is debug


def test_redaction_never_alters_text_for_a_short_secret() -> None:
    """Case 4: a one-letter token is refused as a setting, never registered as a secret
    (which would turn every `a` in the log into ***)."""
    text = "bank_statement_transaction: consumer_token was rejected by Tripletex"
    register_secrets("a", "b")
    assert redact(text) == text
    register_secrets("long-enough-secret")
    assert redact(f"{text} long-enough-secret") == f"{text} ***"
