"""What hiding the credentials seen costs: ``redact_text`` on a request log line and on a large
body, with none, a few, a thousand and more tokens seen than are remembered, beside the patterns
alone (nothing seen) as the baseline; and what remembering a token costs.

    python benchmarks/bench_redaction.py            # full sizes
    python benchmarks/bench_redaction.py --quick    # tiny sizes, to check that it runs

Prints medians (microseconds) and ratios to the baseline, as JSON on the last line too.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import statistics
import time

from purecloud_guest_chat_client._redact import redact_text, remember_secret


def _token(number: int) -> str:
    """A token shaped like the service's: a header, a claims part, a 342-character signature."""
    header = base64.urlsafe_b64encode(b'{"alg":"RS256","typ":"JWT"}').rstrip(b"=").decode()
    claims = base64.urlsafe_b64encode(
        json.dumps({"data": {"conv": f"c-{number}", "sub": f"m-{number}"}, "n": number}).encode()
    ).rstrip(b"=")
    signature = base64.urlsafe_b64encode(os.urandom(256)).rstrip(b"=")
    return f"{header}.{claims.decode()}.{signature.decode()}"


def _line() -> str:
    ids = "/".join(f"{os.urandom(16).hex()}" for _ in range(2))
    return (
        f"post_webchat_guest_conversation_member_messages: POST http://127.0.0.1:8080/api/v2/"
        f"webchat/guest/conversations/{ids}/messages -> 200 (1.9 ms) correlation_id="
        f'{os.urandom(16).hex()} requestHeaders={{"accept": "application/json", '
        f'"authorization": "[REDACTED]"}} requestBody="{{\\"body\\":\\"hello there, '
        f'how are you today?\\"}}"'
    )


def _body(size: int) -> str:
    message = {
        "id": os.urandom(16).hex(),
        "body": "a fairly ordinary message about an order that did not arrive",
        "sender": {"id": os.urandom(16).hex()},
        "timestamp": "2024-01-01T00:00:00.000Z",
    }
    text = json.dumps({"entities": [message] * (size // 200)})
    return text[:size]


def _median_us(text: str, repeats: int, rounds: int) -> float:
    samples = []
    for _ in range(rounds):
        started = time.perf_counter()
        for _ in range(repeats):
            redact_text(text)
        samples.append((time.perf_counter() - started) / repeats * 1e6)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    quick = parser.parse_args().quick
    repeats, rounds = (20, 3) if quick else (400, 9)
    counts = (0, 10, 100) if quick else (0, 10, 1000, 4096)
    texts = {"log line": _line(), "64 KB body": _body(64_000)}
    results: dict[str, dict[str, float]] = {}
    remembered = 0
    for count in counts:
        while remembered < count:
            remember_secret(_token(remembered))
            remembered += 1
        results[f"{count} seen"] = {
            name: _median_us(text, repeats if name == "log line" else max(1, repeats // 20), rounds)
            for name, text in texts.items()
        }
    adds = 20 if quick else 2000
    more = [_token(remembered + number) for number in range(adds)]
    started = time.perf_counter()
    for token in more:
        remember_secret(token)
    add_us = (time.perf_counter() - started) / adds * 1e6

    baseline = results[f"{counts[0]} seen"]
    print(f"{'':<16}" + "".join(f"{name:>28}" for name in texts))
    for row, figures in results.items():
        cells = "".join(
            f"{figures[name]:>16.1f} us ({figures[name] / baseline[name]:4.2f}x)" for name in texts
        )
        print(f"{row:<16}{cells}")
    print(f"remembering a token, {adds} after {remembered} (evictions included): {add_us:.1f} us")
    print(json.dumps({"median_us": results, "remember_us": add_us}))


if __name__ == "__main__":
    main()
