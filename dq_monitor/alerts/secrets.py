"""Secrets (webhook URLs, bot tokens, SMTP passwords) that never show up in text.

A `Secret` hides its value from `repr`/`str`/f-strings; `reveal()` is the only way
out. Every secret created is also registered so `mask()` can scrub it from error
messages that libraries build (an HTTP error quoting the webhook URL, say), and
`MaskingFilter` does the same for log records of the `dq_monitor.alerts` loggers.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping

_KNOWN: set[str] = set()
_LOCK = threading.Lock()
MASK = "****"
#: Shorter values are not registered: masking "25" would garble ordinary text.
_MIN_MASKED_LEN = 6


class Secret:
    __slots__ = ("_value", "name")

    def __init__(self, value: str, name: str = "") -> None:
        self._value = value
        self.name = name
        if len(value) >= _MIN_MASKED_LEN:
            with _LOCK:
                _KNOWN.add(value)

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
    """`text` with every registered secret value (and URL-quoted forms of it) replaced by ****."""
    out = str(text)
    with _LOCK:
        known = sorted(_KNOWN, key=len, reverse=True)
    for value in known:
        if value in out:
            out = out.replace(value, MASK)
        # A webhook URL's path is its secret part; libraries often quote just the path.
        if "://" in value:
            path = value.split("://", 1)[1].partition("/")[2]
            if len(path) >= _MIN_MASKED_LEN and path in out:
                out = out.replace(path, MASK)
    return out


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
