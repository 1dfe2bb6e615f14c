"""`validate_select`: a `query:` source must be one read-only SELECT (no imports beyond `re`: config loads it).

The check is lexical and conservative: comments and string literals are removed, then the text must be a
single statement starting with SELECT (or WITH ... SELECT) and contain no keyword that writes, changes the
schema or the session. Quoted identifiers named like a keyword are allowed (they are removed with literals).
The database user should still be read-only: this is a guard against mistakes, not a sandbox.
"""

from __future__ import annotations

import re

_COMMENTS = re.compile(r"--[^\n]*|/\*.*?\*/", re.DOTALL)
_LITERALS = re.compile(r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|`[^`]*`|\$\$.*?\$\$", re.DOTALL)
_FORBIDDEN = (
    "insert", "update", "delete", "merge", "upsert", "drop", "alter", "create", "truncate", "grant",
    "revoke", "copy", "into", "call", "exec", "execute", "attach", "detach", "pragma", "vacuum", "set", "lock",
    "commit", "rollback", "begin", "analyze", "reindex", "comment", "refresh", "load", "install", "export",
    "import", "do",
)
_FORBIDDEN_RE = re.compile(r"\b(" + "|".join(_FORBIDDEN) + r")\b", re.IGNORECASE)


def validate_select(query: str) -> str:
    """The query without a trailing semicolon; ValueError naming the problem when it is not one read-only SELECT."""
    bare = _LITERALS.sub("''", _COMMENTS.sub(" ", query)).strip()
    while bare.endswith(";"):
        bare = bare[:-1].rstrip()
    if not bare:
        raise ValueError("query is empty: give a single SELECT statement")
    if ";" in bare:
        raise ValueError("query holds more than one statement: give a single SELECT")
    first = bare.split(None, 1)[0].lower().lstrip("(")
    if first not in ("select", "with"):
        raise ValueError(f"query must be a read-only SELECT, not a {first.upper()} statement")
    bad = _FORBIDDEN_RE.search(bare)
    if bad:
        raise ValueError(f"query must be a read-only SELECT: {bad.group(1).upper()} is not allowed")
    if first == "with" and not re.search(r"\bselect\b", bare, re.IGNORECASE):
        raise ValueError("query must be a read-only SELECT: the WITH clause has no SELECT")
    stripped = query.strip()
    while stripped.endswith(";"):
        stripped = stripped[:-1].rstrip()
    return stripped
