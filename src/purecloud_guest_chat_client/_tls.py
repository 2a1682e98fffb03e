"""One TLS context per CA bundle for every client of the process: the Guest Chat REST clients,
and the Web Messaging clients' WebSocket and REST history.

Building one reads the CA bundle: about 20 ms of CPU, ten times that on a loaded machine, during
which the event loop serves no session. A thousand sessions reconnecting after a network blip
would each build their own and stall every other session for seconds; shared, it is built once.
"""

from __future__ import annotations

import functools
import os
import ssl

import httpx2


def shared_tls_context(*, trust_env: bool = True) -> ssl.SSLContext:
    """The context httpx would build: with ``trust_env``, one that trusts the CA bundle named by
    ``SSL_CERT_FILE`` or ``SSL_CERT_DIR`` when either is set. One per bundle, so that a bundle
    named after the first client was made still gets a context of its own."""
    if not trust_env:
        return _context_for(None, None)
    return _context_for(
        os.environ.get("SSL_CERT_FILE") or None, os.environ.get("SSL_CERT_DIR") or None
    )


@functools.cache
def _context_for(cert_file: str | None, cert_dir: str | None) -> ssl.SSLContext:
    # The bundle's names are only the cache's key: httpx reads the same variables itself.
    return httpx2.create_ssl_context(trust_env=cert_file is not None or cert_dir is not None)
