"""Great Expectations builds each expectation's configuration once per kwarg it looks up (issue 16).

`Expectation.configuration` is a property that serialises the expectation (pydantic `dict()`) into a
new `ExpectationConfiguration` on every access, and GX 1.24's `_get_domain_kwargs`,
`_get_success_kwargs`, `_get_success_kwarg` and `_get_runtime_kwargs` access it once per domain,
success and runtime key: ~60 rebuilds per expectation per validation, ~40% of a small snapshot's
validation time. `install()` replaces those four methods by versions that build the configuration
once per call and look every key up in it. The property depends only on the expectation's fields,
which nothing changes during these calls, so the results are the same values (the test compares
them, and every demo validation, with GX's originals). Only for GX versions this was checked
against (`TESTED_VERSIONS`); any other version keeps GX's own methods.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

TESTED_VERSIONS = ("1.24.",)
_LOCK = threading.Lock()
_ORIGINALS: dict[str, Any] = {}
_MISSING = object()


def _success_kwarg(self: Any, kwargs: dict[str, Any], key: str, default: Any = None) -> Any:
    """GX's `_get_success_kwarg` on an already built configuration's kwargs."""
    if key in kwargs:
        return kwargs[key]
    field = self.__fields__.get(key)
    if field is not None:
        return field.default if not field.required else default
    logging.getLogger("great_expectations.expectations.expectation").warning(
        f'_get_success_kwarg called with key "{key}", but it is not a known field of {type(self).__name__}'
    )
    return default


def _domain_kwargs(self: Any, kwargs: dict[str, Any]) -> dict[str, Any]:
    from great_expectations.exceptions import InvalidExpectationKwargsError

    domain_kwargs = {key: kwargs.get(key, self._get_default_value(key)) for key in self.domain_keys}
    missing_kwargs = set(self.domain_keys) - set(domain_kwargs.keys())
    if missing_kwargs:
        raise InvalidExpectationKwargsError(f"Missing domain kwargs: {list(missing_kwargs)}")
    return domain_kwargs


def _success_kwargs(self: Any, kwargs: dict[str, Any]) -> dict[str, Any]:
    overridden = type(self)._get_domain_kwargs is not _get_domain_kwargs
    domain_kwargs = self._get_domain_kwargs() if overridden else _domain_kwargs(self, kwargs)
    success_kwargs = {key: kwargs.get(key, self._get_default_value(key)) for key in self.success_keys}
    success_kwargs.update(domain_kwargs)
    return success_kwargs


def _get_success_kwarg(self: Any, key: str, default: Any = None) -> Any:
    return _success_kwarg(self, self.configuration.kwargs, key, default)


def _get_domain_kwargs(self: Any) -> dict[str, Any]:
    return _domain_kwargs(self, self.configuration.kwargs)


def _get_success_kwargs(self: Any) -> dict[str, Any]:
    return _success_kwargs(self, self.configuration.kwargs)


def _get_runtime_kwargs(self: Any, runtime_configuration: dict | None = None) -> dict:
    from great_expectations.expectations import expectation as gx_expectation

    runtime_configuration = runtime_configuration or {}
    cls = type(self)
    kwargs = self.configuration.kwargs
    if cls._get_success_kwargs is _get_success_kwargs:
        success_kwargs = _success_kwargs(self, kwargs)
    else:
        success_kwargs = self._get_success_kwargs()
    own_kwarg = cls._get_success_kwarg is _get_success_kwarg
    runtime_kwargs = {
        key: runtime_configuration.get(key, _success_kwarg(self, kwargs, key) if own_kwarg
                                       else self._get_success_kwarg(key))
        for key in self.runtime_keys
    }
    runtime_kwargs.update(success_kwargs)
    runtime_kwargs["result_format"] = gx_expectation.parse_result_format(runtime_kwargs["result_format"])
    return runtime_kwargs


_REPLACEMENTS = {
    "_get_success_kwarg": _get_success_kwarg,
    "_get_domain_kwargs": _get_domain_kwargs,
    "_get_success_kwargs": _get_success_kwargs,
    "_get_runtime_kwargs": _get_runtime_kwargs,
}


def install() -> bool:
    """Replace GX's kwarg lookups on `Expectation` (idempotent); False if this GX version is not a tested one."""
    import great_expectations as gx
    from great_expectations.expectations import expectation as gx_expectation

    if not str(gx.__version__).startswith(TESTED_VERSIONS):
        return False
    if getattr(gx_expectation, "parse_result_format", _MISSING) is _MISSING:
        return False
    cls = gx_expectation.Expectation
    if any(name not in cls.__dict__ for name in _REPLACEMENTS):
        return False
    with _LOCK:
        for name, replacement in _REPLACEMENTS.items():
            current = cls.__dict__[name]
            if current is not replacement:
                _ORIGINALS[name] = current
                setattr(cls, name, replacement)
    return True


def uninstall() -> None:
    """Put GX's own methods back (tests compare both)."""
    from great_expectations.expectations import expectation as gx_expectation

    with _LOCK:
        for name, original in _ORIGINALS.items():
            setattr(gx_expectation.Expectation, name, original)
        _ORIGINALS.clear()
