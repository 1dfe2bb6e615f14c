"""The HTML report of the findings store (`dq-monitor report`, `dq-monitor serve`): no dagster, no network.

`data.load` reads the store in bulk, `overview` draws the health matrix and open findings,
`dataset` each dataset's metrics over snapshot time with their bands (`svg`), and `evidence`
each failed check's message and evidence. `build_report` returns one self-contained page;
`render_overview` and `render_dataset` are the pages `dq-monitor serve` splits it into.

Every name is imported on first use (`core.lazy`): loading the config needs only `report.spec`.
"""

from dq_monitor.core.lazy import lazy_exports

__getattr__, __dir__, __all__ = lazy_exports(__name__, {
    "dq_monitor.report.data": ("ReportData", "load"),
    "dq_monitor.report.page": ("build_report", "render", "render_dataset", "render_overview", "render_page"),
})
