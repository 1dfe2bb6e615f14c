"""Make values from data safe to put into Slack messages, email and headers.

Slack: `&`, `<`, `>` become entities (so `<!channel>`, `<@U123>` and `<url|text>`
cannot be formed) and a zero-width space after `@`/`!` keeps `@here`/`@channel`
and handles inert even where Slack links names. Email HTML: `html.escape`.
Headers: no CR/LF (no header injection). Links: only http(s) URLs.
"""

from __future__ import annotations

import html
import re
from urllib.parse import quote, urlsplit

ZWSP = "\u200b"
_MENTION_RE = re.compile(r"([@!])(?=[\w.\-])")
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def truncate(text: str, limit: int) -> str:
    if limit <= 0:
        return ""
    return text if len(text) <= limit else text[: max(limit - 1, 0)] + "…"


def clean(value: object) -> str:
    """str(value) without control characters (keeps newlines and tabs)."""
    return _CONTROL_RE.sub("", str(value))


def _slack_escape(text: str) -> str:
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MENTION_RE.sub(lambda m: m.group(1) + ZWSP, text)


def slack_escape(value: object, limit: int | None = None) -> str:
    """Escape a data value for Slack mrkdwn or plain_text, at most `limit` characters *after* escaping.

    Truncation happens on the raw text, so an entity is never cut in half.
    """
    text = clean(value)
    out = _slack_escape(truncate(text, limit) if limit is not None else text)
    raw_limit = limit
    while limit is not None and raw_limit is not None and len(out) > limit and raw_limit > 1:
        raw_limit = max(1, min(raw_limit - 1, int(raw_limit * limit / len(out))))
        out = _slack_escape(truncate(text, raw_limit))
    return out


def html_escape(value: object, limit: int | None = None) -> str:
    text = clean(value)
    if limit is not None:
        text = truncate(text, limit)
    return html.escape(text, quote=True)


def header_safe(value: object, limit: int = 200) -> str:
    """One line for an email header: newlines and control characters become spaces."""
    text = re.sub(r"[\r\n\t\x00-\x1f\x7f]+", " ", str(value)).strip()
    return truncate(text, limit)


def safe_url(url: str, base_url: str) -> str | None:
    """An absolute http(s) URL for `url` (a path is joined to `base_url`); None if not a web link."""
    url = clean(url).strip()
    if not url:
        return None
    if url.startswith("/") and not url.startswith("//"):
        url = base_url.rstrip("/") + url
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    # Characters that would end a Slack link or an HTML attribute are percent-encoded.
    return quote(url, safe=":/?#[]@!$&'()*+,;=%~.-_")


def slack_link(url: str, label: str) -> str:
    """`<url|label>` with the label escaped; `url` must come from `safe_url`."""
    label = slack_escape(label).replace("|", "¦")
    return f"<{url}|{label}>"
