"""Email over SMTP with the standard library: HTML plus a plain-text part.

Connection problems, timeouts and 4xx replies are retryable; authentication
failures and 5xx replies (unknown mailbox, rejected sender) are permanent.
Connections are reused between messages of one pass and closed by `close()`.
"""

from __future__ import annotations

import smtplib
import socket
import ssl
import threading
from datetime import timedelta
from email.header import Header
from email.message import Message
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import formatdate

from dq_monitor.alerts.escape import header_safe
from dq_monitor.alerts.notifiers.base import (
    NotifyResult,
    Permanent,
    Retryable,
    Sent,
    digest,
)
from dq_monitor.alerts.records import Notification
from dq_monitor.alerts.render import render_email
from dq_monitor.alerts.secrets import Secret

_LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1"}


def _code_result(code: int, what: str, payload_digest: str) -> NotifyResult:
    if 400 <= code < 500:
        return Retryable(f"{what} (SMTP {code}, temporary)", payload_digest=payload_digest)
    return Permanent(f"{what} (SMTP {code})", payload_digest)


def _reply(exc: smtplib.SMTPResponseException) -> str:
    msg = exc.smtp_error.decode(errors="replace") if isinstance(exc.smtp_error, bytes) else str(exc.smtp_error)
    return msg.strip()[:200]


class EmailNotifier:
    def __init__(self, host: str, port: int, sender: str, to: list[str], *, base_url: str,
                 username: Secret | None = None, password: Secret | None = None,
                 starttls: bool | str = "auto", use_ssl: bool = False,
                 timeout: timedelta = timedelta(seconds=10)) -> None:
        self.host = host
        self.port = port
        self.sender = sender
        self.to = list(to)
        self.base_url = base_url
        self.username = username
        self.password = password
        self.starttls = starttls
        self.use_ssl = use_ssl
        self.timeout = timeout
        self._idle: list[smtplib.SMTP] = []
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        auth = f", username={self.username!r}, password={self.password!r}" if self.username else ""
        return f"EmailNotifier({self.host}:{self.port}, to={self.to!r}{auth})"

    def message(self, notification: Notification) -> MIMEMultipart:
        """The email: multipart/alternative with a plain-text and an HTML part.

        Built with `email.mime` (compat32), which is several times faster than
        `EmailMessage` with the modern policy; bulk passes spend their time here.
        """
        subject, text, html = render_email(notification, self.base_url)
        # Both parts are base64 (no "-" in any body line), so a fixed boundary cannot collide; it also
        # spares the generator from compiling a fresh regex for a random boundary per message.
        msg = MIMEMultipart("alternative", boundary=f"dq-monitor-{notification.key}")
        msg["Subject"] = subject if subject.isascii() else Header(subject, "utf-8")  # type: ignore[assignment]
        msg["From"] = self.sender
        msg["To"] = ", ".join([notification.channel.target] if notification.channel.target else self.to)
        msg["Date"] = formatdate(usegmt=True)
        # Deterministic: a retried message carries the same Message-ID, so mail clients can fold duplicates.
        msg["Message-ID"] = f"<{notification.key}@dq-monitor>"
        group = header_safe(notification.group_key, 200)
        msg["X-DQ-Monitor-Group"] = group if group.isascii() else Header(group, "utf-8")  # type: ignore[assignment]
        msg.attach(MIMEText(text, "plain", "utf-8"))
        msg.attach(MIMEText(html, "html", "utf-8"))
        return msg

    def _open(self) -> smtplib.SMTP:
        smtp_cls = smtplib.SMTP_SSL if self.use_ssl else smtplib.SMTP
        smtp = smtp_cls(self.host, self.port, timeout=self.timeout.total_seconds())
        try:
            smtp.ehlo()
            secure = self.use_ssl
            if self.starttls is True or (self.starttls == "auto" and not secure and smtp.has_extn("starttls")):
                smtp.starttls(context=ssl.create_default_context())
                smtp.ehlo()
                secure = True
            if self.username is not None and self.password is not None:
                if not secure and self.host not in _LOCAL_HOSTS:
                    raise _InsecureAuth()
                smtp.login(self.username.reveal(), self.password.reveal())
        except BaseException:
            _quietly_close(smtp)
            raise
        return smtp

    def _take(self) -> smtplib.SMTP | None:
        with self._lock:
            return self._idle.pop() if self._idle else None

    def _give_back(self, smtp: smtplib.SMTP) -> None:
        with self._lock:
            self._idle.append(smtp)

    def close(self) -> None:
        """Close the connections kept open between messages of one pass."""
        with self._lock:
            idle, self._idle = self._idle, []
        for smtp in idle:
            try:
                smtp.quit()
            except (smtplib.SMTPException, OSError):
                _quietly_close(smtp)

    def _send(self, msg: Message) -> None:
        smtp = self._take()
        if smtp is not None:
            try:
                smtp.send_message(msg)
                self._give_back(smtp)
                return
            except (smtplib.SMTPServerDisconnected, OSError):
                _quietly_close(smtp)  # an idle connection the server dropped: open a fresh one
            except BaseException:
                _quietly_close(smtp)
                raise
        smtp = self._open()
        try:
            smtp.send_message(msg)
        except BaseException:
            _quietly_close(smtp)
            raise
        self._give_back(smtp)

    def notify(self, notification: Notification) -> NotifyResult:
        msg = self.message(notification)
        payload_digest = digest(msg.get_payload(0).get_payload())  # the encoded plain-text part
        where = f"SMTP server {self.host}:{self.port}"
        try:
            self._send(msg)
        except _InsecureAuth:
            return Permanent(f"{where} offers no TLS; refusing to send the SMTP password in clear text",
                             payload_digest)
        except smtplib.SMTPAuthenticationError as exc:
            return Permanent(f"{where} rejected the credentials: {_reply(exc)}", payload_digest)
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _ in exc.recipients.values()]
            if codes and all(400 <= c < 500 for c in codes):
                return Retryable(f"{where} temporarily refused all recipients", payload_digest=payload_digest)
            return Permanent(f"{where} refused the recipients: {', '.join(sorted(exc.recipients))}", payload_digest)
        except smtplib.SMTPResponseException as exc:
            return _code_result(exc.smtp_code, f"{where} replied: {_reply(exc)}", payload_digest)
        except smtplib.SMTPNotSupportedError as exc:
            return Permanent(f"{where}: {exc}", payload_digest)
        except (smtplib.SMTPException, OSError, socket.timeout) as exc:
            # A timeout may come after the server took the message: not re-sent within this pass.
            return Retryable(f"{where} unreachable: {type(exc).__name__}: {exc}", payload_digest=payload_digest,
                             maybe_delivered=isinstance(exc, (TimeoutError, socket.timeout)))
        return Sent(payload_digest)


class _InsecureAuth(Exception):
    pass


def _quietly_close(smtp: smtplib.SMTP) -> None:
    try:
        smtp.close()
    except OSError:
        pass
