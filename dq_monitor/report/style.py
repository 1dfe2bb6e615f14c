"""The report's one stylesheet, inlined into the page."""

CSS = """
body{font:14px/1.4 system-ui,sans-serif;margin:0 24px 48px;color:#222}
h1{margin:16px 0 4px}h2{border-bottom:1px solid #ddd;padding-bottom:4px}
.matrix th{text-align:left;padding-right:8px;white-space:nowrap;font-weight:500}
.cells{line-height:0}.cell{display:inline-block;width:10px;height:14px;margin:0 1px 1px 0;border-radius:2px}
.s-pass{background:#5cb85c}.s-INFO{background:#5bc0de}.s-WARN{background:#f0ad4e}.s-ERROR{background:#d9534f}
.s-none{background:#ddd}.legend .cell{vertical-align:middle}
.badge{color:#fff;border-radius:3px;padding:0 4px;font-size:12px}
.counts td,.counts th{padding:2px 10px;text-align:right}.counts th:first-child{text-align:left}
.charts{display:flex;flex-wrap:wrap;gap:12px}figure{margin:0}figcaption{font-weight:500}
.chart{background:#fafafa;border:1px solid #eee}
.band-error{fill:#d9534f;fill-opacity:.12}.band-warn{fill:#f0ad4e;fill-opacity:.25}
.expected{fill:none;stroke:#777;stroke-dasharray:4 3}.value{fill:none;stroke:#337ab7;stroke-width:1.5}
.pt{fill:#337ab7}.flag-WARN{fill:#f0ad4e;stroke:#000}.flag-ERROR{fill:#d9534f;stroke:#000}.flag-INFO{fill:#5bc0de}
.axis{stroke:#999}.tick,.note{font-size:10px;fill:#555}
.failed{border-left:4px solid #ccc;padding:2px 10px;margin:8px 0}.sev-ERROR{border-color:#d9534f}
.sev-WARN{border-color:#f0ad4e}.message{margin:2px 0}
table.evidence{border-collapse:collapse;font-size:12px;margin:4px 0}
table.evidence td,table.evidence th{border:1px solid #ddd;padding:1px 6px}
dl.details{display:grid;grid-template-columns:max-content auto;gap:0 12px;font-size:12px}dd{margin:0}
"""
