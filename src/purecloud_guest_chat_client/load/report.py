"""``results.json``: every figure of a run, with its parameters and the machine it ran on."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .. import __version__
from .engine import LoadRun
from .machine import describe_machine, generator_limited

__all__ = ["RESULTS_FILE", "results", "write_results"]

RESULTS_FILE = "results.json"


def results(run: LoadRun) -> dict[str, Any]:
    recorder = run.recorder
    started = datetime.fromtimestamp(recorder.wall_started, UTC)
    return {
        "tool": f"purecloud-guest-chat-client {__version__}",
        "startedAt": started.isoformat(timespec="seconds"),
        "interrupted": run.interrupted,
        "parameters": {"environment": run.target.environment, **run.plan.to_dict()},
        "machine": describe_machine(),
        "generatorLimited": generator_limited(recorder),
        **recorder.figures(),
        "perSecond": recorder.per_second(),
    }


def write_results(run: LoadRun, out_dir: Path) -> Path:
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / RESULTS_FILE
    path.write_text(json.dumps(results(run), indent=2) + "\n", encoding="utf-8")
    return path
