"""`ConfigError`: raised by the config loader and by the feature packages that validate their own section."""

from __future__ import annotations


class ConfigError(ValueError):
    """A config file could not be read or is invalid. The message names file, dataset and field."""
