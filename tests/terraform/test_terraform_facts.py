"""terraform/ against the single source of facts (facts/resources.json) and the ASL
template: Terraform reads every fact from there, and what it reads exists on both sides."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from tf_model import FACTS_DIR, REPO, TfDir, unquote

pytestmark = pytest.mark.terraform

PLACEHOLDER = re.compile(r"\$\{([A-Za-z0-9_]+)\}")
FACTS_READ = 'jsondecode(file("${var.repo_root}/facts/resources.json"))'


def asl_template(facts: dict[str, Any]) -> str:
    path = REPO / facts["state_machine"]["definition_template"]
    if not path.exists():
        pytest.skip(f"{path.relative_to(REPO)} not written yet (the pipeline area owns it)")
    return path.read_text()


def test_stack_module_reads_facts_json(tf_module) -> None:
    stack_module = tf_module("modules/stack")
    assert stack_module.locals["facts"] == "${" + FACTS_READ + "}"
    for env in ("envs/dev", "envs/prod"):
        root = tf_module(env)
        assert root.modules["stack"]["repo_root"] == "${local.repo_root}"
        assert root.locals["repo_root"] == '${abspath("${path.root}/../../..")}'


def test_one_lambda_per_function_via_for_each(tf_module, facts: dict[str, Any]) -> None:
    pipeline = tf_module("modules/pipeline")
    assert pipeline.resources["aws_lambda_function.this"]["for_each"] == "${var.functions}"
    call = tf_module("modules/stack").modules["pipeline"]
    assert call["functions"] == "${local.facts.functions}"
    for per_function in ("aws_iam_role.function", "aws_cloudwatch_log_group.function"):
        assert pipeline.resources[per_function]["for_each"] == "${var.functions}", per_function
    # Each attribute the Lambda reads from a function entry exists in every function of the facts.
    lambda_body = pipeline.resources["aws_lambda_function.this"]
    used = {m for v in lambda_body.values() for m in re.findall(r"each\.value\.(\w+)", str(v))}
    assert used, "the Lambda reads nothing from the functions of the facts"
    for name, spec in facts["functions"].items():
        assert used <= set(spec), f"function {name} lacks {used - set(spec)}"


def test_no_fact_is_hand_copied_into_terraform(
    tf_dirs: dict[Any, TfDir], facts: dict[str, Any]
) -> None:
    copied = {spec["handler"] for spec in facts["functions"].values()}
    table = facts["source_table"]
    index = table["modified_index"]
    copied |= {
        table["hash_key"]["name"],
        index["name"],
        index["partition_key"]["name"],
        index["sort_key"]["name"],
        facts["batch_notification"]["suffix"],
        facts["state_machine"]["definition_template"],
        facts["metrics_namespace"],
        facts["functions_environment"]["POWERTOOLS_SERVICE_NAME"]["value"],
    }
    found = [
        f"{tf_dir.name}: {fact!r} in {text[:80]!r}"
        for tf_dir in tf_dirs.values()
        for text in tf_dir.strings()
        for fact in copied
        if fact in text
    ]
    assert not found, "\n".join(found)


def test_table_key_schema_and_index_come_from_facts(tf_module) -> None:
    table = tf_module("modules/source_table").resources["aws_dynamodb_table.source"]
    assert table["hash_key"] == "${var.table.hash_key.name}"
    index = table["global_secondary_index"][0]
    assert index["hash_key"] == "${local.index.partition_key.name}"
    assert index["range_key"] == "${local.index.sort_key.name}"
    assert table["point_in_time_recovery"][0]["enabled"] is True
    assert table["server_side_encryption"][0]["enabled"] is True
    assert tf_module("modules/stack").modules["source_table"]["table"] == (
        "${local.facts.source_table}"
    )


def test_batch_notification_filter_comes_from_facts(tf_module, facts: dict[str, Any]) -> None:
    notification = facts["batch_notification"]
    assert notification["suffix"] == facts["silver_layout"]["batch_summary_name"]
    assert notification["suffix"] == "_batch.json"
    assert notification["bucket"] in facts["buckets"]
    assert notification["function"] in facts["functions"]
    pipeline = tf_module("modules/pipeline")
    rule = pipeline.resources["aws_s3_bucket_notification.batch_trigger"]["lambda_function"][0]
    assert rule["filter_suffix"] == "${var.batch_notification.suffix}"
    assert rule["filter_prefix"] == "${var.batch_notification.prefix}"
    assert rule["lambda_function_arn"] == (
        "${aws_lambda_function.this[var.batch_notification.function].arn}"
    )
    assert [unquote(e) for e in rule["events"]] == ["s3:ObjectCreated:*"]
    call = tf_module("modules/stack").modules["pipeline"]
    assert call["batch_notification"] == "${local.facts.batch_notification}"


def test_buckets_come_from_facts(tf_module) -> None:
    lake = tf_module("modules/data_lake")
    assert lake.resources["aws_s3_bucket.lake"]["for_each"] == "${local.bucket_names}"
    assert tf_module("modules/stack").modules["data_lake"]["buckets"] == ("${local.facts.buckets}")


def test_every_access_capability_has_iam_statements(tf_module, facts: dict[str, Any]) -> None:
    capabilities = tf_module("modules/pipeline").locals["capability_statements"]
    for name, spec in facts["functions"].items():
        unknown = set(spec["access"]) - set(capabilities)
        assert not unknown, f"function {name}: no IAM mapping for {sorted(unknown)}"


def test_every_environment_reference_kind_resolves(tf_module, facts: dict[str, Any]) -> None:
    kinds = set(tf_module("modules/pipeline").locals["reference_values"]) | {"value"}
    refs = [facts.get("functions_environment", {})] + [
        spec.get("environment", {}) for spec in facts["functions"].values()
    ]
    for environment in refs:
        for variable, reference in environment.items():
            assert len(reference) == 1, f"{variable}: one reference per variable"
            ((kind, key),) = reference.items()
            assert kind in kinds, f"{variable}: Terraform cannot resolve {kind!r}"
            tables = {
                "setting": facts["settings"],
                "bucket": facts["buckets"],
                "topic": {facts["alerts_topic"]["name"]: 1},
                "state_machine": {facts["state_machine"]["name"]: 1},
                "notification": facts["batch_notification"],
                "silver_layout": facts["silver_layout"],
            }
            if kind != "value":
                assert key in tables[kind], f"{variable}: {kind} {key!r} is not in resources.json"


def test_template_variables_name_existing_functions_and_settings(facts: dict[str, Any]) -> None:
    for name, source in facts["state_machine"]["template_variables"].items():
        assert len(source) == 1, name
        ((kind, key),) = source.items()
        assert kind in {"function", "setting"}, name
        table = facts["functions"] if kind == "function" else facts["settings"]
        assert key in table, f"{name}: {kind} {key!r} is not in resources.json"


def test_terraform_fills_exactly_the_template_variables_of_the_facts(tf_module) -> None:
    pipeline = tf_module("modules/pipeline")
    machine = pipeline.resources["aws_sfn_state_machine.load"]
    assert "templatefile(var.state_machine.template_path" in machine["definition"]
    assert "local.state_machine_template_values" in machine["definition"]
    values = pipeline.locals["state_machine_template_values"]
    assert "for name, variable in var.state_machine.template_variables" in values
    call = tf_module("modules/stack").modules["pipeline"]["state_machine"]
    assert call["template_variables"] == "${local.facts.state_machine.template_variables}"
    assert "local.facts.state_machine.definition_template" in call["template_path"]


def test_asl_placeholders_match_template_variables_of_the_facts(facts: dict[str, Any]) -> None:
    placeholders = set(PLACEHOLDER.findall(asl_template(facts)))
    declared = set(facts["state_machine"]["template_variables"])
    assert placeholders == declared, (
        f"only in the ASL: {sorted(placeholders - declared)}; "
        f"only in resources.json: {sorted(declared - placeholders)}"
    )


def test_asl_uses_no_terraform_template_directives(facts: dict[str, Any]) -> None:
    text = asl_template(facts)
    assert "%{" not in text, "templatefile() would read %{ as a directive"
    assert not re.search(r"\$\{(?![A-Za-z0-9_]+\})", text), "non-placeholder ${ in the ASL"


def test_state_machine_invokes_only_template_functions(tf_module, facts: dict[str, Any]) -> None:
    asl = asl_template(facts)
    pipeline = tf_module("modules/pipeline")
    assert "var.state_machine.template_variables" in pipeline.locals["state_machine_functions"]
    statement = pipeline.data["aws_iam_policy_document.state_machine"]["statement"][0]
    assert statement["resources"] == (
        "${flatten([for name in local.state_machine_functions : "
        '[aws_lambda_function.this[name].arn, "${aws_lambda_function.this[name].arn}:*"]])}'
    )
    # Every Lambda the ASL calls is one of the resources.json template functions.
    arn_placeholders = {p for p in PLACEHOLDER.findall(asl) if p.endswith("_function_arn")}
    for placeholder in arn_placeholders:
        assert "function" in facts["state_machine"]["template_variables"][placeholder]


def test_settings_have_numbers_terraform_can_type(facts: dict[str, Any]) -> None:
    settings = {k: v for k, v in facts["settings"].items() if not k.startswith("_")}
    assert all(isinstance(v, int | float) for v in settings.values()), settings
    assert (FACTS_DIR / "resources.json").exists()


def test_asl_renders_with_terraform_values_and_calls_only_functions_of_the_facts(
    facts: dict[str, Any],
) -> None:
    """Render the ASL as templatefile() would (function ARNs, settings as numbers)."""
    text = asl_template(facts)
    arns = {}
    values = {}
    for name, source in facts["state_machine"]["template_variables"].items():
        if "function" in source:
            arn = f"arn:aws:lambda:us-east-1:123456789012:function:hca-dev-{source['function']}"
            arns[name] = arn
            values[name] = arn
        else:
            values[name] = str(facts["settings"][source["setting"]])
    definition = json.loads(PLACEHOLDER.sub(lambda m: values[m.group(1)], text))
    resources = {
        s.get("Parameters", {}).get("FunctionName") or s.get("Resource")
        for s in definition["States"].values()
        if s.get("Type") == "Task"
    }
    lambda_arns = {r for r in resources if r and ":function:" in r}
    assert lambda_arns, "no Lambda task in the ASL"
    assert lambda_arns <= set(arns.values()), lambda_arns - set(arns.values())
