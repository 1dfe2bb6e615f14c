"""Secrets (webhook URLs, bot tokens, SMTP and database passwords) that never show up in text.

A `Secret` hides its value from `repr`/`str`/f-strings; `reveal()` is the only way
out. Every secret created (or passed to `register_secret`) is also registered so
`mask()` can scrub it from error messages that libraries and servers build. Not
only the whole value is scrubbed: a server may echo one piece of it (Slack answers
a bad webhook with `invalid_token: <the token segment>`), so each piece of
meaningful length (8+ characters) -- every path segment, query value and password of a URL, every
`-`/`_`-separated part of a token -- is scrubbed too, and so is any word of 8 or
more characters that is a piece of a secret (a truncated echo), ignoring case.
`MaskingFilter` does the same for log records of the `dq_monitor.alerts` loggers.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Mapping
from urllib.parse import parse_qsl, unquote, urlsplit

_KNOWN: set[str] = set()  # whole values and their pieces, replaced wherever they occur
_LOCK = threading.Lock()
MASK = "****"
#: Shorter values are not registered: masking "25" would garble ordinary text.
_MIN_MASKED_LEN = 6
#: A word at least this long that is part of a secret is masked (a server echoing a truncated token).
_MIN_PARTIAL_LEN = 8
#: URL path segments that name an API, not a credential.
_PUBLIC_SEGMENTS = {"services", "hooks", "webhook", "webhooks", "triggers", "workflows", "api", "v1", "v2"}
_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9_\-]*")


def _pieces(value: str) -> set[str]:
    """The parts of a secret a server or library may quote on their own."""
    pieces: set[str] = set()
    passwords: set[str] = set()
    if "://" in value:
        try:
            parts = urlsplit(value)
            password = parts.password
        except ValueError:
            return pieces
        if password:
            passwords = {p for p in (password, unquote(password)) if len(p) >= _MIN_MASKED_LEN}
        path = parts.path.lstrip("/")
        pieces.add(path)
        pieces.update(unquote(seg) for seg in path.split("/") if seg.lower() not in _PUBLIC_SEGMENTS)
        pieces.update(v for _, v in parse_qsl(parts.query))
    else:
        pieces.update(re.split(r"[-_]", value))
    return {p for p in pieces if len(p) >= _MIN_PARTIAL_LEN and p != value} | passwords


def register_secret(value: str | None) -> None:
    """Scrub `value` (and its pieces) from everything `mask` sees from now on."""
    if value is None or len(value) < _MIN_MASKED_LEN:
        return
    with _LOCK:
        _KNOWN.add(value)
        _KNOWN.update(_pieces(value))


class Secret:
    __slots__ = ("_value", "name")

    def __init__(self, value: str, name: str = "") -> None:
        self._value = value
        self.name = name
        register_secret(value)

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return f"Secret({self.name + '=' if self.name else ''}{MASK})"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(("Secret", self._value))

    def __reduce__(self) -> object:
        raise TypeError("a Secret cannot be pickled")


def mask(text: object) -> str:
    """`text` with every registered secret, every piece of one and every word that is part of one as ****."""
    out = str(text)
    with _LOCK:
        known = sorted(_KNOWN, key=len, reverse=True)
    if not known:
        return out
    lowered = out.lower()
    for value in known:
        if value.lower() in lowered:
            out = re.sub(re.escape(value), MASK, out, flags=re.IGNORECASE)
            lowered = out.lower()
    # Whole URLs and paths are left out: a word like "services" is part of every webhook URL.
    pieces = [v.lower() for v in known if "/" not in v]

    def partial(match: re.Match[str]) -> str:
        word = match.group(0)
        if len(word) >= _MIN_PARTIAL_LEN and any(word.lower() in p for p in pieces):
            return MASK
        return word

    return _WORD.sub(partial, out)


def read_env_secret(env: Mapping[str, str], var: str) -> Secret | None:
    value = env.get(var)
    if value is None or not value.strip():
        return None
    return Secret(value.strip(), var)


class MaskingFilter(logging.Filter):
    """Scrub registered secrets from a log record's message and arguments."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed record: leave it to the handler to report
            return True
        masked = mask(message)
        if masked != message:
            record.msg, record.args = masked, None
        return True


def install_log_masking(*logger_names: str) -> None:
    for name in logger_names or ("dq_monitor.alerts", "slack_sdk"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, MaskingFilter) for f in logger.filters):
            logger.addFilter(MaskingFilter())
