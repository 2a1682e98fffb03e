"""``wss://`` and ``https://``: the local service behind a TLS terminator on loopback, with a
throwaway CA made for the test; the client trusts it through ``ssl_context``, and refuses the
service without it."""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import ipaddress
import ssl
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from purecloud_guest_chat_client.emulator import LocalService
from purecloud_guest_chat_client.webmessaging import (
    WebMessagingClient,
    WebMessagingConnectionError,
)

from .conftest import DEPLOYMENT


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _certificates(directory: Path) -> tuple[Path, Path, Path]:
    """A CA and a certificate for 127.0.0.1 it signed: (CA, certificate, key) PEM files."""
    now = datetime.datetime.now(datetime.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_public = ca_key.public_key()
    ca = (
        x509.CertificateBuilder()
        .subject_name(_name("test CA"))
        .issuer_name(_name("test CA"))
        .public_key(ca_public)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_public), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    leaf = (
        x509.CertificateBuilder()
        .subject_name(_name("127.0.0.1"))
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_public), critical=False
        )
        .add_extension(
            x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    paths = (directory / "ca.pem", directory / "cert.pem", directory / "key.pem")
    paths[0].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths[1].write_bytes(leaf.public_bytes(serialization.Encoding.PEM))
    paths[2].write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return paths


@contextlib.asynccontextmanager
async def _tls_terminator(target: str, certificate: Path, key: Path) -> AsyncIterator[str]:
    """TLS on a loopback port, relayed in the clear to ``target``; yields its ``https://`` URL."""
    host, _, port = target.removeprefix("http://").partition(":")
    server_tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_tls.load_cert_chain(certificate, key)
    relays: set[asyncio.Task[None]] = set()

    async def relay(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        relays.add(task)
        try:
            upstream_reader, upstream_writer = await asyncio.open_connection(host, int(port))
        except OSError:
            writer.close()
            return

        async def pipe(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
            try:
                while data := await source.read(65536):
                    sink.write(data)
                    await sink.drain()
            except (ConnectionError, OSError, ssl.SSLError):
                pass
            finally:
                sink.transport.abort()

        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.gather(pipe(reader, upstream_writer), pipe(upstream_reader, writer))

    server = await asyncio.start_server(relay, "127.0.0.1", 0, ssl=server_tls)
    try:
        yield f"https://127.0.0.1:{server.sockets[0].getsockname()[1]}"
    finally:
        for task in relays:
            task.cancel()
        await asyncio.gather(*relays, return_exceptions=True)
        server.close()
        await server.wait_closed()


@pytest.fixture
async def tls_service(service: LocalService, tmp_path: Path) -> AsyncIterator[tuple[str, Path]]:
    """The local service's ``https://`` URL, and the CA that signed its certificate."""
    ca, certificate, key = _certificates(tmp_path)
    async with _tls_terminator(service.base_url, certificate, key) as url:
        yield url, ca


async def test_wss_and_the_https_history_with_a_private_ca(
    tls_service: tuple[str, Path],
) -> None:
    url, ca = tls_service
    trusted = ssl.create_default_context(cafile=str(ca))
    websocket_url = url.replace("https://", "wss://", 1)
    async with WebMessagingClient(DEPLOYMENT, websocket_url, ssl_context=trusted) as client:
        assert client.websocket_url.startswith("wss://127.0.0.1:")
        echo = await client.send_text("over TLS")
        assert echo.text == "over TLS"
        history = await client.history()
    assert [message.text for message in history] == ["over TLS"]


async def test_a_service_the_default_context_does_not_trust_is_refused(
    tls_service: tuple[str, Path],
) -> None:
    url, _ = tls_service
    client = WebMessagingClient(DEPLOYMENT, url, reconnect=False)
    try:
        with pytest.raises(WebMessagingConnectionError) as refused:
            await client.connect()
        assert "certificate" in str(refused.value).lower()
    finally:
        await client.close()


def test_ssl_context_must_be_a_context() -> None:
    with pytest.raises(TypeError, match=r"ssl_context must be an ssl\.SSLContext"):
        WebMessagingClient(DEPLOYMENT, "wss://127.0.0.1:1", ssl_context="no")  # type: ignore[arg-type]
