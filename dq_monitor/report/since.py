"""`--since` / `?since=`: an ISO date or datetime (UTC when naive), or a duration back from now: 30d, 12h."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone


def parse_since(text: str | None, now: datetime | None = None) -> datetime | None:
    """None for no limit; raises ValueError naming the accepted forms."""
    if not text:
        return None
    match = re.fullmatch(r"(\d+)([dh])", text.strip())
    if match:
        amount, unit = int(match[1]), match[2]
        delta = timedelta(days=amount) if unit == "d" else timedelta(hours=amount)
        return (now or datetime.now(timezone.utc)) - delta
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"since {text!r}: expected an ISO date/datetime or a duration like 30d or 12h") from None
    return when if when.tzinfo else when.replace(tzinfo=timezone.utc)
