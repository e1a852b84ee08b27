"""Structure of terraform/: every file parses, every variable is typed and described, every
module input and output reference exists, providers are pinned, envs hold no resources."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import hcl2
import pytest
from tf_model import LOCAL_REF, MODULE_REF, TERRAFORM, VAR_REF, TfDir, tf_files, unquote

pytestmark = pytest.mark.terraform

EXACT_VERSION = re.compile(r"^\d+\.\d+\.\d+$")
ENVS = ["envs/dev", "envs/prod"]
CONCERNS = ["source_table", "data_lake", "pipeline", "warehouse", "spark_job", "observability"]


@pytest.mark.parametrize("path", tf_files(), ids=lambda p: str(p.relative_to(TERRAFORM)))
def test_every_tf_file_parses(path: Path) -> None:
    with path.open() as handle:
        assert hcl2.load(handle), f"{path} parsed to nothing"


def test_modules_by_concern_exist(tf_module) -> None:
    for concern in CONCERNS:
        module = tf_module(f"modules/{concern}")
        assert module.resources, f"modules/{concern} defines no resources"
        assert module.variables and module.outputs


def test_every_variable_is_typed_and_described(tf_dirs: dict[Path, TfDir]) -> None:
    problems = []
    for tf_dir in tf_dirs.values():
        for name, body in tf_dir.variables.items():
            if not body.get("type"):
                problems.append(f"{tf_dir.name}: variable {name} has no type")
            if len(unquote(body.get("description", "")).strip()) < 5:
                problems.append(f"{tf_dir.name}: variable {name} has no description")
    assert not problems, "\n".join(problems)


def test_every_output_is_described(tf_dirs: dict[Path, TfDir]) -> None:
    missing = [
        f"{tf_dir.name}: output {name}"
        for tf_dir in tf_dirs.values()
        for name, body in tf_dir.outputs.items()
        if not unquote(body.get("description", "")).strip()
    ]
    assert not missing, missing


def test_every_module_input_exists_and_required_inputs_are_given(
    tf_dirs: dict[Path, TfDir],
) -> None:
    problems = []
    meta = {
        "source",
        "version",
        "providers",
        "depends_on",
        "count",
        "for_each",
        "__is_block__",
        "__comments__",
    }
    for tf_dir in tf_dirs.values():
        for call, body in tf_dir.modules.items():
            target = tf_dirs.get(tf_dir.module_dir(call))
            if target is None:
                problems.append(f"{tf_dir.name}: module {call} source has no .tf files")
                continue
            given = set(body) - meta
            declared = target.variables
            for unknown in sorted(given - set(declared)):
                problems.append(f"{tf_dir.name}: module {call} passes unknown input {unknown}")
            for required in sorted(n for n, v in declared.items() if "default" not in v):
                if required not in given:
                    problems.append(f"{tf_dir.name}: module {call} misses input {required}")
    assert not problems, "\n".join(problems)


def test_every_module_output_reference_exists(tf_dirs: dict[Path, TfDir]) -> None:
    problems = []
    for tf_dir in tf_dirs.values():
        for call, output in sorted(tf_dir.references(MODULE_REF)):
            if call not in tf_dir.modules:
                problems.append(f"{tf_dir.name}: module.{call} is not called here")
                continue
            target = tf_dirs[tf_dir.module_dir(call)]
            if output not in target.outputs:
                problems.append(f"{tf_dir.name}: module.{call}.{output} is not an output")
    assert not problems, "\n".join(problems)


def test_every_var_and_local_reference_is_declared(tf_dirs: dict[Path, TfDir]) -> None:
    problems = []
    for tf_dir in tf_dirs.values():
        for (name,) in sorted(tf_dir.references(VAR_REF)):
            if name not in tf_dir.variables:
                problems.append(f"{tf_dir.name}: var.{name} is not declared")
        for (name,) in sorted(tf_dir.references(LOCAL_REF)):
            if name not in tf_dir.locals:
                problems.append(f"{tf_dir.name}: local.{name} is not defined")
    assert not problems, "\n".join(problems)


def test_every_declared_variable_is_used(tf_dirs: dict[Path, TfDir]) -> None:
    unused = [
        f"{tf_dir.name}: var.{name}"
        for tf_dir in tf_dirs.values()
        for name in tf_dir.variables
        if (name,) not in tf_dir.references(VAR_REF)
    ]
    assert not unused, unused


def test_providers_are_pinned_exactly_and_identically(tf_dirs: dict[Path, TfDir]) -> None:
    versions: dict[str, set[str]] = {}
    for tf_dir in tf_dirs.values():
        for _, block in tf_dir.blocks("terraform"):
            for required in block.get("required_providers", []):
                for name, spec in required.items():
                    if name == "__is_block__":
                        continue
                    version = unquote(spec["version"])
                    assert EXACT_VERSION.match(version), f"{tf_dir.name}: {name} {version!r}"
                    versions.setdefault(name, set()).add(version)
    assert versions.get("aws"), "no aws provider pinned"
    assert all(len(v) == 1 for v in versions.values()), versions


def test_envs_hold_no_resources_and_use_a_locked_s3_backend(tf_module) -> None:
    for env in ENVS:
        root = tf_module(env)
        assert not root.resources and not root.data, f"{env} declares its own resources"
        assert list(root.modules) == ["stack"], f"{env} should only call modules/stack"
        backends = [b for _, blk in root.blocks("terraform") for b in blk.get("backend", [])]
        assert len(backends) == 1 and '"s3"' in backends[0], backends
        s3 = backends[0]['"s3"']
        assert s3.get("use_lockfile") is True and s3.get("encrypt") is True, s3
        assert unquote(s3["key"]).startswith(env.split("/")[1] + "/")


def test_no_registry_modules(tf_dirs: dict[Path, TfDir]) -> None:
    for tf_dir in tf_dirs.values():
        for call, body in tf_dir.modules.items():
            assert unquote(body["source"]).startswith("../"), f"{tf_dir.name}: {call}"


@pytest.mark.skipif(shutil.which("terraform") is None, reason="terraform binary not installed")
def test_terraform_fmt_is_clean() -> None:
    result = subprocess.run(
        ["terraform", "fmt", "-check", "-recursive", "-list=true", str(TERRAFORM)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, f"not formatted: {result.stdout}{result.stderr}"


RESOURCE_REF = re.compile(r"(?<![\w.\"/:-])(data\.[a-z0-9_]+|aws_[a-z0-9_]+)\.([A-Za-z_][\w-]*)")


def test_every_resource_and_data_reference_is_declared(tf_dirs: dict[Path, TfDir]) -> None:
    """What `terraform validate` would catch first: a reference to a block that is not there."""
    problems = []
    for tf_dir in tf_dirs.values():
        declared = set(tf_dir.resources) | {f"data.{name}" for name in tf_dir.data}
        references = tf_dir.references(RESOURCE_REF)
        assert references or not declared, f"{tf_dir.name}: no references found"
        for kind, name in sorted(references):
            if kind.startswith("data."):
                # data.<type>.<name>: the regex stops after the type; read the name from the text.
                continue
            if f"{kind}.{name}" not in declared:
                problems.append(f"{tf_dir.name}: {kind}.{name} is not declared")
        for text in tf_dir.strings():
            for data_type, data_name in re.findall(
                r"\bdata\.([a-z0-9_]+)\.([A-Za-z_][\w-]*)", text
            ):
                if f"data.{data_type}.{data_name}" not in declared:
                    problems.append(f"{tf_dir.name}: data.{data_type}.{data_name} is not declared")
    assert not problems, "\n".join(sorted(set(problems)))
