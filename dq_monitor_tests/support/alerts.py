"""Local stand-ins for Slack and an SMTP server, for tests, benchmarks and demos.

`SlackStandIn` is a real HTTP server on 127.0.0.1 answering like Slack's incoming
webhooks (any path) and Web API (`.../chat.postMessage`), recording every request;
a script of faults (HTTP 500, 429 with Retry-After, a hang longer than the
client's timeout, a message taken but answered too late) can be queued. `SmtpStandIn` is a real SMTP server (aiosmtpd,
a test dependency imported lazily) that can be stopped and restarted on the same
port to play an outage. Nothing here imports dagster.
"""

from __future__ import annotations

import email
import email.policy
import json
import socket
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email.message import EmailMessage
from email.parser import BytesHeaderParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

if TYPE_CHECKING:
    from dq_monitor.alerts.records import AlertInput


@dataclass(frozen=True)
class Fault:
    """A scripted answer: an HTTP status with headers/body, or `hang` seconds of silence first."""

    status: int = 500
    body: str = "internal_error"
    headers: dict[str, str] = field(default_factory=dict)
    hang: float = 0.0

    @classmethod
    def rate_limited(cls, retry_after: int) -> "Fault":
        return cls(429, "rate_limited", {"Retry-After": str(retry_after)})

    @classmethod
    def timeout(cls, seconds: float) -> "Fault":
        """Say nothing for `seconds` (longer than the client waits), then 504: the message was not taken."""
        return cls(status=504, body="gateway timeout", hang=seconds)

    @classmethod
    def slow(cls, seconds: float) -> "Fault":
        """Take the message (it is recorded as delivered) but answer only after `seconds`: a read timeout."""
        return cls(status=200, body="", hang=seconds)


@dataclass(frozen=True)
class SlackRequest:
    kind: str  # "webhook" or "api"
    path: str
    payload: dict[str, Any]
    status: int
    at: float
    token: str = ""

    @property
    def delivered(self) -> bool:
        return self.status == 200


class SlackStandIn:
    """Slack webhooks + Web API on localhost. `webhook_url` and `api_url` point clients at it."""

    def __init__(self, *, bot_token: str = "xoxb-test-token", channels: tuple[str, ...] = ()) -> None:
        self.bot_token = bot_token
        self.channels = set(channels)  # empty: every channel exists
        self.requests: list[SlackRequest] = []
        self._faults: deque[Fault] = deque()
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- control ---------------------------------------------------------------------------

    def start(self) -> "SlackStandIn":
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:  # keep test output quiet
                pass

            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                stand_in._handle(self)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="slack-stand-in", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> "SlackStandIn":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        assert self._server is not None, "start() the stand-in first"
        return self._server.server_address[1]

    def webhook_url(self, name: str = "T000/B000/XXXXSECRETXXXX") -> str:
        return f"http://127.0.0.1:{self.port}/services/{name}"

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/"

    def fail_next(self, *faults: Fault) -> None:
        with self._lock:
            self._faults.extend(faults)

    def delivered(self, kind: str | None = None) -> list[SlackRequest]:
        with self._lock:
            return [r for r in self.requests if r.delivered and (kind is None or r.kind == kind)]

    # -- serving ---------------------------------------------------------------------------

    def _handle(self, h: BaseHTTPRequestHandler) -> None:
        length = int(h.headers.get("Content-Length") or 0)
        raw = h.rfile.read(length).decode("utf-8") if length else ""
        if "json" in (h.headers.get("Content-Type") or ""):
            payload = json.loads(raw or "{}")
        else:
            payload = {k: v[0] for k, v in parse_qs(raw).items()}
            if isinstance(payload.get("blocks"), str):
                payload["blocks"] = json.loads(payload["blocks"])
        is_api = h.path.endswith("/chat.postMessage")
        token = (h.headers.get("Authorization") or "").removeprefix("Bearer ").strip()
        with self._lock:
            fault = self._faults.popleft() if self._faults else None
        if fault is not None and fault.hang:
            time.sleep(fault.hang)
        if fault is not None and fault.status != 200:
            status, body, headers = fault.status, fault.body, fault.headers
            if is_api and status == 429:
                body = json.dumps({"ok": False, "error": "ratelimited"})
        elif is_api:
            status, headers = 200, {}
            if token != self.bot_token:
                body = json.dumps({"ok": False, "error": "invalid_auth"})
            elif self.channels and payload.get("channel") not in self.channels:
                body = json.dumps({"ok": False, "error": "channel_not_found"})
            else:
                body = json.dumps({"ok": True, "channel": payload.get("channel"), "ts": f"{time.time():.6f}"})
        else:
            status, body, headers = 200, "ok", {}
        recorded = status
        if is_api and status == 200 and not json.loads(body).get("ok", False):
            recorded = 400  # Slack answers 200 with ok=false; record it as not delivered
        with self._lock:
            self.requests.append(SlackRequest("api" if is_api else "webhook", h.path, payload, recorded,
                                              time.time(), token))
        data = body.encode()
        try:
            h.send_response(status)
            h.send_header("Content-Type", "application/json" if is_api else "text/plain")
            h.send_header("Content-Length", str(len(data)))
            for k, v in headers.items():
                h.send_header(k, v)
            h.end_headers()
            h.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):  # the client gave up (a timeout test)
            pass


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class SmtpStandIn:
    """A real SMTP server on 127.0.0.1 recording parsed messages; `stop()`/`start()` play an outage."""

    def __init__(self, port: int | None = None, *, reject: tuple[str, ...] = ()) -> None:
        self.port = port or free_port()
        self.reject = set(reject)  # recipients answered with `reject_code`
        self.reject_code = "550 5.1.1 no such user"
        self.sessions = 0  # SMTP connections accepted
        self._raw: list[bytes] = []
        self._parsed: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self._lock = threading.Lock()
        self._controller: Any = None

    def start(self) -> "SmtpStandIn":
        from aiosmtpd.controller import Controller

        stand_in = self

        class Handler:
            async def handle_EHLO(self, server: Any, session: Any, envelope: Any, hostname: str,  # noqa: N802
                                  responses: list[str]) -> list[str]:
                if session.host_name is None:  # the first EHLO of a connection, not the one after STARTTLS
                    with stand_in._lock:
                        stand_in.sessions += 1
                session.host_name = hostname
                return responses

            async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str,  # noqa: N802
                                  rcpt_options: Any) -> str:
                if address in stand_in.reject:
                    return stand_in.reject_code
                envelope.rcpt_tos.append(address)
                return "250 OK"

            async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
                # Parsed lazily in received(): parsing here would slow every reply down.
                with stand_in._lock:
                    stand_in._raw.append(envelope.original_content or envelope.content)
                    stand_in.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
                return "250 Message accepted for delivery"

        self._controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    @property
    def running(self) -> bool:
        return self._controller is not None

    def __enter__(self) -> "SmtpStandIn":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def received(self) -> list[EmailMessage]:
        """Every message received so far, parsed with the modern email policy."""
        with self._lock:
            raw = self._raw[len(self._parsed):]
        parsed = [email.message_from_bytes(r, policy=email.policy.default) for r in raw]
        with self._lock:
            self._parsed.extend(parsed)  # type: ignore[arg-type]
            return list(self._parsed)

    def count(self) -> int:
        with self._lock:
            return len(self._raw)


def make_alert(fingerprint: str = "f1", **overrides: Any) -> "AlertInput":
    """An `AlertInput` with plausible defaults, for tests and benchmarks."""
    from dq_monitor.alerts.records import AlertInput

    values: dict[str, Any] = dict(
        fingerprint=fingerprint, dataset="payments", snapshot="2024-01-01", check="payments_volume_within_bounds",
        check_type="volume", severity="ERROR", message="row count 12 is below min_rows 500",
        details={"observed": 12, "expected": ">= 500"}, owners=(), status="open",
        created_at=datetime(2024, 1, 1, 6, 0, tzinfo=timezone.utc),
    )
    values.update(overrides)
    return AlertInput(**values)


def main(argv: list[str] | None = None) -> None:
    """Run a stand-in in its own process: `python -m dq_monitor_tests.support.alerts smtp --port 2525 --record FILE`.

    Every message (SMTP) or delivered payload (Slack) is appended to `--record` as
    one JSON line, so another process (a benchmark, a demo) can count and read them.
    """
    import argparse
    import signal

    parser = argparse.ArgumentParser(prog="python -m dq_monitor_tests.support.alerts")
    parser.add_argument("kind", choices=["smtp", "slack"])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--record", required=True, help="file to append one JSON line per message to")
    args = parser.parse_args(argv)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    record = open(args.record, "a", encoding="utf-8", buffering=1)  # noqa: SIM115 - closed below
    if args.kind == "smtp":
        smtp = SmtpStandIn(port=args.port or None)
        smtp.start()
        print(f"smtp stand-in listening on 127.0.0.1:{smtp.port}", flush=True)
        seen = 0
        while not stop.wait(0.05):
            with smtp._lock:
                new_raw = smtp._raw[seen:]
            for raw in new_raw:
                head = BytesHeaderParser().parsebytes(raw)
                record.write(json.dumps({"subject": str(head["Subject"]), "to": head["To"],
                                         "message_id": head["Message-ID"]}) + "\n")
                seen += 1
        smtp.stop()
    else:
        slack = SlackStandIn().start()
        print(f"slack stand-in listening on 127.0.0.1:{slack.port} (webhook {slack.webhook_url()}, "
              f"api {slack.api_url}, bot token {slack.bot_token})", flush=True)
        seen = 0
        while not stop.wait(0.05):
            with slack._lock:
                new = slack.requests[seen:]
            for req in new:
                record.write(json.dumps({"kind": req.kind, "status": req.status, "payload": req.payload}) + "\n")
                seen += 1
        slack.stop()
    record.close()


if __name__ == "__main__":
    main()
