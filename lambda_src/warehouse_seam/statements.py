"""Splitting a SQL script into statements, aware of quotes, comments and $$ bodies."""

from __future__ import annotations

import re

_TOKEN = re.compile(
    r"""
      (?P<dollar>\$(?P<tag>[A-Za-z_]\w*)?\$)   # start of a dollar-quoted body
    | (?P<single>'(?:[^']|'')*')               # string literal
    | (?P<double>"(?:[^"]|"")*")               # quoted identifier
    | (?P<line>--[^\n]*)                       # line comment
    | (?P<block>/\*.*?\*/)                     # block comment
    | (?P<semi>;)
    """,
    re.VERBOSE | re.DOTALL,
)


def split_statements(script: str) -> list[str]:
    """Top-level statements of ``script`` without their terminating semicolons; statements
    holding only comments or whitespace are dropped."""
    statements: list[str] = []
    start = 0
    pos = 0
    while True:
        match = _TOKEN.search(script, pos)
        if match is None:
            break
        if match.group("dollar"):
            closing = script.find(match.group("dollar"), match.end())
            if closing < 0:
                raise ValueError("unterminated dollar-quoted body")
            pos = closing + len(match.group("dollar"))
            continue
        if match.group("semi"):
            statements.append(script[start : match.start()])
            start = match.end()
        pos = match.end()
    statements.append(script[start:])
    return [s.strip() for s in statements if _has_code(s)]


def _has_code(statement: str) -> bool:
    stripped = re.sub(r"--[^\n]*|/\*.*?\*/", "", statement, flags=re.DOTALL)
    return bool(stripped.strip())
