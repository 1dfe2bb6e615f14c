"""The routing tree, evaluated like Alertmanager's.

An alert enters at the root (which matches everything) and descends into the
first child whose matchers all hold; with `continue: true` on that child it also
tries the following siblings. A route no child takes is where the alert lands.
Unset settings are inherited from the parent.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from dq_monitor.alerts.config import GROUP_BY_ALL, AlertsConfig, RouteConfig
from dq_monitor.core.matchers import Labels, Matcher, all_match

DEFAULT_GROUP_BY = ("dataset", "snapshot")
DEFAULT_GROUP_WAIT = timedelta(seconds=30)
DEFAULT_GROUP_INTERVAL = timedelta(minutes=5)
DEFAULT_REPEAT_INTERVAL = timedelta(hours=4)


@dataclass(frozen=True)
class Route:
    id: str  # position in the tree, e.g. "root.1.0"; part of every group key
    matchers: tuple[Matcher, ...]
    receiver: str | None
    continue_: bool
    group_by: tuple[str, ...]
    group_wait: timedelta
    group_interval: timedelta
    repeat_interval: timedelta
    children: tuple["Route", ...]

    def match(self, labels: Labels) -> list["Route"]:
        """The routes an alert with `labels` lands on, in tree order (this route assumed matched)."""
        landed: list[Route] = []
        for child in self.children:
            if not all_match(child.matchers, labels):
                continue
            landed.extend(child.match(labels))
            if not child.continue_:
                break
        return landed or [self]

    def group_labels(self, labels: Labels) -> dict[str, str]:
        names = [n for n in labels if n != "status"] if GROUP_BY_ALL in self.group_by else list(self.group_by)
        out: dict[str, str] = {}
        for name in sorted(names):
            value = labels.get(name, "")
            out[name] = ",".join(sorted(value)) if isinstance(value, tuple) else str(value)
        return out


def build_route_tree(config: AlertsConfig) -> Route:
    return _build(config.route, None, "root")


def _build(cfg: RouteConfig, parent: Route | None, route_id: str) -> Route:
    def pick(name: str, default: object) -> object:
        value = getattr(cfg, name)
        if value is not None:
            return value
        return getattr(parent, name) if parent is not None else default

    node = Route(
        id=route_id,
        matchers=cfg.compiled_matchers(),
        receiver=cfg.receiver if cfg.receiver is not None else (parent.receiver if parent else None),
        continue_=cfg.continue_,
        group_by=tuple(pick("group_by", DEFAULT_GROUP_BY)),  # type: ignore[arg-type]
        group_wait=pick("group_wait", DEFAULT_GROUP_WAIT),  # type: ignore[arg-type]
        group_interval=pick("group_interval", DEFAULT_GROUP_INTERVAL),  # type: ignore[arg-type]
        repeat_interval=pick("repeat_interval", DEFAULT_REPEAT_INTERVAL),  # type: ignore[arg-type]
        children=(),
    )
    children = tuple(_build(child, node, f"{route_id}.{i}") for i, child in enumerate(cfg.routes))
    return Route(**{**node.__dict__, "children": children})
