"""The output formats a command can print; each maps to one renderer."""

from __future__ import annotations

import enum


class OutputFormat(str, enum.Enum):
    TABLE = "table"
    JSON = "json"
    CSV = "csv"
    MARKDOWN = "markdown"
