"""The sweep `bench/eval_metric_history.py --sweep` prints: the whole dev set (NAB realAdExchange,
realTweets, NAB artificial, bike sharing, demo) scored for other settings, never per file.

Rows change one `MonitorSpec` setting or one module constant of the surprise gate at a time
(everything else at its default); the first rows undo this branch's issue-14 changes one by one:
`tail` off = the bar is the empirical quantile of the recent scores (before: the running maximum
while fewer than W scores exist), `warn run` 1 = a single WARN crossing may alert once gated,
`score floor` off = the score's unit may be 0 (sparse counts: every score infinite).
Run from the repo root: `python bench/eval_metric_history.py --sweep`.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pandas as pd
from eval_metric_history import eval_bike, eval_demo, eval_nab, eval_nab_categories

from dq_monitor.history import MonitorSpec

_likelihood = importlib.import_module("dq_monitor.history.likelihood")
_bands = importlib.import_module("dq_monitor.history.bands")

#: (label, MonitorSpec settings, constants: tail on?, WARN run points, tail share, score floor on?)
CONFIGS: list[tuple[str, dict, dict]] = [
    ("defaults", {}, {}),
    ("before: tail off, warn run 1, score floor off", {}, {"tail": False, "warn_run": 1, "floor": False}),
    ("tail off (empirical quantile)", {}, {"tail": False}),
    ("warn run 1 (a single WARN crossing alerts)", {}, {"warn_run": 1}),
    ("warn run 3", {}, {"warn_run": 3}),
    ("score floor off", {}, {"floor": False}),
    ("tail share 0.01", {}, {"share": 0.01}),
    ("tail share 0.03", {}, {"share": 0.03}),
    ("tail share 0.05", {}, {"share": 0.05}),
    ("surprise_days 30", {"surprise_days": 30}, {}),
    ("surprise_days 45", {"surprise_days": 45}, {}),
    ("surprise_days 90", {"surprise_days": 90}, {}),
    ("surprise_days null (no gate)", {"surprise_days": None}, {}),
    ("hold_hours 1", {"hold_hours": 1}, {}),
    ("warn_sensitivity 3.0", {"warn_sensitivity": 3.0}, {}),
    ("warn_sensitivity 4.0", {"warn_sensitivity": 4.0}, {}),
    ("relearn_after 24 (adapt everywhere)", {"relearn_after": 24}, {}),
    ("transform log", {"transform": "log"}, {}),
]


@contextmanager
def constants(tail: bool = True, warn_run: int | None = None, share: float | None = None,
              floor: bool = True) -> Iterator[None]:
    """Temporarily change the surprise gate's module constants (restored afterwards)."""
    saved = (_likelihood._tail_quantile, _likelihood._WARN_RUN_POINTS, _likelihood._TAIL_SHARE,
             _bands._QUANTISATION_SD)
    try:
        if not tail:
            _likelihood._tail_quantile = _likelihood._quantile
        if warn_run is not None:
            _likelihood._WARN_RUN_POINTS = warn_run
        if share is not None:
            _likelihood._TAIL_SHARE = share
        if not floor:
            _bands._QUANTISATION_SD = 0.0
        yield
    finally:
        (_likelihood._tail_quantile, _likelihood._WARN_RUN_POINTS, _likelihood._TAIL_SHARE,
         _bands._QUANTISATION_SD) = saved


def score_config(root: Path, spec: MonitorSpec) -> dict:
    cats = eval_nab_categories(root, spec).set_index("category")
    nab, _ = eval_nab(root, spec)
    bike, _ = eval_bike(root, spec)
    demo = eval_demo(spec)
    clean = nab["windows"] == 0
    row = {}
    for c in cats.index:
        row[f"{c} F1 (found, FP)"] = f"{cats.loc[c, 'event F1']:.3f} ({cats.loc[c, 'windows found']}, {cats.loc[c, 'FP runs']})"
    return {
        **row,
        "NAB alerts, clean series": int(nab.loc[clean, "alerts"].sum()),
        "bike P / R (<80%)": f"{bike['precision'].iloc[0]} / {bike['recall'].iloc[0]}",
        "demo faults caught": int(demo["caught as"].str.startswith(("ERROR", "WARN")).sum()),
        "demo false ERROR": int(demo["false ERROR (clean)"].sum()),
    }


def sweep(root: Path) -> pd.DataFrame:
    rows = []
    for label, settings, consts in CONFIGS:
        spec = MonitorSpec(metric="value", **settings)
        with constants(**consts):
            rows.append({"setting": label, **score_config(root, spec)})
    return pd.DataFrame(rows)
