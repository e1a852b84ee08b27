"""The Glue job's arguments against the Spark code it runs (spark/)."""

from __future__ import annotations

import re

import pytest
from tf_model import REPO, unquote

pytestmark = pytest.mark.terraform

SPARK_MAIN = REPO / "spark" / "treatment_jobs" / "main.py"
GLUE_ENTRY = REPO / "spark" / "glue_job.py"


@pytest.fixture(scope="module")
def job_arguments(tf_module) -> dict[str, str]:
    job = tf_module("modules/spark_job").resources["aws_glue_job.treatment_jobs"]
    text = job["default_arguments"]
    return dict(re.findall(r'"(--[\w-]+)"\s*=\s*("[^"]*"|[^,}\n]+)', text))


def test_glue_5_job_one_run_at_a_time_with_security_configuration(tf_module) -> None:
    job = tf_module("modules/spark_job").resources["aws_glue_job.treatment_jobs"]
    assert unquote(job["glue_version"]) == "5.0"
    assert job["execution_property"][0]["max_concurrent_runs"] == 1
    assert job["security_configuration"] == "${aws_glue_security_configuration.this.name}"
    trigger = tf_module("modules/spark_job").resources["aws_glue_trigger.schedule"]
    assert unquote(trigger["type"]) == "SCHEDULED"


def test_job_arguments_are_options_of_the_spark_cli(job_arguments: dict[str, str]) -> None:
    """Our underscore arguments are treatment_jobs.main options with hyphens (glue_job.py
    reads them with getResolvedOptions and hands them to main); Glue's own keep hyphens."""
    assert job_arguments, "no default_arguments parsed"
    cli = SPARK_MAIN.read_text()
    required = {
        "--stage",
        "--table",
        "--index",
        "--silver_bucket",
        "--bronze_root",
        "--silver_root",
    }
    assert required <= set(job_arguments), required - set(job_arguments)
    for name in sorted(set(job_arguments) - {"--stage"}):
        if name in {"--table", "--index"} or "_" in name:
            option = name.replace("_", "-")
            assert f'"{option}"' in cli, f"{name}: treatment_jobs.main has no {option}"
    stage = unquote(job_arguments["--stage"])
    assert re.search(rf'STAGES = \(.*"{stage}"', cli), f"unknown stage {stage}"


def test_glue_entry_script_exists() -> None:
    if not GLUE_ENTRY.exists():
        pytest.skip("spark/glue_job.py not written yet (the Spark area owns it)")
    text = GLUE_ENTRY.read_text()
    assert "getResolvedOptions" in text or "argv" in text


def test_glue_installs_the_pinned_packages_glue_lacks(tf_module) -> None:
    """Glue 5.0 brings boto3 and pyarrow; what else treatment_jobs imports is installed at start
    with the same pins as requirements.txt (msgspec: the extract's item split; rich: output)."""
    default = unquote(
        tf_module("modules/spark_job").variables["additional_python_modules"]["default"]
    )
    installed = dict(spec.split("==") for spec in default.split(","))
    pins = dict(
        re.findall(r"^([A-Za-z0-9_.-]+)==(\S+)$", (REPO / "requirements.txt").read_text(), re.M)
    )
    assert set(installed) >= {"msgspec", "rich"}
    assert {name: pins.get(name) for name in installed} == installed
