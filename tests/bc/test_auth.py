"""Credentials chosen by settings; token caching; secrets kept out of reprs and errors."""

from __future__ import annotations

import base64
import datetime
import json

import pytest
from azure.core.credentials import AccessToken
from azure.identity import CertificateCredential, ClientAssertionCredential, ClientSecretCredential

from core.bc import BcAuthConfigError, TokenSource, credential_from_settings
from core.bc.auth import TOKEN_EXCHANGE_SCOPE
from core.bc.limiter import pool_from_settings

from .fakes import FakeCredential

SECRET = "s3cr3t-Value~never-log"
TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"
CLIENT = "0b8f3a9e-1c2d-4e5f-8a9b-0c1d2e3f4a5b"
SETTINGS = {"BC_TENANT_ID": TENANT, "BC_CLIENT_ID": CLIENT, "BC_CLIENT_SECRET": SECRET, "BC_MI_CLIENT_ID": "mi-1"}
BASE = {"tenant_id_setting": "BC_TENANT_ID", "client_id_setting": "BC_CLIENT_ID"}


def test_client_secret_from_settings():
    cred = credential_from_settings({"auth": "client_secret", **BASE, "client_secret_setting": "BC_CLIENT_SECRET"},
                                    SETTINGS)
    assert isinstance(cred, ClientSecretCredential)
    assert SECRET not in repr(cred)


def test_missing_setting_names_the_setting_not_a_value():
    with pytest.raises(BcAuthConfigError) as info:
        credential_from_settings({"auth": "client_secret", **BASE, "client_secret_setting": "BC_OTHER_SECRET"},
                                 SETTINGS)
    assert "BC_OTHER_SECRET" in str(info.value) and "Resolution:" in str(info.value)
    assert SECRET not in str(info.value)
    with pytest.raises(BcAuthConfigError, match="client_secret_setting"):
        credential_from_settings({"auth": "client_secret", **BASE}, SETTINGS)
    with pytest.raises(BcAuthConfigError, match="Unknown BC auth kind"):
        credential_from_settings({"auth": "password", **BASE}, SETTINGS)


def _pem_certificate() -> str:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "bc-test")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(1).not_valid_before(now).not_valid_after(now + datetime.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    return (key_pem + cert.public_bytes(serialization.Encoding.PEM)).decode()


def test_certificate_from_setting_value_and_from_path(tmp_path):
    pem = _pem_certificate()
    settings = {**SETTINGS, "BC_CERT": pem, "BC_CERT_PATH": str(tmp_path / "bc.pem")}
    (tmp_path / "bc.pem").write_text(pem)
    by_value = credential_from_settings({"auth": "certificate", **BASE, "certificate_setting": "BC_CERT"}, settings)
    by_path = credential_from_settings({"auth": "certificate", **BASE, "certificate_path_setting": "BC_CERT_PATH"},
                                       settings)
    assert isinstance(by_value, CertificateCredential) and isinstance(by_path, CertificateCredential)
    with pytest.raises(BcAuthConfigError, match="certificate_path_setting or certificate_setting"):
        credential_from_settings({"auth": "certificate", **BASE}, settings)


def test_federated_uses_managed_identity_token_as_client_assertion(monkeypatch):
    import azure.identity

    mi = FakeCredential("managed-identity")
    config = {"auth": "federated", **BASE, "managed_identity_client_id_setting": "BC_MI_CLIENT_ID"}
    real = credential_from_settings(config, SETTINGS, managed_identity_credential=mi)
    assert isinstance(real, ClientAssertionCredential)

    built = {}

    def recorder(tenant_id, client_id, func, **kwargs):
        built.update(tenant_id=tenant_id, client_id=client_id, func=func)
        return "credential"

    monkeypatch.setattr(azure.identity, "ClientAssertionCredential", recorder)
    assert credential_from_settings(config, SETTINGS, managed_identity_credential=mi) == "credential"
    assert built["tenant_id"] == TENANT and built["client_id"] == CLIENT
    assertion = built["func"]()
    claims = json.loads(base64.urlsafe_b64decode(assertion.split(".")[1] + "=="))
    assert claims["appid"] == "managed-identity"
    assert mi.scopes[-1] == (TOKEN_EXCHANGE_SCOPE,)
    assert "mi-1" in repr(built["func"])


def test_token_source_refreshes_before_expiry():
    now = [1000.0]

    class Cred:
        calls = 0

        def get_token(self, *scopes, **kw):
            Cred.calls += 1
            return AccessToken(f"t{Cred.calls}", int(now[0] + 3600))

    source = TokenSource(Cred(), name="p", refresh_margin_s=300, clock=lambda: now[0])
    assert source.bearer() == "t1"
    now[0] += 3000
    assert source.bearer() == "t1"  # 600 s left: still good
    now[0] += 301
    assert source.bearer() == "t2"  # inside the margin: refreshed
    source.invalidate("stale-other")
    assert source.bearer() == "t2"
    source.invalidate("t2")
    assert source.bearer() == "t3"


def test_pool_from_settings_names_principals_without_secrets():
    configs = [
        {"auth": "client_secret", "name": "bc-app-1", **BASE, "client_secret_setting": "BC_CLIENT_SECRET"},
        {"auth": "client_secret", **BASE, "client_secret_setting": "BC_CLIENT_SECRET"},
    ]
    pool = pool_from_settings(configs, SETTINGS, rate_limit=10, rate_window_s=1, concurrency=2)
    assert [m.name for m in pool.members] == ["bc-app-1", "principal2"]
    assert SECRET not in repr(pool) and SECRET not in repr(pool.members)
