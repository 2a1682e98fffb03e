"""Using a proxy, as in the JS README: ``client.proxy = {host, port, protocol, auth}``.

To show it working without leaving this machine, the example starts a tiny forward proxy on
loopback that demands the credentials, counts what passes through it and refuses anything that is
not local. The SDK's requests then go through it to the local service.
"""

from __future__ import annotations

import base64
import http.client
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

from _target import CREATE_CHAT_BODY, environment, parse_args, run

import purecloud_guest_chat_client as platform_client

USERNAME, PASSWORD = "john_doe", "abc123"
HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "proxy-authorization", "te"}


class ForwardProxy(BaseHTTPRequestHandler):
    """Forwards absolute-form requests (``POST http://host/path``) to loopback servers."""

    forwarded: list[str] = []
    expected_auth = "Basic " + base64.b64encode(f"{USERNAME}:{PASSWORD}".encode()).decode()

    def forward(self) -> None:
        if self.headers.get("Proxy-Authorization") != self.expected_auth:
            self.send_response(407)
            self.send_header("Proxy-Authenticate", 'Basic realm="example"')
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        target = urlsplit(self.path)
        if target.hostname not in ("127.0.0.1", "::1", "localhost"):
            self.send_error(403, "this example proxy only forwards to loopback")
            return
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
        upstream = http.client.HTTPConnection(target.hostname, target.port or 80, timeout=10)
        path = target.path + (f"?{target.query}" if target.query else "")
        upstream.request(self.command, path, body=body or None, headers=headers)
        response = upstream.getresponse()
        payload = response.read()
        upstream.close()
        self.forwarded.append(f"{self.command} {target.path} -> {response.status}")
        self.send_response(response.status, response.reason)
        for key, value in response.getheaders():
            if key.lower() not in HOP_BY_HOP and key.lower() != "content-length":
                self.send_header(key, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST = do_DELETE = do_PATCH = forward

    def log_message(self, format: str, *args: object) -> None:
        pass  # the example prints what it forwarded itself


def main() -> None:
    args = parse_args(__doc__ or "")
    proxy_server = ThreadingHTTPServer(("127.0.0.1", 0), ForwardProxy)
    threading.Thread(target=proxy_server.serve_forever, daemon=True).start()
    proxy_port = proxy_server.server_address[1]
    print(f"Forward proxy listening on 127.0.0.1:{proxy_port}")
    try:
        with environment(args.environment) as env:
            client = platform_client.ApiClient.instance
            client.set_environment(env)
            client.proxy = {
                "host": "127.0.0.1",
                "port": proxy_port,
                "protocol": "http",
                "auth": {"username": USERNAME, "password": PASSWORD},
            }
            web_chat_api = platform_client.WebChatApi()
            chat_info = web_chat_api.post_webchat_guest_conversations(CREATE_CHAT_BODY)
            client.set_jwt(chat_info.jwt)
            members = web_chat_api.get_webchat_guest_conversation_members(chat_info.id)
            print(f"Chat {chat_info.id} created through the proxy, {members.total} member(s)")
    finally:
        proxy_server.shutdown()
        proxy_server.server_close()
    for line in ForwardProxy.forwarded:
        print(f"proxied: {line}")
    if not ForwardProxy.forwarded:
        raise SystemExit("nothing went through the proxy")


if __name__ == "__main__":
    run(main)
