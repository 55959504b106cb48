"""Sign-in (App Service Authentication) in the Bicep: off unless a client id is given, secretless, never in
the way of webhooks, and the app is told it runs behind it exactly when it does (core/ops_auth.py)."""

from __future__ import annotations

from core import ops_auth
from tests.infra import bicep as b


def _app() -> dict:
    return b.module("functionapp")


def test_sign_in_is_authsettings_v2_only_when_a_client_id_is_given():
    app = _app()
    assert app["parameters"]["signInClientId"]["default"] == ""
    assert b.variable(app, "signInEnabled") == {"operator": {"type": "not", "operands": {"bool_value": {
        "function": {"type": "empty", "parameters": {"item_to_test": "signInClientId"}}}}}}
    auth = app["resources"]["signIn"]
    assert auth["type"] == "Microsoft.Web/sites/config"
    assert auth["config"]["condition"] == "signInEnabled"
    assert auth["config"]["config"]["name"] == "authsettingsV2"


def test_sign_in_lets_webhooks_through_and_needs_no_secret():
    props = _app()["resources"]["signIn"]["config"]["config"]["properties"]
    assert props["platform"]["enabled"] is True
    # Shops' webhooks and /api/health carry no Entra token: the platform must not refuse them.
    assert props["globalValidation"] == {"requireAuthentication": False,
                                         "unauthenticatedClientAction": "AllowAnonymous"}
    aad = props["identityProviders"]["azureActiveDirectory"]
    assert aad["registration"]["clientId"] == "signInClientId"
    assert "clientSecretSettingName" not in aad["registration"]
    assert "signInTenantId" in aad["registration"]["openIdIssuer"]


def test_the_app_honours_the_principal_header_exactly_when_easy_auth_is_on():
    settings = b.variable(_app(), "signInSettings")["operator"]["operands"]
    assert settings["condition"] == "signInEnabled"
    assert settings["true_value"] == [{"name": ops_auth.EASY_AUTH_SETTING, "value": "1"}]
    assert settings["false_value"] == []
    assert "signInSettings" in b.text(b.MODULES / "functionapp.bicep").split("appSettings: concat(", 1)[1]


def test_main_passes_the_sign_in_parameters_with_sign_in_off_by_default():
    main = b.parse(b.MAIN)
    assert main["parameters"]["signInClientId"]["default"] == ""
    params = main["modules"]["functionApp"]["config"]["params"]
    assert params["signInClientId"] == "signInClientId" and params["signInTenantId"] == "signInTenantId"
