"""Serve recorded Tripletex exchanges back over HTTP, for tests of real pages."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from socketserver import BaseRequestHandler
from urllib.parse import parse_qs, unquote, urlsplit

SESSION = {"value": {"token": "replay-session-token", "expirationDate": "2099-01-01"}}
WHOAMI = {"value": {"companyId": 4242, "employeeId": 1}}


@contextmanager
def replay(exchanges: list[dict], seen: list[dict]) -> Iterator[str]:
    """Answer GETs whose path and `from`/`count` match a recorded exchange."""
    pages = {
        (e["path"], e["params"].get("from"), e["params"].get("count")): e
        for e in exchanges
        if e["method"] == "GET"
    }

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def _send(self, status: int, body: dict, headers: dict | None = None) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for key, value in (headers or {}).items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(data)

        def do_PUT(self) -> None:
            self._send(200, SESSION)

        def do_GET(self) -> None:
            url = urlsplit(self.path)
            params = {k: v[0] for k, v in parse_qs(url.query).items()}
            seen.append({"path": url.path, "params": params})
            if unquote(url.path).endswith(">whoAmI"):
                self._send(200, WHOAMI)
                return
            page = pages.get((url.path, params.get("from"), params.get("count")))
            if page is None:
                self._send(404, {"status": 404, "code": 6000, "message": "not recorded"})
                return
            self._send(page["status"], page["body"], page["headers"])

    with serve(Handler) as url:
        yield url


@contextmanager
def serve(handler: type[BaseRequestHandler]) -> Iterator[str]:
    """`handler` on a free local port, in a thread: the base URL, `.../v2`."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/v2"
    finally:
        server.shutdown()
        server.server_close()


def load(shared_dir: Path, name: str) -> list[dict]:
    return json.loads((shared_dir / "recorded" / f"{name}.json").read_text())
