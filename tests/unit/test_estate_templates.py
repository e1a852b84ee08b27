"""Template substitution follows Terraform templatefile() for plain ${name} placeholders."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from healthetl.estate.templates import TemplateError, render

pytestmark = pytest.mark.unit

REPO = Path(__file__).resolve().parents[2]


def test_plain_names_are_replaced_and_numbers_render_bare() -> None:
    text = '{"Resource": "${fn_arn}", "MaxAttempts": ${n}, "Rate": ${rate}, "On": ${flag}}'
    rendered = render(text, {"fn_arn": "arn:x", "n": 5, "rate": 2.0, "flag": True})
    assert json.loads(rendered) == {"Resource": "arn:x", "MaxAttempts": 5, "Rate": 2, "On": True}


def test_spaces_inside_braces_and_repeated_names() -> None:
    assert render("${ a }-${a}", {"a": "x"}) == "x-x"


def test_escapes_are_literal() -> None:
    assert render("$${not_a_var} %%{ not_a_directive }", {}) == "${not_a_var} %{ not_a_directive }"


def test_a_missing_variable_is_an_error() -> None:
    with pytest.raises(TemplateError, match="missing"):
        render("${missing}", {"other": 1})


@pytest.mark.parametrize("text", ["${var.x}", "${a + 1}", "%{ if a }x%{ endif }"])
def test_expressions_and_directives_are_refused(text: str) -> None:
    with pytest.raises(TemplateError):
        render(text, {"a": 1, "var": 1})


def test_non_scalar_values_are_refused() -> None:
    with pytest.raises(TemplateError):
        render("${a}", {"a": [1, 2]})


def test_text_without_placeholders_is_unchanged() -> None:
    text = '{"States.$": "$.x", "Cost": "$5"}'
    assert render(text, {}) == text


def test_the_project_state_machine_template_renders_to_json() -> None:
    facts = json.loads((REPO / "facts" / "resources.json").read_text())
    template = REPO / facts["state_machine"]["definition_template"]
    if not template.exists():
        pytest.skip("the load state machine template is not written yet")
    variables = {
        name: "arn:aws:lambda:us-east-1:123456789012:function:f" if "function" in ref else 1
        for name, ref in facts["state_machine"]["template_variables"].items()
    }
    assert json.loads(render(template.read_text(), variables))["StartAt"]
