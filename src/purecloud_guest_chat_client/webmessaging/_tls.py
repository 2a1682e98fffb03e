"""One TLS context for every Web Messaging client of the process.

Building one reads the CA bundle: about 20 ms of CPU, ten times that on a loaded machine, during
which the event loop serves no session. A thousand sessions reconnecting after a network blip
would each build their own (for the WebSocket and for the history's REST client) and stall
every other session for seconds; shared, it is built once.
"""

from __future__ import annotations

import functools
import ssl

import httpx2


@functools.cache
def shared_tls_context() -> ssl.SSLContext:
    # httpx's own default: the same CA bundle and the SSL_CERT_FILE / SSL_CERT_DIR variables.
    return httpx2.create_ssl_context()
