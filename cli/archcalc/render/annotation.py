"""GitHub Actions workflow commands (`::error file=f,line=l,col=c,title=t::message`), written for
any result that has a place in a file: the budget gate's and the drift gate's annotations both use it.

https://docs.github.com/actions/reference/workflow-commands-for-github-actions — property values
escape `%`, CR, LF, `:` and `,`; messages escape `%`, CR and LF.
"""

from __future__ import annotations

from archcalc.errors import Origin
from archcalc.printable import printable


def escape_data(text: str) -> str:
    """GitHub's escapes, then any other control character written out (archcalc/printable.py)."""
    return printable(text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A"))


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotation(level: str, message: str, origin: Origin | None, title: str) -> str:
    """`::error file=f,line=l,col=c,title=t::message`; a file only when one was read."""
    properties = []
    if origin is not None and not origin.source.startswith("<"):
        properties.append(f"file={escape_property(origin.source)}")
        if origin.line is not None:
            properties.append(f"line={origin.line}")
            if origin.column is not None:
                properties.append(f"col={origin.column}")
    properties.append(f"title={escape_property(title)}")
    return f"::{level} {','.join(properties)}::{escape_data(message)}"
