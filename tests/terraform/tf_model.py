"""A small read-only model of terraform/ built with python-hcl2: every directory of .tf files
(a Terraform module or root) with its variables, outputs, locals, module calls, resources and
data sources, plus the references its expressions make. Used by the terraform tests only."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import hcl2

REPO = Path(__file__).resolve().parents[2]
TERRAFORM = REPO / "terraform"
FACTS_DIR = REPO / "facts"

# var.x / local.x / module.x.y as they appear inside ${...} expressions.
VAR_REF = re.compile(r"(?<![\w.])var\.([A-Za-z_][\w-]*)")
LOCAL_REF = re.compile(r"(?<![\w.])local\.([A-Za-z_][\w-]*)")
MODULE_REF = re.compile(r"(?<![\w.])module\.([A-Za-z_][\w-]*)\.([A-Za-z_][\w-]*)")
HIDDEN = {".terraform", ".build"}


def unquote(value: Any) -> Any:
    """python-hcl2 keeps the quotes of string literals and labels: '"x"' -> 'x'."""
    if isinstance(value, str) and len(value) >= 2 and value[0] == value[-1] == '"':
        return value[1:-1]
    return value


def is_literal(value: Any) -> bool:
    """A quoted string literal without interpolation."""
    return isinstance(value, str) and value.startswith('"') and "${" not in value


def walk_strings(node: Any) -> Iterator[str]:
    """Every string (values and keys) in a parsed structure."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "__comments__":
                continue
            yield key
            yield from walk_strings(value)
    elif isinstance(node, list):
        for item in node:
            yield from walk_strings(item)
    elif isinstance(node, str):
        yield node


def walk_dicts(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        yield node
        for key, value in node.items():
            if key != "__comments__":
                yield from walk_dicts(value)
    elif isinstance(node, list):
        for item in node:
            yield from walk_dicts(item)


@dataclass
class TfDir:
    """One directory of .tf files, i.e. one Terraform module or root."""

    path: Path
    files: dict[Path, dict[str, Any]] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return str(self.path.relative_to(TERRAFORM))

    def blocks(self, kind: str) -> Iterator[tuple[Path, dict[str, Any]]]:
        for file, parsed in self.files.items():
            for block in parsed.get(kind, []):
                yield file, block

    def labelled(self, kind: str) -> dict[str, dict[str, Any]]:
        """variable / output / module blocks: label => body."""
        return {
            unquote(label): body for _, block in self.blocks(kind) for label, body in block.items()
        }

    def typed(self, kind: str) -> dict[str, dict[str, Any]]:
        """resource / data blocks: 'type.name' => body."""
        found: dict[str, dict[str, Any]] = {}
        for _, block in self.blocks(kind):
            for type_label, named in block.items():
                for name_label, body in named.items():
                    found[f"{unquote(type_label)}.{unquote(name_label)}"] = body
        return found

    @property
    def variables(self) -> dict[str, dict[str, Any]]:
        return self.labelled("variable")

    @property
    def outputs(self) -> dict[str, dict[str, Any]]:
        return self.labelled("output")

    @property
    def modules(self) -> dict[str, dict[str, Any]]:
        return self.labelled("module")

    @property
    def resources(self) -> dict[str, dict[str, Any]]:
        return self.typed("resource")

    @property
    def data(self) -> dict[str, dict[str, Any]]:
        return self.typed("data")

    @property
    def locals(self) -> dict[str, Any]:
        merged: dict[str, Any] = {}
        for _, block in self.blocks("locals"):
            merged.update({k: v for k, v in block.items() if k != "__comments__"})
        return merged

    def strings(self) -> Iterator[str]:
        for parsed in self.files.values():
            yield from walk_strings(parsed)

    def references(self, pattern: re.Pattern[str]) -> set[tuple[str, ...]]:
        found: set[tuple[str, ...]] = set()
        for text in self.strings():
            for match in pattern.finditer(text):
                found.add(match.groups())
        return found

    def module_dir(self, call: str) -> Path:
        return (self.path / unquote(self.modules[call]["source"])).resolve()


def tf_files() -> list[Path]:
    return sorted(
        p
        for p in TERRAFORM.rglob("*.tf")
        if not HIDDEN.intersection(p.relative_to(TERRAFORM).parts)
    )


def load_dirs() -> dict[Path, TfDir]:
    dirs: dict[Path, TfDir] = {}
    for file in tf_files():
        with file.open() as handle:
            parsed = hcl2.load(handle)
        dirs.setdefault(file.parent.resolve(), TfDir(file.parent.resolve())).files[file] = parsed
    return dirs
