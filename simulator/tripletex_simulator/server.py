"""HTTP plumbing: a threaded stdlib server that hands each request to `routes.dispatch`."""

from __future__ import annotations

import contextlib
import socket
import struct
import sys
import threading
import time
import traceback
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, unquote, urlsplit

from tripletex_simulator import routes
from tripletex_simulator.errors import UNKNOWN, ApiError, Reply

if TYPE_CHECKING:
    from tripletex_simulator.core import Simulator
    from tripletex_simulator.faults import Fault


class Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 1024
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], sim: Simulator) -> None:
        self.sim = sim
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()
        super().__init__(address, Handler)

    def handle_error(self, request: object, client_address: object) -> None:
        """Clients hanging up (or `stop()` cutting kept-alive connections) is not news."""
        if not isinstance(sys.exc_info()[1], OSError):
            super().handle_error(request, client_address)  # type: ignore[arg-type]

    def track(self, conn: socket.socket, is_open: bool) -> None:
        with self._open_lock:
            if is_open:
                self._open.add(conn)
            else:
                self._open.discard(conn)

    def close_connections(self) -> None:
        """End kept-alive connections so no handler thread outlives the server."""
        with self._open_lock:
            for conn in self._open:
                with contextlib.suppress(OSError):
                    conn.shutdown(socket.SHUT_RDWR)
            self._open.clear()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "TripletexSimulator/1.0"
    sys_version = ""
    timeout = 120
    server: Server

    def setup(self) -> None:
        super().setup()
        # Headers and body go out in separate writes: without this, Nagle's algorithm
        # and the client's delayed ACK hold each response back ~40 ms.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.server.track(self.connection, True)

    def finish(self) -> None:
        self.server.track(self.connection, False)
        super().finish()

    def version_string(self) -> str:
        return self.server_version

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        self.respond("GET")

    def do_PUT(self) -> None:
        self.respond("PUT")

    def do_POST(self) -> None:
        self.respond("POST")

    def do_DELETE(self) -> None:
        self.respond("DELETE")

    def respond(self, method: str) -> None:
        sim = self.server.sim
        split = urlsplit(self.path)
        path = unquote(split.path)
        params = {k: v[-1] for k, v in parse_qs(split.query, keep_blank_values=True).items()}
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        headers = {k.lower(): v for k, v in self.headers.items()}
        request = routes.Request(method, path, params, headers, str(uuid.uuid4()))
        sim.log_request(method, path, params)
        try:
            self.answer_request(sim, method, request)
        finally:
            sim.answered()

    def answer_request(self, sim: Simulator, method: str, request: routes.Request) -> None:
        allowed, limit_headers = sim.limiter.hit()
        if sim.latency:
            time.sleep(sim.latency)
        reply, fault = self.reply(sim, request, allowed)
        if reply is None:  # a "reset" fault: no answer at all
            self.drop()
            return
        headers = {**limit_headers, **reply.headers}
        size = headers.pop("Content-Length", "") or str(len(reply.body))
        self.send_response(reply.status)
        self.send_header("Content-Type", reply.content_type)
        self.send_header("Content-Length", size)
        self.send_header("x-tlx-request-id", request.request_id)
        for name, text in headers.items():
            if text:  # a fault blanks a header to leave it out
                self.send_header(name, text)
        self.end_headers()
        if method != "HEAD":
            self.wfile.write(reply.body)
        if fault is not None and fault.kind == "cut":
            self.close_connection = True  # the rest of the announced body never comes

    def drop(self) -> None:
        """Close the connection with a TCP reset instead of answering."""
        self.close_connection = True
        with contextlib.suppress(OSError):
            linger = struct.pack("ii", 1, 0)
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, linger)

    @classmethod
    def reply(
        cls, sim: Simulator, request: routes.Request, allowed: bool
    ) -> tuple[Reply | None, Fault | None]:
        """(the reply, None for a dropped connection; the fault that shaped it, if any)."""
        try:
            hooked = sim.hook(request) if sim.hook is not None else None
        except ApiError as exc:
            return exc.reply(request.request_id), None
        if hooked is not None:
            return hooked, None
        fault = sim.faults.take(request.method, request.path[3:])
        if fault is None:
            return cls.answer(sim, request, allowed), None
        answer = lambda: cls.answer(sim, request, allowed)  # noqa: E731
        return fault.reply(answer, request.request_id, sim.sessions.revoke), fault

    @staticmethod
    def answer(sim: Simulator, request: routes.Request, allowed: bool) -> Reply:
        try:
            if not allowed:
                raise ApiError(429, UNKNOWN, "For mange forespørsler.", "Rate limit exceeded.")
            return routes.dispatch(sim, request)
        except ApiError as exc:
            return exc.reply(request.request_id)
        except Exception:
            traceback.print_exc(file=sys.stderr)
            error = ApiError(500, UNKNOWN, "En intern feil oppstod.", "Simulator error.")
            return error.reply(request.request_id)
