"""infra/: every Bicep file parses, and the templates create what the app uses, the way it needs it.

pycep-parser reads the templates into dicts for the tests below (names, settings, security properties). It is
more lenient than the Bicep compiler (it accepts `#checkov:skip=` lines, BCP001 in Bicep), so the syntax gate
proper is the lexical gate in test_bicep_lexer.py; test_bicep_types.py checks the templates against Azure's
resource types. checkov exits 0 on parse errors, so it is neither.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

import pytest

from core.state import names
from tests.infra import bicep as b

# ---------------------------------------------------------------- syntax gate


@pytest.mark.parametrize("path", b.bicep_files(), ids=lambda p: str(p.relative_to(b.INFRA)))
def test_every_bicep_file_parses(path: Path):
    doc = b.parse(path)
    assert doc["parameters"] or doc.get("resources") or doc.get("modules")


def test_infra_has_main_and_modules():
    found = {p.relative_to(b.INFRA).as_posix() for p in b.bicep_files()}
    assert {
        "main.bicep",
        "modules/storage.bicep",
        "modules/functionapp.bicep",
        "modules/keyvault.bicep",
        "modules/monitoring.bicep",
        "modules/identity.bicep",
        "modules/alerts.bicep",
    } <= found


BROKEN = {
    "unclosed resource": "resource sa 'Microsoft.Storage/storageAccounts@2023-05-01' = {\n  name: 'x'\n",
    "missing equals": "resource sa 'Microsoft.Storage/storageAccounts@2023-05-01' {\n  name: 'x'\n}\n",
    "unterminated string": "param location string = 'westeurope\n",
    "unbalanced array": "var queues = [\n  'orders-import'\n\n",
    "parameter without type": "param location = 'westeurope'\n",
}


@pytest.mark.parametrize("source", BROKEN.values(), ids=BROKEN.keys())
def test_syntax_gate_rejects_broken_bicep(source: str):
    with pytest.raises(Exception) as err:  # lark raises UnexpectedInput subclasses, pycep ValueError
        b.parse_text(source)
    assert not isinstance(err.value, AssertionError)


def test_syntax_gate_accepts_the_fixed_version_of_a_broken_snippet():
    fixed = "resource sa 'Microsoft.Storage/storageAccounts@2023-05-01' = {\n  name: 'x'\n}\n"
    assert b.parse_text(fixed)["resources"]["sa"]["type"] == "Microsoft.Storage/storageAccounts"


def test_main_uses_every_module_and_only_existing_ones():
    used = {m["detail"]["path"] for m in b.parse(b.MAIN)["modules"].values()}
    on_disk = {p.relative_to(b.INFRA).as_posix() for p in b.MODULES.glob("*.bicep")}
    assert used == on_disk


# ---------------------------------------------------------------- storage names (core/state/names.py)


def test_queues_and_poison_queues_match_core_state_names():
    main = b.parse(b.MAIN)
    expected = set(names.QUEUES) | {names.poison_queue(q) for q in names.QUEUES}
    assert set(b.variable(main, "queueNames")) == expected


def test_tables_match_core_state_names():
    assert set(b.variable(b.parse(b.MAIN), "tableNames")) == set(names.TABLES)


def test_containers_match_core_state_names():
    assert set(b.variable(b.parse(b.MAIN), "containerNames")) == set(names.CONTAINERS)


def test_storage_module_creates_every_name_main_passes():
    main_storage = b.parse(b.MAIN)["modules"]["storage"]["config"]["params"]
    for param in ("queueNames", "tableNames", "containerNames", "deploymentContainerName"):
        assert main_storage[param] == param
    loops = {
        r["type"].rsplit("/", 1)[-1]: r["config"]["loop_type"]["detail"]
        for r in b.module("storage")["resources"].values()
        if "loop_type" in r["config"]
    }
    assert loops["queues"]["array_name"] == "queueNames"
    assert loops["tables"]["array_name"] == "tableNames"
    # containers loop over the app's containers plus the deployment container
    assert "containerNames" in b.text(b.MODULES / "storage.bicep").split("resource containers", 1)[1].split("\n")[0]


def test_storage_account_is_identity_only_and_encrypted_in_transit():
    account = b.resources_of_type(b.module("storage"), "Microsoft.Storage/storageAccounts")["account"]
    props = account["config"]["properties"]
    assert props["allowSharedKeyAccess"] is False
    assert props["allowBlobPublicAccess"] is False
    assert props["minimumTlsVersion"] == "TLS1_2"
    assert props["supportsHttpsTrafficOnly"] is True
    containers = b.module("storage")["resources"]["containers"]["config"]["config"]
    assert containers["properties"]["publicAccess"] == "None"


# ---------------------------------------------------------------- function app


def _site() -> dict[str, Any]:
    return b.module("functionapp")["resources"]["site"]["config"]


def _app_settings() -> dict[str, Any]:
    return {s["name"]: s["value"] for s in b.variable(b.module("functionapp"), "baseAppSettings")}


def test_flex_consumption_plan_and_python_311():
    plan = b.module("functionapp")["resources"]["plan"]["config"]
    assert plan["sku"] == {"name": "FC1", "tier": "FlexConsumption"}
    fac = _site()["properties"]["functionAppConfig"]
    assert fac["runtime"] == {"name": "python", "version": "3.11"}
    assert fac["scaleAndConcurrency"]["maximumInstanceCount"] == "maximumInstanceCount"
    assert fac["scaleAndConcurrency"]["instanceMemoryMB"] == "instanceMemoryMB"
    storage = fac["deployment"]["storage"]
    assert storage["type"] == "blobContainer"
    assert storage["authentication"] == {
        "type": "UserAssignedIdentity",
        "userAssignedIdentityResourceId": "identityId",
    }


def test_concurrency_is_a_parameter_with_a_low_default():
    main = b.parse(b.MAIN)["parameters"]
    assert main["maximumInstanceCount"]["default"] <= 2  # BC: 5 concurrent requests per principal
    assert main["instanceMemoryMB"]["default"] in (512, 2048, 4096)


def test_site_uses_the_user_assigned_identity_for_key_vault_references():
    site = _site()
    assert site["identity"]["type"] == "UserAssigned"
    assert site["properties"]["keyVaultReferenceIdentity"] == "identityId"
    assert site["properties"]["httpsOnly"] is True
    assert site["properties"]["siteConfig"]["minTlsVersion"] == "1.2"
    # properties Flex Consumption rejects with ARM error 51021 (runtime/scale belong in functionAppConfig)
    rejected_on_flex = {
        "linuxFxVersion",
        "alwaysOn",
        "ftpsState",
        "use32BitWorkerProcess",
        "functionAppScaleLimit",
        "netFrameworkVersion",
        "preWarmedInstanceCount",
    }
    assert not rejected_on_flex & set(site["properties"]["siteConfig"])
    scm = b.module("functionapp")["resources"]["scmBasicAuth"]["config"]
    assert scm["name"] == "scm" and scm["properties"]["allow"] is False


def test_azure_web_jobs_storage_is_identity_based():
    settings = _app_settings()
    assert settings["AzureWebJobsStorage__credential"] == "managedidentity"
    assert settings["AzureWebJobsStorage__clientId"] == "identityClientId"
    for service in ("blob", "queue", "table"):
        assert settings[f"AzureWebJobsStorage__{service}ServiceUri"] == f"{service}Endpoint"
    # no connection string (it would need an account key)
    assert names.STORAGE_SETTING not in settings


def test_bridge_config_setting_points_at_the_packaged_toml():
    assert _app_settings()[names.CONFIG_SETTING] == "bridgeConfigPath"
    assert b.parse(b.MAIN)["parameters"]["bridgeConfigPath"]["default"] == "config/bridge.toml"


def test_application_insights_uses_entra_id_auth():
    assert _app_settings()["APPLICATIONINSIGHTS_AUTHENTICATION_STRING"] == (
        "ClientId=${identityClientId};Authorization=AAD"
    )
    appi = b.module("monitoring")["resources"]["appInsights"]["config"]["properties"]
    assert appi["DisableLocalAuth"] is True
    workspace = b.module("monitoring")["resources"]["workspace"]["config"]["properties"]
    assert workspace["features"]["disableLocalAuth"] is True


def test_secret_settings_become_key_vault_references():
    loop = b.variable(b.module("functionapp"), "secretReferenceSettings")
    assert loop["loop_type"]["detail"] == {"item_name": "secret", "array_name": "secretAppSettings"}
    assert loop["config"]["value"] == "@Microsoft.KeyVault(VaultName=${keyVaultName};SecretName=${secret.secretName})"
    setting_name = loop["config"]["name"]["operator"]["operands"]
    assert setting_name == {"operand_1": "secret", "operand_2": "settingName"}
    main = b.parse(b.MAIN)["modules"]["functionApp"]["config"]["params"]
    assert main["secretAppSettings"] == "secretAppSettings"


# ---------------------------------------------------------------- key vault and roles


def test_key_vault_is_rbac_with_soft_delete_and_purge_protection():
    props = b.module("keyvault")["resources"]["vault"]["config"]["properties"]
    assert props["enableRbacAuthorization"] is True
    assert props["enableSoftDelete"] is True
    assert props["enablePurgeProtection"] is True
    assert "accessPolicies" not in props


ROLE_IDS = {
    "b7e6dc6d-f1e8-4753-8033-0f276bb0955b": "Storage Blob Data Owner",
    "974c5e8b-45b9-4653-ba55-5f855dd0fb88": "Storage Queue Data Contributor",
    "0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3": "Storage Table Data Contributor",
    "4633458b-17de-408a-b874-0445c86b69e6": "Key Vault Secrets User",
    "b86a8fe4-44ce-4948-aee5-eccb2c155cd7": "Key Vault Secrets Officer",  # the admin only, optional
    "3913510d-42f4-4e42-8a64-420c390055eb": "Monitoring Metrics Publisher",
}
BROAD_ROLES = {
    "8e3af657-a8ff-443c-a75c-2fe8c4bcb635": "Owner",
    "b24988ac-6180-42a0-ab88-20f7382dd24c": "Contributor",
    "17d1049b-9a84-46fb-8f53-869881c3d3ab": "Storage Account Contributor",
    "00482a5a-887f-4fb3-b363-3b7fe8e74483": "Key Vault Administrator",
}


def _role_assignments() -> list[tuple[str, str, dict[str, Any]]]:
    found = []
    for path in b.MODULES.glob("*.bicep"):
        doc = b.parse(path)
        for res in b.resources_of_type(doc, "Microsoft.Authorization/roleAssignments").values():
            body = res["config"].get("config", res["config"])  # conditional resources nest their body
            role_var = body["properties"]["roleDefinitionId"]["function"]["parameters"]["resource_name_1"]
            found.append((path.stem, b.variable(doc, role_var), body))
    return found


def test_role_assignments_are_the_least_privilege_set():
    assignments = _role_assignments()
    used = {role for _, role, _ in assignments}
    assert used == set(ROLE_IDS), {ROLE_IDS.get(r, r) for r in used ^ set(ROLE_IDS)}
    assert not used & set(BROAD_ROLES)
    for module_name, role, body in assignments:
        # scoped to the one resource, never the resource group or subscription
        assert body["scope"] in {"account", "vault", "appInsights"}, (module_name, ROLE_IDS[role])


def test_app_identity_gets_exactly_the_roles_the_host_needs():
    app_roles = {
        ROLE_IDS[role]
        for _, role, body in _role_assignments()
        if body["properties"]["principalType"] == "ServicePrincipal"
    }
    assert app_roles == set(ROLE_IDS.values()) - {"Key Vault Secrets Officer"}


# ---------------------------------------------------------------- settings named by the integration config

CONFIG_EXAMPLE = b.ROOT / "config" / "example.toml"
# Used only while config/example.toml does not exist: the settings the parameters example provides.
FALLBACK_CONFIG_SETTINGS = {
    "BC_TENANT_ID",
    "BC_CLIENT_ID",
    "BC_CLIENT_SECRET",
    "SHOPIFY_DEMO_WEBHOOK_SECRET",
    "SHOPIFY_DEMO_API_TOKEN",
}


def _setting_values(node: Any) -> set[str]:
    found: set[str] = set()
    if isinstance(node, dict):
        for key, value in node.items():
            if key.endswith("_setting") and isinstance(value, str):
                found.add(value)
            else:
                found |= _setting_values(value)
    elif isinstance(node, list):
        for item in node:
            found |= _setting_values(item)
    return found


def config_settings() -> set[str]:
    if CONFIG_EXAMPLE.exists():
        return _setting_values(tomllib.loads(CONFIG_EXAMPLE.read_text()))
    return set(FALLBACK_CONFIG_SETTINGS)


def provided_settings() -> set[str]:
    params = b.parameters_example()
    main = b.string_defaults(b.parse(b.MAIN))
    provided = set(_app_settings())
    provided.add(params.get("bcTenantIdSetting", main["bcTenantIdSetting"]))
    provided.add(params.get("managedIdentityClientIdSetting", main["managedIdentityClientIdSetting"]))
    provided |= {s["settingName"] for s in params["secretAppSettings"]}
    provided |= set(params["plainAppSettings"])
    return provided


def test_config_example_is_read_when_present():
    settings = config_settings()
    assert settings, "no *_setting values found"
    if CONFIG_EXAMPLE.exists():
        assert "BC_TENANT_ID" in settings  # the [bc] tenant_id_setting


def test_every_setting_the_config_names_is_an_app_setting():
    missing = config_settings() - provided_settings()
    assert not missing, f"add these to secretAppSettings / plainAppSettings in the parameters: {sorted(missing)}"


def test_parameters_example_settings_are_well_formed_and_unique():
    params = b.parameters_example()
    secret = params["secretAppSettings"]
    for entry in secret:
        assert set(entry) == {"settingName", "secretName"}
        assert b.APP_SETTING_NAME.match(entry["settingName"]), entry
        assert b.KEY_VAULT_SECRET_NAME.match(entry["secretName"]), entry
    all_names = [e["settingName"] for e in secret] + list(params["plainAppSettings"]) + list(_app_settings())
    all_names += [params["bcTenantIdSetting"], params["managedIdentityClientIdSetting"]]
    duplicates = {n for n in all_names if all_names.count(n) > 1}
    assert not duplicates
    assert len({e["secretName"] for e in secret}) == len(secret)


def test_parameters_example_fits_the_template():
    declared = b.parse(b.MAIN)["parameters"]
    params = b.parameters_example()
    assert set(params) <= set(declared), set(params) - set(declared)
    required = {name for name, p in declared.items() if p.get("default") is None}
    assert required <= set(params), required - set(params)
    assert 1 <= params["maximumInstanceCount"] <= 1000
    assert params["instanceMemoryMB"] in (512, 2048, 4096)


# ---------------------------------------------------------------- no secret values anywhere in infra/

SECRET_PATTERNS = {
    "storage account key": re.compile(r"AccountKey=", re.I),
    "SAS signature": re.compile(r"[?&]sig=|SharedAccessSignature", re.I),
    "listKeys()/listSecrets()": re.compile(r"\blist(Keys|Secrets|AccountSas|ServiceSas)\s*\("),
    "instrumentation key literal": re.compile(r"InstrumentationKey=", re.I),
    "private key": re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----"),
    # 40+ base64 characters mixing digits and both cases (resource type paths have no digits)
    "long base64 value": re.compile(
        r"(?<![A-Za-z0-9+/])(?=[A-Za-z0-9+/]*[0-9])(?=[A-Za-z0-9+/]*[a-z])(?=[A-Za-z0-9+/]*[A-Z])"
        r"[A-Za-z0-9+/]{40,}={0,2}(?![A-Za-z0-9+/=])"
    ),
    "Shopify token": re.compile(r"\bshp(at|ss|ca|pa)_[0-9a-f]{16,}", re.I),
    "Stripe key": re.compile(r"\b(sk|rk|whsec)_(live|test)?_?[0-9A-Za-z]{16,}"),
    "WooCommerce key": re.compile(r"\bc[ks]_[0-9a-f]{30,}"),
}
SECRETISH_NAME = re.compile(r"secret|password|token|credential|apikey|api_key|connectionstring", re.I)
# Parameters about secrets that are not secrets themselves: who may set them, which settings hold them.
NOT_A_SECRET = re.compile(r"Principal(Id|Type)$|Settings?$")


def secret_findings(source: str) -> list[str]:
    return [
        f"{label}: line {source.count(chr(10), 0, m.start()) + 1}"
        for label, pattern in SECRET_PATTERNS.items()
        for m in pattern.finditer(source)
    ]


def test_secret_scanner_finds_planted_secrets():
    planted = (
        "var cs = 'DefaultEndpointsProtocol=https;AccountName=x;AccountKey=abc'\n"
        "var k = st.listKeys().keys[0].value\n"
        "var b = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=='\n"
        "var t = '" + "shpat_" + "0123456789abcdef" * 2 + "'\n"  # assembled: no token-shaped literal in git
    )
    labels = {f.split(":")[0] for f in secret_findings(planted)}
    assert {"storage account key", "listKeys()/listSecrets()", "long base64 value", "Shopify token"} <= labels


@pytest.mark.parametrize(
    "path",
    [*b.bicep_files(), b.PARAMETERS_EXAMPLE],
    ids=lambda p: str(p.relative_to(b.INFRA)),
)
def test_no_secret_values_in_infra(path: Path):
    assert secret_findings(path.read_text()) == []


def secret_parameters_with_defaults(doc: dict[str, Any]) -> list[str]:
    found = []
    for name, param in doc["parameters"].items():
        secure = any(d["type"] == "secure" for d in param["decorators"])
        secretish = SECRETISH_NAME.search(name) and not NOT_A_SECRET.search(name) and param["type"] == "string"
        if (secure or secretish) and param.get("default"):
            found.append(name)
    return found


def test_secret_parameter_check_finds_a_default_value():
    doc = b.parse_text(
        "param shopifyWebhookSecret string = 'hunter2'\n"
        "@secure()\nparam bcPassword string = 'x'\n"
        "param secretsAdminPrincipalId string = ''\n"
    )
    assert secret_parameters_with_defaults(doc) == ["shopifyWebhookSecret", "bcPassword"]


@pytest.mark.parametrize("path", b.bicep_files(), ids=lambda p: str(p.relative_to(b.INFRA)))
def test_secret_like_parameters_have_no_default_values(path: Path):
    assert secret_parameters_with_defaults(b.parse(path)) == []


def test_parameters_example_keeps_secrets_out_of_plain_settings():
    params = b.parameters_example()
    plain_secretish = [n for n in params["plainAppSettings"] if SECRETISH_NAME.search(n) or n.endswith("_KEY")]
    assert not plain_secretish, f"secret-like settings must be Key Vault references: {plain_secretish}"
    for entry in params["secretAppSettings"]:  # names only: a value would not fit the Key Vault name rule
        assert b.KEY_VAULT_SECRET_NAME.match(entry["secretName"])


# ---------------------------------------------------------------- alerts and outputs


def _alert_rules() -> dict[str, dict[str, Any]]:
    return {rule["key"]: rule for rule in b.variable(b.module("alerts"), "rules")}


def test_alert_rules_watch_poison_queues_needs_attention_failures_and_throttling():
    alerts = b.module("alerts")
    rules = _alert_rules()
    assert set(rules) == {"poison-messages", "needs-attention", "function-failures", "bc-throttled"}
    queries = {key: b.variable(alerts, rule["query"]) for key, rule in rules.items()}
    assert "MaxDequeueCount" in queries["poison-messages"] and "-poison" in queries["poison-messages"]
    assert "sync_status=failed poisoned" in queries["poison-messages"]
    assert "sync_status=needs_attention" in queries["needs-attention"]
    assert "success == false" in queries["function-failures"]
    assert "bc_throttled" in queries["bc-throttled"]
    for rule in rules.values():
        assert rule["description"] and rule["displayName"]


@pytest.mark.parametrize(
    ("query", "source", "marker"),
    [
        ("needsAttentionQuery", "core/sync/runner.py", "sync_status=needs_attention"),
        ("poisonQuery", "core/sync/operations.py", "sync_status=failed poisoned"),
    ],
)
def test_alert_markers_match_what_the_app_logs(query: str, source: str, marker: str):
    assert marker in b.variable(b.module("alerts"), query)
    assert marker in (b.ROOT / source).read_text(), f"{source} no longer logs {marker!r}: update alerts.bicep"


def test_alerts_go_to_the_action_group_email():
    alerts = b.module("alerts")
    group = alerts["resources"]["actionGroup"]["config"]["properties"]
    assert group["emailReceivers"][0]["emailAddress"] == "alertEmail"
    rule = alerts["resources"]["alertRules"]["config"]["config"]
    assert rule["properties"]["actions"]["actionGroups"]
    assert b.parse(b.MAIN)["parameters"]["alertEmail"]["default"] is None  # required, no fake default


def test_outputs_an_admin_needs():
    outputs = b.parse(b.MAIN)["outputs"]
    assert {"functionAppName", "webhookBaseUrl", "keyVaultName", "managedIdentityClientId"} <= set(outputs)
    assert outputs["webhookBaseUrl"]["value"].endswith("/api/webhooks/")
    assert outputs["webhookBaseUrl"]["value"].startswith("https://")


# ---------------------------------------------------------------- private networking (option, default off)


def test_private_networking_is_an_option_that_defaults_off():
    main = b.parse(b.MAIN)
    assert main["parameters"]["privateNetworking"]["default"] is False
    network = main["modules"]["network"]["config"]
    assert network["condition"] == "privateNetworking"  # nothing of it is deployed by default
    for module in ("storage", "keyVault"):
        assert main["modules"][module]["config"]["params"]["privateNetworking"] == "privateNetworking"
    assert b.parse(b.MAIN)["modules"]["functionApp"]["config"]["params"]["virtualNetworkSubnetId"] == "appSubnetId"


def test_the_app_joins_the_subnet_the_network_module_creates():
    text = b.MAIN.read_text()
    # main names the subnet itself (so the app can depend on the module instead of reading an optional output)
    assert "resourceId('Microsoft.Network/virtualNetworks/subnets', names.vnet, 'app')" in text
    assert b.parse(b.MAIN)["modules"]["network"]["config"]["config"]["params"]["vnetName"]["operator"]["operands"] == {
        "operand_1": "names",
        "operand_2": "vnet",
    }
    assert "dependsOn: [\n    network\n  ]" in text.split("module functionApp", 1)[1].split("\nmodule ", 1)[0]
    subnets = b.module("network")["resources"]["vnet"]["config"]["properties"]["subnets"]
    app = next(s for s in subnets if s["name"] == "app")
    assert app["properties"]["delegations"][0]["properties"]["serviceName"] == "Microsoft.App/environments"
    assert "natGateway" in app["properties"]  # outbound to BC and the shops still works
    site = _site()["properties"]
    assert "virtualNetworkSubnetId" in b.text(b.MODULES / "functionapp.bicep")
    assert site["publicNetworkAccess"] == "Enabled"  # webhooks arrive from the internet in both variants


@pytest.mark.parametrize("module_name", ["storage", "keyvault"])
def test_private_networking_closes_the_public_endpoint_and_denies_by_default(module_name: str):
    text = b.text(b.MODULES / f"{module_name}.bicep")
    assert "publicNetworkAccess: privateNetworking ? 'Disabled' : 'Enabled'" in text
    assert "defaultAction: privateNetworking ? 'Deny' : 'Allow'" in text
    assert b.module(module_name)["parameters"]["privateNetworking"]["default"] is False


def test_private_endpoints_cover_every_storage_service_the_app_uses_and_key_vault():
    endpoints = {e["name"]: e for e in b.variable(b.module("network"), "endpoints")}
    assert set(endpoints) == {"blob", "queue", "table", "vault"}
    used = {k.split("__", 1)[1].removesuffix("ServiceUri") for k in _app_settings() if k.endswith("ServiceUri")}
    assert used <= set(endpoints)
    for service in ("blob", "queue", "table"):
        assert endpoints[service]["target"] == "storageAccountId"
        assert endpoints[service]["zone"] == f"privatelink.{service}.${{environment().suffixes.storage}}"
    assert endpoints["vault"]["target"] == "keyVaultId"
    resources = b.module("network")["resources"]
    connection = resources["privateEndpoints"]["config"]["config"]["properties"]["privateLinkServiceConnections"][0]
    group_id = connection["properties"]["groupIds"][0]["operator"]["operands"]
    assert group_id == {"operand_1": "endpoint", "operand_2": "name"}  # the sub-resource is the service name
    link = resources["zoneLinks"]["config"]["config"]["properties"]
    assert link["registrationEnabled"] is False and link["virtualNetwork"]["id"]["operator"]["operands"] == {
        "operand_1": "vnet",
        "operand_2": "id",
    }


def test_more_than_one_instance_shares_the_bc_budget_through_storage():
    # N instances with per-process limiters would send BC up to 5 × N at once; above 1 the template switches
    # the shared budget on (core/bc/shared_budget.py), and the table it uses is created with the others
    from core.bc import shared_budget

    app = b.module("functionapp")
    settings = b.variable(app, "sharedBudgetSettings")["operator"]["operands"]
    assert settings["true_value"] == [{"name": shared_budget.SETTING, "value": "true"}]
    assert settings["false_value"] == []
    assert "maximumInstanceCount" in str(settings["condition"])
    assert "sharedBudgetSettings" in b.text(b.MODULES / "functionapp.bicep").split("appSettings: concat(", 1)[1]
    assert shared_budget.TABLE in b.variable(b.parse(b.MAIN), "tableNames")
