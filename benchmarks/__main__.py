"""``python -m benchmarks``: every benchmark in one go, each beside its baseline, into one report.

Runs ``bench_import.py`` (beside a bare interpreter and the bare dependencies), ``bench_sdk.py``
(beside raw httpx2, sync and async), ``bench_service.py``, ``bench_sessions.py`` and
``bench_load.py`` (``guestchat load`` against the service in another process, beside the rate it
offered), each in its own process, and the vendor's peers (the Python platform SDK, the JS guest
SDK through node) when they are installed, saying so when they are not. Then it writes
``docs/benchmarks.md`` (medians, spreads, baselines and ratios, the machine, the plots under
``docs/benchmarks/``) and the performance table of the README, between its ``benchmarks``
markers.

    python -m benchmarks            # full sizes; minutes
    python -m benchmarks --quick    # tiny sizes, to check that everything runs; writes the
                                    # report into the results directory, not docs/ or README
    python -m benchmarks --only sdk --only import   # the others' last figures are kept
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
README = ROOT / "README.md"
README_START = "<!-- benchmarks:start (written by python -m benchmarks) -->"
README_END = "<!-- benchmarks:end -->"
PLOTS = "benchmarks"
"""The folder, beside benchmarks.md, that holds its plots."""


@dataclass(frozen=True)
class Row:
    benchmark: str
    measure: str
    median: str
    spread: str = ""
    baseline: str = ""
    ratio: str = ""


@dataclass(frozen=True)
class Benchmark:
    name: str
    script: str
    results: str
    full: tuple[str, ...]
    quick: tuple[str, ...]
    rows: Callable[[dict[str, Any]], list[Row]]
    readme: Callable[[dict[str, Any]], list[tuple[str, str]]]


def _range(low: float, high: float, unit: str = "", digits: int = 2) -> str:
    return f"{low:.{digits}f}..{high:.{digits}f}{unit}"


def _import_rows(data: dict[str, Any]) -> list[Row]:
    results = data["results"]
    python, bare = results["python (baseline)"], results[next(k for k in results if "bare" in k)]
    rows = []
    for name, figures in results.items():
        if name == "python (baseline)" or name.startswith("node (baseline)"):
            base = None
        elif "bare" in name:
            base = ("python", python)
        elif name.startswith("vendor JS"):
            base = ("node", results["node (baseline)"])
        else:
            base = ("bare dependencies", bare)
        rows.append(
            Row(
                "import",
                f"{name}: wall",
                f"{figures['median_seconds']:.3f} s",
                _range(figures["min_seconds"], figures["max_seconds"], " s", 3)
                if "min_seconds" in figures
                else "",
                f"{base[0]} {base[1]['median_seconds']:.3f} s" if base else "",
                f"{figures['median_seconds'] / base[1]['median_seconds']:.2f}x" if base else "",
            )
        )
        rows.append(
            Row(
                "import",
                f"{name}: peak RSS",
                f"{figures['median_peak_rss_mib']:.1f} MiB",
                "",
                f"{base[0]} {base[1]['median_peak_rss_mib']:.1f} MiB" if base else "",
                f"{figures['median_peak_rss_mib'] / base[1]['median_peak_rss_mib']:.2f}x"
                if base
                else "",
            )
        )
    return rows


def _import_readme(data: dict[str, Any]) -> list[tuple[str, str]]:
    results = data["results"]
    ours, loaded = results["import purecloud_guest_chat_client"], results["+ ApiClient, WebChatApi"]
    bare = results[next(k for k in results if "bare" in k)]
    figure = (
        f"{ours['median_seconds']:.2f} s, {ours['median_peak_rss_mib']:.0f} MiB "
        f"({loaded['median_seconds']:.2f} s, {loaded['median_peak_rss_mib']:.0f} MiB with "
        f"`ApiClient` and `WebChatApi` loaded; the bare dependencies "
        f"{bare['median_seconds']:.2f} s, {bare['median_peak_rss_mib']:.0f} MiB)"
    )
    return [("`bench_import.py`: `import purecloud_guest_chat_client`", figure)]


SDK_CASES = {
    "sequential": ("send", "sequential"),
    "async_concurrent": ("send", "async, concurrent"),
    "create_sequential": ("create chat", "sequential"),
}
"""Each case of ``bench_sdk.py``: the operation, and how the calls are made."""
SDK_SENDS = ("sequential", "async_concurrent")


def _sdk_rows(data: dict[str, Any]) -> list[Row]:
    rows = []
    for key, (operation, label) in SDK_CASES.items():
        if key not in data["results"]:
            continue
        figures = data["results"][key]
        spread = ""
        if "sdk_ms_per_call_range" in figures:
            spread = _range(*figures["sdk_ms_per_call_range"], " ms", 3)
        raw_spread = ""
        if "raw_ms_per_call_range" in figures:
            raw_spread = f" ({_range(*figures['raw_ms_per_call_range'], ' ms', 3)})"
        ours = f"WebChatApi {figures['sdk_median_ms_per_call']:.3f} ms"
        ours_cpu = f"WebChatApi {figures['sdk_client_cpu_ms_per_call']:.3f} ms"
        rows.append(
            Row(
                "sdk",
                f"WebChatApi {operation}, {label}: wall per call",
                f"{figures['sdk_median_ms_per_call']:.3f} ms",
                spread,
                f"raw httpx2 {figures['raw_median_ms_per_call']:.3f} ms{raw_spread}",
                f"{figures['ratio']:.2f}x",
            )
        )
        rows.append(
            Row(
                "sdk",
                f"WebChatApi {operation}, {label}: client CPU per call",
                f"{figures['sdk_client_cpu_ms_per_call']:.3f} ms",
                "",
                f"raw httpx2 {figures['raw_client_cpu_ms_per_call']:.3f} ms",
                f"{figures['client_cpu_ratio']:.2f}x",
            )
        )
        statuses = data.get("peers", {})
        for peer, status in statuses.items():
            measured = figures.get("peers", {}).get(peer, {"status": status})
            if "status" in measured:
                rows.append(Row("sdk", f"{peer} {operation}, {label}", measured["status"]))
                continue
            rows.append(
                Row(
                    "sdk",
                    f"{peer} {operation}, {label}: wall per call",
                    f"{measured['median_ms_per_call']:.3f} ms",
                    _range(*measured["ms_per_call_range"], " ms", 3),
                    ours,
                    f"{measured['ratio_to_sdk']:.2f}x",
                )
            )
            rows.append(
                Row(
                    "sdk",
                    f"{peer} {operation}, {label}: client CPU per call",
                    f"{measured['client_cpu_ms_per_call']:.3f} ms",
                    "",
                    ours_cpu,
                    f"{measured['client_cpu_ratio_to_sdk']:.2f}x",
                )
            )
    return rows


def _sdk_readme(data: dict[str, Any]) -> list[tuple[str, str]]:
    ratios = " / ".join(f"{data['results'][key]['ratio']:.2f}x" for key in SDK_SENDS)
    concurrency = data.get("arguments", {}).get("concurrency", "")
    return [
        (
            f"`bench_sdk.py`: `WebChatApi` send vs raw httpx2, sequential / {concurrency} "
            "concurrent async",
            f"{ratios} the raw time per call",
        )
    ]


def _runs_range(runs: list[dict[str, Any]], key: str, digits: int) -> str:
    values = [run[key] for run in runs]
    return _range(min(values), max(values), "", digits) if len(values) > 1 else ""


def _service_rows(data: dict[str, Any]) -> list[Row]:
    summary, t_runs, l_runs = data["summary"], data["throughput_runs"], data["latency_runs"]
    runs = f"{data['runs']} runs"
    return [
        Row(
            "service",
            f"{data['chats']} chats: messages accepted /s ({runs})",
            f"{summary['accepted_per_second']:.0f}",
            _runs_range(t_runs, "accepted_per_second", 0),
        ),
        Row(
            "service",
            "messages fanned out to streams /s",
            f"{summary['fanned_out_per_second']:.0f}",
            _runs_range(t_runs, "fanned_out_per_second", 0),
        ),
        Row("service", "accepted but not delivered", str(summary["lost"])),
        Row(
            "service",
            "service CPU per message",
            f"{summary['server_cpu_us_per_message']:.0f} µs",
            _runs_range(t_runs, "server_cpu_us_per_message", 0),
        ),
        Row(
            "service",
            f"POST to frame p50 at {summary['latency_load_per_second']:.0f}/s",
            f"{summary['p50_ms']:.2f} ms",
            _runs_range(l_runs, "p50_ms", 2),
        ),
        Row(
            "service",
            f"POST to frame p99 at {summary['latency_load_per_second']:.0f}/s",
            f"{summary['p99_ms']:.2f} ms",
            _runs_range(l_runs, "p99_ms", 2),
        ),
    ]


def _service_readme(data: dict[str, Any]) -> list[tuple[str, str]]:
    summary = data["summary"]
    lost = "none lost" if not summary["lost"] else f"{summary['lost']} lost"
    return [
        (
            f"`bench_service.py`: {data['chats']} chats, messages accepted and fanned out to "
            "their streams",
            f"{summary['accepted_per_second']:,.0f} msg/s (median of {data['runs']} runs), {lost}",
        ),
        (
            "`bench_service.py`: POST to frame on the stream at half that rate",
            f"p50 {summary['p50_ms']:.1f} ms, p99 {summary['p99_ms']:.1f} ms",
        ),
    ]


def _sessions_rows(data: dict[str, Any]) -> list[Row]:
    calm, drops = data["calm"], data["drops"]
    sessions = data.get("sessions", "")
    return [
        Row("sessions", f"{sessions} GuestChat sessions: RSS per session",
            f"{data['rss_per_session_kib']:.1f} KiB"),
        Row("sessions", "agent POST to guest event p50", f"{calm['latency_p50_ms']:.2f} ms"),
        Row("sessions", "agent POST to guest event p99", f"{calm['latency_p99_ms']:.2f} ms"),
        Row("sessions", f"messages under drops ({drops['streams_dropped']} streams dropped)",
            str(drops["messages"])),
        Row("sessions", "reconnects", str(drops["reconnects"])),
        Row("sessions", "lost / duplicated under drops",
            f"{drops['lost']} / {drops['duplicated']}"),
    ]  # fmt: skip


def _sessions_readme(data: dict[str, Any]) -> list[tuple[str, str]]:
    calm, drops = data["calm"], data["drops"]
    return [
        (
            f"`bench_sessions.py`: {data.get('sessions', '')} concurrent `GuestChat` sessions",
            f"{data['rss_per_session_kib']:.0f} KiB RSS each; agent to guest p50 "
            f"{calm['latency_p50_ms']:.1f} ms, p99 {calm['latency_p99_ms']:.0f} ms; "
            f"{drops['lost']} lost and {drops['duplicated']} duplicated with 10% of streams "
            "dropped every 2 s",
        )
    ]


def _load_rows(data: dict[str, Any]) -> list[Row]:
    parameters, latency = data["parameters"], data["latency"]
    reply, create = latency["reply"] or {}, latency["create"] or {}
    offered, steady = data.get("offeredPerSecond"), data.get("steadyAnswersPerSecond")
    generator, service = data["generator"], data.get("service", {})
    rows = [
        Row(
            "load",
            f"{parameters['guests']} guests, think {parameters['think']} s: answers /s, "
            "steady state (mean per second)",
            f"{steady}",
            "",
            f"{offered:.0f} offered" if offered else "",
            f"{steady / offered:.2f}x" if steady and offered else "",
        ),
        Row("load", "answers /s over the whole run", f"{data['throughputPerSecond']:.0f}"),
    ]
    for name in ("p50", "p90", "p99", "max"):
        rows.append(Row("load", f"reply {name}", f"{reply.get(f'{name}Ms', 0):.1f} ms"))
    rows += [
        Row("load", "chat creation p99", f"{create.get('p99Ms', 0):.1f} ms"),
        Row("load", "messages sent / lost / duplicated",
            f"{data['messages']['sent']} / {data['messages']['lost']} / "
            f"{data['messages']['duplicated']}"),
        Row("load", "errors", str(sum(data["errors"].values()))),
        Row("load", "load generator CPU, mean / max (share of one core)",
            f"{generator['cpuMeanShareOfOneCore']:.2f} / {generator['cpuMaxShareOfOneCore']:.2f}"),
        Row("load", "service CPU, mean / max (share of one core)",
            f"{service.get('cpuMeanShareOfOneCore') or 0:.2f} / "
            f"{service.get('cpuMaxShareOfOneCore') or 0:.2f}"),
        Row("load", "load generator's timers late, p99",
            f"{generator['loopLagP99Ms'] or 0:.0f} ms"),
        Row("load", "verdict", data["generatorLimited"] or "the generator kept up"),
    ]  # fmt: skip
    return rows


def _load_readme(data: dict[str, Any]) -> list[tuple[str, str]]:
    parameters, reply = data["parameters"], data["latency"]["reply"] or {}
    messages = data["messages"]
    return [
        (
            f"`bench_load.py`: `guestchat load`, {parameters['guests']:,} guests each sending "
            f"every {parameters['think']} s, the service in another process",
            f"{data.get('steadyAnswersPerSecond') or 0:.0f} answers/s in the steady state "
            f"({data.get('offeredPerSecond'):.0f} offered); reply p50 "
            f"{reply.get('p50Ms', 0):.0f} ms, p99 {reply.get('p99Ms', 0):.0f} ms; "
            f"{messages['lost']} lost, {messages['duplicated']} duplicated; generator "
            f"{data['generator']['cpuMeanShareOfOneCore']:.0%} of a core, service "
            f"{(data.get('service') or {}).get('cpuMeanShareOfOneCore') or 0:.0%}",
        )
    ]


def _abuse_rows(data: dict[str, Any]) -> list[Row]:
    flood, churn = data["flood"], data["churn"]
    base, hit = flood["baseline"], flood["abusive"]
    return [
        Row("abuse", "innocent guest p50 beside one flooding client", f"{hit['p50_ms']:.2f} ms",
            baseline=f"{base['p50_ms']:.2f} ms", ratio=f"{flood['ratio_p50']:.2f}x"),
        Row("abuse", "innocent guest p99 beside one flooding client", f"{hit['p99_ms']:.2f} ms",
            baseline=f"{base['p99_ms']:.2f} ms", ratio=f"{flood['ratio_p99']:.2f}x"),
        Row("abuse", f"RSS over rounds of {churn['streams_per_round']} streams opened and closed",
            " / ".join(f"{v:.0f}" for v in churn["rss_after_each_round_mib"]) + " MiB",
            baseline=f"{churn['rss_before_mib']:.0f} MiB before"),
    ]  # fmt: skip


def _abuse_readme(data: dict[str, Any]) -> list[tuple[str, str]]:
    flood, idle = data["flood"], data["idle"]
    return [
        (
            "`bench_abuse.py`: an innocent guest beside one client flooding its event stream",
            f"p50 {flood['ratio_p50']:.2f}x, p99 {flood['ratio_p99']:.2f}x its unloaded value",
        ),
        (
            f"`bench_abuse.py`: {idle['connections']} idle, slow-header and stalled-body "
            "connections",
            f"all closed after {idle['all_closed_after_s']:.1f} s ({idle['timeout_s']:g} s "
            f"timeouts); a guest served meanwhile in {idle['guest_served_after_s'] * 1000:.0f} ms",
        ),
    ]


WEB_MESSAGING_NOTES = (
    "The `wm-` rows measure Web Messaging, the Guest API of the vendor's Messenger, beside a "
    "baseline in the same run.",
    "",
    "- `bench_web_messaging_service.py` (`wm-service`): one service process, the echo agent "
    "answering at once, serves the same number of guests over both APIs; the runs alternate "
    "between the APIs, the order swapped every run. A Guest Chat guest POSTs its text and reads "
    "its event stream; a Web Messaging guest sends `onMessage` over raw `websockets`. A message "
    "is done when the guest's own message has come back (the echo) and the agent's `You said:` "
    "reply has arrived. Throughput is closed loop (each guest sends its next text when the last "
    "is done); latency is open loop at one rate for both, half the lower throughput. The ratio "
    "is Web Messaging's over Guest Chat's.",
    "- `bench_web_messaging_client.py` (`wm-client`): `WebMessagingClient.send_text` beside raw "
    "`websockets` doing the same work with the same connection options: send `onMessage`, wait "
    "for the echo with the request's `tracingId`, parse it. No agent, no rate limit; rounds "
    "alternate, the order swapped every round. The ratio is the client's median over raw's; "
    "the target is 1.10x. CPU per message is this process's, the service being in another.",
    "- `bench_web_messaging_sessions.py` (`wm-sessions`): `WebMessagingClient` sessions in one "
    "process, each with its event loop, the service in another. RSS per session is the "
    "process's growth over its own baseline (one session opened and closed first, so the code "
    "is in the baseline), against the 60 KiB target. The agents post through the control API; "
    "latency is from the start of the POST to the message in the guest's loop. Then 10% of the "
    "connections are dropped every 2 s, from this side, by aborting their sockets (the service "
    "has no Web Messaging drop fault): every message must arrive once, in order, by the live "
    "connection or the history backfill.",
    "",
)
"""The Web Messaging section of the report: what each ``wm-`` benchmark compares."""


def _wm_service_rows(data: dict[str, Any]) -> list[Row]:
    summaries, ratios = data["summaries"], data["ratios_web_messaging_over_guest_chat"]
    wm, gc = summaries["Web Messaging"], summaries["Guest Chat"]
    runs = f"{data['runs']} runs each, alternating"
    rows = []
    for measure, key, unit, digits in (
        (
            f"{data['guests']} guests: messages /s, echo and reply ({runs})",
            "messages_per_second",
            "",
            0,
        ),
        ("service CPU per message", "server_cpu_us_per_message", " µs", 0),
        (f"send to echo p50 at {wm['latency_load_per_second']:.0f}/s", "echo_p50_ms", " ms", 2),
        (f"send to echo p99 at {wm['latency_load_per_second']:.0f}/s", "echo_p99_ms", " ms", 2),
        ("send to reply p50", "reply_p50_ms", " ms", 2),
        ("send to reply p99", "reply_p99_ms", " ms", 2),
    ):
        ranged = wm.get(f"{key}_range")
        rows.append(
            Row(
                "wm-service",
                f"Web Messaging {measure}",
                f"{wm[key]:.{digits}f}{unit}",
                _range(*ranged, "", digits) if ranged and data["runs"] > 1 else "",
                f"Guest Chat {gc[key]:.{digits}f}{unit}",
                f"{ratios[key]:.2f}x" if ratios.get(key) is not None else "",
            )
        )
    rows.append(
        Row(
            "wm-service",
            "lost (Web Messaging / Guest Chat, all runs)",
            f"{wm['lost']} / {gc['lost']}",
        )
    )
    rows.append(
        Row(
            "wm-service",
            "load average before / after (2 CPUs, shared)",
            f"{data['loadavg_before']} / {data['loadavg_after']}",
        )
    )
    return rows


def _wm_service_readme(data: dict[str, Any]) -> list[tuple[str, str]]:
    summaries, ratios = data["summaries"], data["ratios_web_messaging_over_guest_chat"]
    wm, gc = summaries["Web Messaging"], summaries["Guest Chat"]
    return [
        (
            f"`bench_web_messaging_service.py`: {data['guests']} guests per API, the same "
            "service, runs alternating",
            f"Web Messaging {wm['messages_per_second']:,.0f} msg/s, "
            f"{wm['server_cpu_us_per_message']:.0f} µs service CPU each "
            f"({ratios['messages_per_second']:.2f}x and {ratios['server_cpu_us_per_message']:.2f}x "
            f"Guest Chat's); send to echo p50 {wm['echo_p50_ms']:.1f} ms, p99 "
            f"{wm['echo_p99_ms']:.1f} ms (Guest Chat {gc['echo_p50_ms']:.1f} / "
            f"{gc['echo_p99_ms']:.1f} ms); {wm['lost']} lost",
        )
    ]


WM_CLIENT_CASES = {
    "sequential": "one session, one message after the other",
    "concurrent": "sessions at once",
}
"""Each case of ``bench_web_messaging_client.py``, as the report names it."""


def _wm_client_rows(data: dict[str, Any]) -> list[Row]:
    rows = []
    for key, label in WM_CLIENT_CASES.items():
        figures = data["results"].get(key)
        if figures is None:
            continue
        if key == "concurrent":
            label = f"{figures['sessions']} {label}"
        raw_spread = _range(*figures["raw_ms_per_message_range"], " ms", 3)
        rows += [
            Row(
                "wm-client",
                f"WebMessagingClient send_text, {label}: wall per message",
                f"{figures['client_median_ms_per_message']:.3f} ms",
                _range(*figures["client_ms_per_message_range"], " ms", 3),
                f"raw websockets {figures['raw_median_ms_per_message']:.3f} ms ({raw_spread})",
                f"{figures['ratio']:.2f}x",
            ),
            Row(
                "wm-client",
                f"WebMessagingClient send_text, {label}: client CPU per message",
                f"{figures['client_cpu_ms_per_message']:.3f} ms",
                "",
                f"raw websockets {figures['raw_cpu_ms_per_message']:.3f} ms",
                f"{figures['client_cpu_ratio']:.2f}x",
            ),
        ]
    rows.append(
        Row(
            "wm-client",
            "load average before / after (2 CPUs, shared)",
            f"{data['loadavg_before']} / {data['loadavg_after']}",
        )
    )
    return rows


def _wm_client_readme(data: dict[str, Any]) -> list[tuple[str, str]]:
    results = data["results"]
    ratios = " / ".join(f"{results[key]['ratio']:.2f}x" for key in WM_CLIENT_CASES)
    cpu = " / ".join(f"{results[key]['client_cpu_ratio']:.2f}x" for key in WM_CLIENT_CASES)
    sessions = results["concurrent"]["sessions"]
    return [
        (
            "`bench_web_messaging_client.py`: `WebMessagingClient.send_text` vs raw `websockets` "
            f"(send, wait for the echo, parse), sequential / {sessions} sessions at once",
            f"{ratios} the raw time per message (CPU per message {cpu})",
        )
    ]


def _starved_in(drops: dict[str, Any]) -> str:
    """Where the event loop of a starved run was stuck: its innermost client frame."""
    stack = [entry.splitlines()[0] for entry in drops["starved"]["stack"]] or ["?"]
    frames = [line for line in stack if "webmessaging/_client.py" in line] or stack
    return frames[-1].split("purecloud_guest_chat_client/")[-1].replace('", line ', ":")


def _wm_sessions_rows(data: dict[str, Any]) -> list[Row]:
    calm, drops = data["calm"], data["drops"]
    sessions = data["sessions"]
    rows = [
        Row(
            "wm-sessions",
            f"{sessions} WebMessagingClient sessions: RSS per session",
            f"{data['rss_per_session_kib']:.1f} KiB",
            "",
            f"target {data['rss_target_kib']:.0f} KiB",
            f"{data['rss_per_session_kib'] / data['rss_target_kib']:.2f}x",
        ),
        Row(
            "wm-sessions",
            f"agent POST to guest event p50 at {calm['rate_per_second']:.0f}/s",
            f"{calm['latency_p50_ms']:.2f} ms",
        ),
        Row("wm-sessions", "agent POST to guest event p99", f"{calm['latency_p99_ms']:.2f} ms"),
    ]
    if "starved" in drops:
        rows.append(
            Row(
                "wm-sessions",
                "lost / duplicated under drops",
                "not measured: the event loop stopped turning, in " + _starved_in(drops),
            )
        )
    else:
        rows += [
            Row(
                "wm-sessions",
                f"messages under drops ({drops['connections_dropped']} connections dropped)",
                str(drops["messages"]),
            ),
            Row("wm-sessions", "reconnects", str(drops["reconnects"])),
            Row(
                "wm-sessions",
                "lost / duplicated / sessions out of order under drops",
                f"{drops['lost']} / {drops['duplicated']} / {drops['sessions_out_of_order']}",
            ),
        ]
    rows.append(
        Row(
            "wm-sessions",
            "load average before / after (2 CPUs, shared)",
            f"{data['loadavg_before']} / {data['loadavg_after']}",
        )
    )
    return rows  # fmt: skip


def _wm_sessions_readme(data: dict[str, Any]) -> list[tuple[str, str]]:
    calm, drops = data["calm"], data["drops"]
    if "starved" in drops:
        under = f"under drops not measured: the event loop stopped turning ({_starved_in(drops)})"
    else:
        under = (
            f"{drops['lost']} lost and {drops['duplicated']} duplicated with 10% of the "
            "connections dropped every 2 s"
        )
    return [
        (
            f"`bench_web_messaging_sessions.py`: {data['sessions']:,} concurrent "
            "`WebMessagingClient` sessions in one process",
            f"{data['rss_per_session_kib']:.0f} KiB RSS each; agent to guest p50 "
            f"{calm['latency_p50_ms']:.1f} ms, p99 {calm['latency_p99_ms']:.0f} ms; {under}",
        )
    ]


BENCHMARKS = (
    Benchmark(
        "import", "bench_import.py", "import.json", ("--runs", "15"), ("--runs", "2"),
        _import_rows, _import_readme,
    ),
    Benchmark(
        "sdk", "bench_sdk.py", "sdk.json",
        ("--rounds", "15", "--calls", "200", "--concurrency", "200", "--creates", "50"),
        ("--rounds", "2", "--calls", "10", "--concurrency", "10", "--creates", "3"),
        _sdk_rows, _sdk_readme,
    ),
    Benchmark(
        "service", "bench_service.py", "service.json",
        ("--chats", "100", "--seconds", "5", "--runs", "3"),
        ("--chats", "4", "--seconds", "0.5", "--runs", "1"),
        _service_rows, _service_readme,
    ),
    Benchmark(
        "sessions", "bench_sessions.py", "sessions.json",
        ("--sessions", "500", "--seconds", "20"), ("--sessions", "5", "--seconds", "1"),
        _sessions_rows, _sessions_readme,
    ),
    Benchmark(
        "load", "bench_load.py", "load.json",
        ("--guests", "2000", "--ramp", "30", "--duration", "90", "--think", "5"),
        ("--guests", "6", "--ramp", "0.5", "--duration", "2", "--think", "0.2"),
        _load_rows, _load_readme,
    ),
    Benchmark(
        "wm-service", "bench_web_messaging_service.py", "web_messaging_service.json",
        ("--guests", "100", "--seconds", "5", "--runs", "3"),
        ("--guests", "3", "--seconds", "0.3", "--runs", "1"),
        _wm_service_rows, _wm_service_readme,
    ),
    Benchmark(
        "wm-client", "bench_web_messaging_client.py", "web_messaging_client.json",
        ("--rounds", "15", "--messages", "200", "--concurrency", "50", "--profile"),
        ("--rounds", "1", "--messages", "5", "--concurrency", "2"),
        _wm_client_rows, _wm_client_readme,
    ),
    Benchmark(
        "wm-sessions", "bench_web_messaging_sessions.py", "web_messaging_sessions.json",
        ("--sessions", "1000", "--seconds", "20", "--memory-profile", "200"),
        ("--sessions", "5", "--seconds", "1"),
        _wm_sessions_rows, _wm_sessions_readme,
    ),
    Benchmark(
        "abuse", "bench_abuse.py", "abuse.json", (), ("--quick",), _abuse_rows, _abuse_readme,
    ),
)  # fmt: skip


def _run(benchmark: Benchmark, quick: bool, results: Path, bound: float) -> str | None:
    """Run one benchmark in its own process; the reason it failed, or None."""
    command = [
        sys.executable,
        str(HERE / benchmark.script),
        *(benchmark.quick if quick else benchmark.full),
        "--results",
        str(results),
    ]
    print(f"== {benchmark.name}: {' '.join(command[1:])}", flush=True)
    began = time.perf_counter()
    try:
        finished = subprocess.run(command, cwd=ROOT, timeout=bound, check=False)
    except subprocess.TimeoutExpired:
        return f"did not finish within {bound:.0f} s"
    print(f"== {benchmark.name}: {time.perf_counter() - began:.1f} s", flush=True)
    if finished.returncode != 0:
        return f"exited with status {finished.returncode}"
    if not (results / benchmark.results).is_file():
        return f"wrote no {benchmark.results}"
    return None


def _machine() -> dict[str, Any]:
    from purecloud_guest_chat_client.load.machine import describe_machine

    return describe_machine()


def _plot_sdk(data: dict[str, Any], path: Path) -> bool:
    try:
        import matplotlib

        matplotlib.use("Agg")
        from matplotlib.figure import Figure
    except ImportError:
        return False
    cases = [case for case in SDK_CASES if case in data["results"]]
    series: list[tuple[str, list[tuple[float, list[float]] | None]]] = [
        (
            who,
            [
                (
                    data["results"][case][f"{key}_median_ms_per_call"],
                    data["results"][case][f"{key}_ms_per_call_range"],
                )
                for case in cases
            ],
        )
        for who, key in (("WebChatApi", "sdk"), ("raw httpx2", "raw"))
    ]
    for peer in data.get("peers", {}):
        figures = [data["results"][case].get("peers", {}).get(peer, {}) for case in cases]
        points = [
            (f["median_ms_per_call"], f["ms_per_call_range"]) if "ms_per_call_range" in f else None
            for f in figures
        ]
        if any(points):
            series.append((peer, points))
    figure = Figure(figsize=(8, 4), dpi=100, layout="constrained")
    axes = figure.add_subplot()
    width = 0.8 / len(series)
    for offset, (who, points) in enumerate(series):
        for index, point in enumerate(points):
            if point is None:
                continue
            median, (low, high) = point
            axes.bar(
                index + offset * width,
                median,
                width=width * 0.95,
                yerr=[[median - low], [high - median]],
                capsize=3,
                color=f"C{offset}",
                label=who if index == next(i for i, p in enumerate(points) if p) else None,
            )
    labels = [" ".join(SDK_CASES[case]) for case in cases]
    axes.set_xticks([index + width * (len(series) - 1) / 2 for index in range(len(cases))], labels)
    axes.set_ylabel("ms per call (median, min..max)")
    axes.set_title("The SDK beside raw httpx2 and the vendor's SDKs, same service, same run")
    axes.legend()
    axes.grid(axis="y", alpha=0.3)
    figure.savefig(path)
    return True


def _plot_import(data: dict[str, Any], path: Path) -> bool:
    try:
        import matplotlib

        matplotlib.use("Agg")
        from matplotlib.figure import Figure
    except ImportError:
        return False
    results = data["results"]
    names = list(results)
    figure = Figure(figsize=(8, 0.6 * len(names) + 1.4), dpi=100, layout="constrained")
    axes = figure.add_subplot()
    medians = [results[name]["median_seconds"] * 1000 for name in names]
    axes.barh(names, medians, color="tab:blue")
    for index, value in enumerate(medians):
        rss = results[names[index]]["median_peak_rss_mib"]
        axes.text(value, index, f" {value:.0f} ms, {rss:.0f} MiB", va="center", fontsize=8)
    axes.invert_yaxis()
    axes.set_xlabel("wall time of a fresh process (ms, median)")
    axes.set_title("Import cost beside its baselines")
    axes.set_xlim(0, max(medians) * 1.35)
    axes.grid(axis="x", alpha=0.3)
    figure.savefig(path)
    return True


def _peers(payloads: dict[str, dict[str, Any]]) -> dict[str, str]:
    """Each vendor peer and what became of it in the benchmarks that run the peers."""
    found: dict[str, dict[str, str]] = {}
    for name in ("import", "sdk"):
        for peer, status in payloads.get(name, {}).get("peers", {}).items():
            found.setdefault(peer, {})[name] = status
    if not found:
        return {"vendor SDKs": "not looked for (neither the import nor the sdk benchmark ran)"}
    peers = {}
    for peer, statuses in found.items():
        if len(set(statuses.values())) == 1:
            peers[peer] = f"{next(iter(statuses.values()))} ({', '.join(statuses)})"
        else:
            peers[peer] = "; ".join(f"{name}: {status}" for name, status in statuses.items())
    return peers


def _markdown(
    machine: dict[str, Any],
    rows: list[Row],
    failures: dict[str, str],
    peers: dict[str, str],
    plots: list[tuple[str, str]],
    kept: list[str],
    quick: bool,
    started: datetime,
    took: float,
) -> str:
    lines = [
        "# Benchmarks",
        "",
        f"Written by `python -m benchmarks{' --quick' if quick else ''}` on "
        f"{started:%Y-%m-%d %H:%M} UTC (the run took {took / 60:.1f} min; "
        f"{machine.get('cpus')} CPUs). Each benchmark runs in "
        "its own process beside its baseline, in the same run, on the same machine; the figures "
        "are medians, the spread is the lowest and highest of the rounds or runs, and the ratio "
        "is the row's median over its baseline (below 1 is faster or smaller): ours over the "
        "bare dependencies or raw httpx2, a vendor peer's over ours, and Web Messaging's over "
        "Guest Chat's or raw `websockets`'. The scripts are in "
        "`benchmarks/`; run one alone with `python benchmarks/bench_NAME.py --help`.",
        "",
    ]
    if quick:
        lines += ["**Quick mode: tiny sizes that only check that everything runs.**", ""]
    if kept:
        lines += [f"Kept from an earlier run of the same runner: {', '.join(kept)}.", ""]
    lines += ["## The machine", ""]
    load = machine.get("loadAverage")
    lines += [
        f"- {machine.get('processor') or machine.get('machine')}, {machine.get('cpus')} CPUs, "
        f"{machine.get('memoryMiB', '?')} MiB of memory, {machine.get('system')}",
        f"- {machine.get('python')}",
        f"- load average before the run: {' '.join(map(str, load)) if load else 'n/a'} (the "
        "machine may be shared: rates move with other load, CPU per message and ratios much "
        "less)",
        "",
        "## Figures",
        "",
        "| benchmark | measure | median | spread | baseline | ratio |",
        "|---|---|---:|---|---|---:|",
    ]
    lines += [
        f"| {row.benchmark} | {row.measure} | {row.median} | {row.spread} | {row.baseline} | "
        f"{row.ratio} |"
        for row in rows
    ]
    lines += [
        "",
        "## Peers",
        "",
        "The vendor's SDKs run beside ours when they are installed, in their own processes, "
        "against the same local service, with the same calls: the Python platform SDK "
        "(`pip install PureCloudPlatformClientV2==263.0.0`, the last with the guest chat "
        "operations) and the JS guest SDK through node (`npm install --prefix benchmarks "
        "--no-save --no-package-lock purecloud-guest-chat-client@13`). The vendor's Python SDK "
        "has no asyncio API, so it has no concurrent figure; it also warns on every guest call "
        "that the operation is deprecated, which is part of its cost.",
        "",
    ]
    lines += [f"- {peer}: {status}" for peer, status in peers.items()]
    if failures:
        lines += ["", "## Not measured", ""]
        lines += [f"- {name}: {reason}" for name, reason in failures.items()]
    if plots:
        lines += ["", "## Plots", ""]
        for title, file in plots:
            lines += [f"### {title}", "", f"![{title}]({PLOTS}/{file})", ""]
    lines += [
        "",
        "## Load",
        "",
        "`bench_load.py` is `guestchat load` against the service in another process; see "
        "`guestchat load --help` to run your own, and `--out DIR` for its `results.json` and "
        "plots. Locust (`examples/locustfile.py`) spreads the same guest over many machines.",
        "",
        "## Web Messaging",
        "",
        *WEB_MESSAGING_NOTES,
    ]
    return "\n".join(lines)


def _update_readme(entries: list[tuple[str, str]]) -> bool:
    text = README.read_text(encoding="utf-8")
    if README_START not in text or README_END not in text:
        return False
    head, rest = text.split(README_START, 1)
    _old, tail = rest.split(README_END, 1)
    table = [
        "",
        "| benchmark | figure |",
        "|---|---|",
        *(f"| {name} | {figure} |" for name, figure in entries),
        "",
        "The full table (medians, spreads, baselines and ratios), the machine and the plots: "
        "[docs/benchmarks.md](docs/benchmarks.md).",
        "",
    ]
    README.write_text(head + README_START + "\n".join(table) + README_END + tail, "utf-8")
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="tiny sizes; checks that all runs")
    parser.add_argument(
        "--only",
        action="append",
        choices=[benchmark.name for benchmark in BENCHMARKS],
        help="run only this benchmark (repeatable)",
    )
    parser.add_argument(
        "--report-only",
        action="store_true",
        help="run nothing: write the report from the last results",
    )
    parser.add_argument(
        "--results", type=Path, default=HERE / "results", help="where the raw JSON goes"
    )
    parser.add_argument(
        "--docs",
        type=Path,
        default=None,
        help="where benchmarks.md and its plots go (default: docs/, or the results directory "
        "with --quick)",
    )
    args = parser.parse_args(argv)
    results: Path = args.results
    docs: Path = args.docs or (results if args.quick else ROOT / "docs")
    results.mkdir(parents=True, exist_ok=True)
    (docs / PLOTS).mkdir(parents=True, exist_ok=True)
    started, began = datetime.now(UTC), time.perf_counter()
    machine = _machine()
    bound = 300.0 if args.quick else 1800.0
    rows: list[Row] = []
    readme: list[tuple[str, str]] = []
    failures: dict[str, str] = {}
    payloads: dict[str, dict[str, Any]] = {}
    kept: list[str] = []
    for benchmark in BENCHMARKS:
        if args.report_only or (args.only and benchmark.name not in args.only):
            # Not run this time: the figures of its last run, if there are any, stay in the
            # report, said to be kept.
            if not (results / benchmark.results).is_file():
                failures[benchmark.name] = "not run (--only or --report-only)"
                continue
            measured = datetime.fromtimestamp((results / benchmark.results).stat().st_mtime, UTC)
            kept.append(f"{benchmark.name} (measured {measured:%Y-%m-%d %H:%M} UTC)")
        else:
            failure = _run(benchmark, args.quick, results, bound)
            if failure is not None:
                failures[benchmark.name] = failure
                continue
        data = json.loads((results / benchmark.results).read_text())
        payloads[benchmark.name] = data
        rows += benchmark.rows(data)
        readme += benchmark.readme(data)
    peers = _peers(payloads)
    plots: list[tuple[str, str]] = []
    if "sdk" in payloads and _plot_sdk(payloads["sdk"], docs / PLOTS / "sdk_vs_httpx2.png"):
        plots.append(("The SDK beside raw httpx2 and the vendor's SDKs", "sdk_vs_httpx2.png"))
    if "import" in payloads and _plot_import(payloads["import"], docs / PLOTS / "import.png"):
        plots.append(("Import cost", "import.png"))
    service_plot = results / "service_latency.png"
    if "service" in payloads and service_plot.is_file():
        shutil.copyfile(service_plot, docs / PLOTS / "service_latency.png")
        plots.append(("The service: POST to frame latency", "service_latency.png"))
    wm_plot = results / "web_messaging_service_latency.png"
    if "wm-service" in payloads and wm_plot.is_file():
        shutil.copyfile(wm_plot, docs / PLOTS / "web_messaging_service_latency.png")
        plots.append(
            ("The service: Web Messaging beside Guest Chat, send to echo",
             "web_messaging_service_latency.png")
        )  # fmt: skip
    for plot, title in (
        ("latency_over_time.png", "Load: reply latency over time"),
        ("throughput_over_time.png", "Load: throughput and the generator's CPU over time"),
    ):
        made = results / "load" / plot
        if "load" in payloads and made.is_file():
            shutil.copyfile(made, docs / PLOTS / f"load_{plot}")
            plots.append((title, f"load_{plot}"))
    report = docs / "benchmarks.md"
    took = time.perf_counter() - began
    report.write_text(
        _markdown(machine, rows, failures, peers, plots, kept, args.quick, started, took),
        "utf-8",
    )
    print(f"wrote {report}")
    if not args.quick and not failures:
        if _update_readme(readme):
            print(f"updated the performance table in {README}")
        else:
            print(f"{README} has no benchmarks markers; its table was left alone")
    for name, reason in failures.items():
        print(f"{name}: {reason}", file=sys.stderr)
    for peer, status in peers.items():
        print(f"{peer}: {status}")
    if rows:
        width = max(len(row.measure) for row in rows)
        for row in rows:
            extra = f"  vs {row.baseline} = {row.ratio}" if row.ratio else ""
            print(f"{row.benchmark:9} {row.measure:<{width}} {row.median:>12}{extra}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
