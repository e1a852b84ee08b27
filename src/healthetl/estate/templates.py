"""``${name}`` substitution with the semantics of Terraform's ``templatefile`` for plain names.

``${name}`` (optionally with spaces inside the braces) is replaced by the variable's value;
``$${`` is a literal ``${``, ``%%{`` a literal ``%{``. A name with no variable is an error, as in
Terraform; so is any other expression or a ``%{`` directive, which the project's templates do
not use. Numbers and booleans render as Terraform renders them (``5``, ``true``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

_TOKEN = re.compile(r"\$\$\{|%%\{|\$\{([^}]*)\}|%\{")
_NAME = re.compile(r"\s*([A-Za-z_][A-Za-z0-9_-]*)\s*")


class TemplateError(ValueError):
    pass


def _render_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, str | int | float):
        return str(value)
    raise TemplateError(f"cannot interpolate a {type(value).__name__} into a template string")


def render(template: str, variables: Mapping[str, object]) -> str:
    def replace(match: re.Match[str]) -> str:
        found = match.group(0)
        if found == "$${":
            return "${"
        if found == "%%{":
            return "%{"
        if found == "%{":
            raise TemplateError("template directives (%{ ... }) are not supported")
        name_match = _NAME.fullmatch(match.group(1))
        if name_match is None:
            raise TemplateError(f"unsupported template expression: {found}")
        name = name_match.group(1)
        if name not in variables:
            raise TemplateError(f"vars map does not contain key {name!r}, referenced in template")
        return _render_value(variables[name])

    return _TOKEN.sub(replace, template)
