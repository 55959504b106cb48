"""infra/ against Azure's generated resource types (tests/infra/bicep_types.py): zero findings, and the check
finds what it claims to find."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.infra import bicep as b
from tests.infra import bicep_types as bt


@pytest.mark.parametrize("path", b.bicep_files(), ids=lambda p: str(p.relative_to(b.INFRA)))
def test_infra_matches_the_azure_resource_types(path: Path):
    checker = bt.Checker(bt.parse(path.read_text()), path.name)
    assert [str(f) for f in checker.check()] == []


def test_the_type_check_covers_every_resource_and_its_properties():
    resources, paths = 0, 0
    for path in b.bicep_files():
        checker = bt.Checker(bt.parse(path.read_text()), path.name)
        checker.check()
        resources += len(checker.template.resources)
        paths += len(checker.checked)
    assert resources >= 23
    assert paths >= 150


def test_module_calls_pass_existing_parameters_and_allowed_values():
    assert [str(f) for f in bt.check_module_calls(b.MAIN)] == []


def test_every_type_file_the_check_needs_is_there():
    for path in bt.TYPE_ROOTS:
        assert any(path.glob("*/*/*/types.json")), path


STORAGE = """
@allowed([
  'Standard_LRS'
  'Standard_ZRS'
])
param skuName string = 'Standard_ZRS'
param private bool = false

resource account 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: 'stexample'
  location: 'westeurope'
  kind: 'StorageV2'
  sku: {
    name: skuName
  }
  properties: {
    minimumTlsVersion: 'TLS1_2'
    publicNetworkAccess: private ? 'Disabled' : 'Enabled'
    networkAcls: {
      defaultAction: 'Allow'
    }
  }
}

resource containers 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = [for n in ['a']: {
  name: 'default/${n}'
  properties: {
    publicAccess: 'None'
  }
}]
"""

BROKEN = {
    "wrong property": ("    minimumTlsVersion: 'TLS1_2'\n", "    minimumTlsVersions: 'TLS1_2'\n", "no such property"),
    "read-only property": (
        "    minimumTlsVersion: 'TLS1_2'\n",
        "    minimumTlsVersion: 'TLS1_2'\n    provisioningState: 'Succeeded'\n",
        "read-only",
    ),
    "bad enum": ("defaultAction: 'Allow'", "defaultAction: 'Block'", "'Block' is not allowed"),
    "bad enum in a ternary branch": ("'Disabled' : 'Enabled'", "'Disabled' : 'Open'", "'Open' is not allowed"),
    "bad enum in a loop body": ("publicAccess: 'None'", "publicAccess: 'Private'", "'Private' is not allowed"),
    "unknown api version": ("storageAccounts@2023-05-01' = {", "storageAccounts@2023-05-02' = {", "unknown resource"),
    "unknown resource type": ("storageAccounts@2023-05-01' = {", "storageAcounts@2023-05-01' = {", "unknown resource"),
    "allowed value the type refuses": ("  'Standard_ZRS'\n])", "  'Standard_XRS'\n])", "(@allowed of skuName)"),
    "wrong literal type": ("minimumTlsVersion: 'TLS1_2'", "minimumTlsVersion: true", "True is not allowed"),
    "missing required property": ("  kind: 'StorageV2'\n", "", "required property is missing"),
}


def test_the_valid_snippet_has_no_findings():
    assert bt.check_source(STORAGE) == []


@pytest.mark.parametrize(("old", "new", "expected"), BROKEN.values(), ids=BROKEN.keys())
def test_broken_snippets_are_caught(old: str, new: str, expected: str):
    assert old in STORAGE
    findings = [str(f) for f in bt.check_source(STORAGE.replace(old, new, 1))]
    assert any(expected in f for f in findings), findings


def test_a_parameter_default_flows_into_the_check():
    source = STORAGE.replace("minimumTlsVersion: 'TLS1_2'", "minimumTlsVersion: tls")
    assert bt.check_source("param tls string = 'TLS1_2'\n" + source) == []
    findings = [str(f) for f in bt.check_source("param tls string = 'TLS9'\n" + source)]
    assert any("(default of tls): 'TLS9' is not allowed" in f for f in findings), findings


def test_module_call_with_a_value_the_module_does_not_allow(tmp_path: Path):
    (tmp_path / "mod.bicep").write_text("@allowed([\n  'Standard_ZRS'\n])\nparam skuName string\n")
    main = tmp_path / "main.bicep"
    main.write_text(
        "@allowed([\n  'Standard_ZRS'\n  'Standard_LRS'\n])\nparam storageSku string = 'Standard_ZRS'\n"
        "module m 'mod.bicep' = {\n  name: 'm'\n  params: {\n    skuName: storageSku\n    typo: 1\n  }\n}\n"
    )
    findings = [str(f) for f in bt.check_module_calls(main)]
    assert any("'Standard_LRS' not in the module's @allowed" in f for f in findings), findings
    assert any("has no parameter 'typo'" in f for f in findings), findings


def test_lexically_broken_source_is_refused():
    with pytest.raises(bt.ParseError, match="BCP001"):
        bt.parse("resource a 'Microsoft.Storage/storageAccounts@2023-05-01' = {\n  #checkov:skip=X\n}\n")


def test_private_variant_passes_the_lexical_gate_and_the_type_check(tmp_path: Path):
    from tests.infra import bicep_lexer as lx

    root = b.render_private_variant(tmp_path)
    for path in sorted(root.rglob("*.bicep")):
        text = path.read_text()
        assert lx.findings(text) == [], path.name
        assert [str(f) for f in bt.Checker(bt.parse(text), path.name).check()] == []
    assert [str(f) for f in bt.check_module_calls(root / "main.bicep")] == []
    # the rendering did take the private branch
    storage = (root / "modules" / "storage.bicep").read_text()
    assert "publicNetworkAccess: 'Disabled'" in storage and "defaultAction: 'Deny'" in storage
    assert "param privateNetworking bool = true" in (root / "main.bicep").read_text()


@pytest.mark.parametrize("module", ["storage", "keyvault"])
def test_network_switches_are_literal_ternaries_the_rendering_understands(module: str):
    text = (b.MODULES / f"{module}.bicep").read_text()
    uses = text.count("privateNetworking ?")
    assert uses == 2 and len(b.PRIVATE_TERNARY.findall(text)) == uses
