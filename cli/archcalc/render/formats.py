"""The output formats a command can print; each maps to one renderer."""

from __future__ import annotations

import enum


class OutputFormat(str, enum.Enum):
    TABLE = "table"
    JSON = "json"
    CSV = "csv"
    MARKDOWN = "markdown"


class CheckFormat(str, enum.Enum):
    """`check` prints the tabular formats, JSON, or GitHub Actions annotations."""

    TABLE = "table"
    JSON = "json"
    CSV = "csv"
    MARKDOWN = "markdown"
    GITHUB = "github"
