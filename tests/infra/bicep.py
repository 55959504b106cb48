"""Reading infra/: Bicep files through pycep-parser (the syntax gate) and the parameters example."""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import Any

from pycep import BicepParser

ROOT = Path(__file__).resolve().parents[2]
INFRA = ROOT / "infra"
MAIN = INFRA / "main.bicep"
MODULES = INFRA / "modules"
PARAMETERS_EXAMPLE = INFRA / "main.parameters.example.json"


def bicep_files() -> list[Path]:
    return sorted(INFRA.rglob("*.bicep"))


@cache
def _parser() -> BicepParser:
    return BicepParser()


def parse_text(text: str) -> dict[str, Any]:
    """Parse Bicep source; raises (lark UnexpectedInput / ValueError) when the syntax is wrong."""
    return _parser().parse(text=text)


@cache
def parse(path: Path) -> dict[str, Any]:
    return parse_text(path.read_text())


def module(name: str) -> dict[str, Any]:
    return parse(MODULES / f"{name}.bicep")


def text(path: Path) -> str:
    return path.read_text()


def resources_of_type(doc: dict[str, Any], resource_type: str) -> dict[str, dict[str, Any]]:
    return {name: r for name, r in doc.get("resources", {}).items() if r["type"] == resource_type}


def variable(doc: dict[str, Any], name: str) -> Any:
    return doc["variables"][name]["value"]


@cache
def parameters_example() -> dict[str, Any]:
    data = json.loads(PARAMETERS_EXAMPLE.read_text())
    return {name: entry["value"] for name, entry in data["parameters"].items()}


def string_defaults(doc: dict[str, Any]) -> dict[str, Any]:
    return {name: p.get("default") for name, p in doc.get("parameters", {}).items()}


KEY_VAULT_SECRET_NAME = re.compile(r"^[0-9A-Za-z-]{1,127}$")
APP_SETTING_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


# ---------------------------------------------------------------- the private-networking variant, for static tools

PRIVATE_ONLY_MARKER = "(privateNetworking=false)"  # in the reason of a skip that only the public variant needs
PRIVATE_TERNARY = re.compile(r"privateNetworking \? ('[^'\n]*') : ('[^'\n]*')")


def render_private_variant(dest: Path) -> Path:
    """A copy of infra/ as deployed with privateNetworking=true, for tools that read files, not deployments.

    checkov takes a parameter's default for a bare reference but does not evaluate `c ? a : b`, and it reads each
    file on its own. So the copy sets every `privateNetworking` default to true, replaces each
    `privateNetworking ? '<a>' : '<b>'` by '<a>', and drops the skip comments that exist only for public endpoints.
    """
    for source in bicep_files():
        target = dest / source.relative_to(INFRA)
        target.parent.mkdir(parents=True, exist_ok=True)
        text = source.read_text().replace("param privateNetworking bool = false", "param privateNetworking bool = true")
        text = PRIVATE_TERNARY.sub(r"\1", text)
        text = "".join(line for line in text.splitlines(True) if PRIVATE_ONLY_MARKER not in line)
        target.write_text(text)
    return dest
