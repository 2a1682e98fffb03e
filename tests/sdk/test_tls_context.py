"""Every client of the process verifies TLS with one shared context (building one reads the CA
bundle, which is slow), except where a different CA bundle is named: that one gets its own."""

from __future__ import annotations

import datetime
import ssl
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from purecloud_guest_chat_client import ApiClient, AsyncApiClient
from purecloud_guest_chat_client.webmessaging import WebMessagingClient

CA_NAME = "Guest Chat test CA"


def _tls_context(client: ApiClient | AsyncApiClient) -> ssl.SSLContext:
    """The context the client's HTTP transport verifies with."""
    pool = client._transport()._transport._pool  # type: ignore[attr-defined]
    context = pool._ssl_context
    assert isinstance(context, ssl.SSLContext)
    return context


def _write_ca(path: Path) -> Path:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, CA_NAME)])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    return path


@pytest.fixture(autouse=True)
def no_ca_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)


async def test_clients_of_both_kinds_share_one_context() -> None:
    with ApiClient("https://api.example.test") as first, ApiClient("mypurecloud.com") as second:
        async with AsyncApiClient("https://api.example.test") as third:
            shared = _tls_context(first)
            assert _tls_context(second) is shared
            assert _tls_context(third) is shared
    web_messaging = WebMessagingClient("deployment-1", "mypurecloud.com")
    rest = web_messaging._rest._client()
    assert rest._transport._pool._ssl_context is shared  # type: ignore[attr-defined]
    await web_messaging.close()


def test_a_ca_bundle_named_in_the_environment_gets_its_own_context(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with ApiClient("https://api.example.test") as plain:
        default = _tls_context(plain)
    monkeypatch.setenv("SSL_CERT_FILE", str(_write_ca(tmp_path / "ca.pem")))
    with ApiClient("https://api.example.test") as first, ApiClient("https://x.test") as second:
        custom = _tls_context(first)
        assert custom is not default
        assert _tls_context(second) is custom
    trusted = [dict(entry[0] for entry in ca["subject"]) for ca in custom.get_ca_certs()]
    assert trusted == [{"commonName": CA_NAME}]
    # A client through a proxy reads no SSL_CERT_* variable, as httpx does not.
    with ApiClient("https://api.example.test", proxy="http://127.0.0.1:9") as proxied:
        assert _tls_context(proxied) is default
