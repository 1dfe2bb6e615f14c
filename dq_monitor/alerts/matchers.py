"""Label matchers live in `dq_monitor.core.matchers` (the store's silences use them too).

This module keeps `dq_monitor.alerts.matchers` imports working.
"""

from dq_monitor.core.matchers import (
    LABELS,
    Labels,
    LabelValue,
    Matcher,
    all_match,
    matchers_from,
    parse_matcher,
)

__all__ = ["LABELS", "LabelValue", "Labels", "Matcher", "all_match", "matchers_from", "parse_matcher"]
