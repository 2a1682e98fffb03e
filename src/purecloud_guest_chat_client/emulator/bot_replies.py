"""What bot agents answer: the echo agent, or rules read from a script file.

A script file is JSON or TOML holding a list of rules; the first rule whose ``match`` regular
expression is found in the guest's message answers with its ``reply``. ``{text}`` in a reply is
the guest's message, and ``\\1`` or ``\\g<name>`` are the regex groups. A message no rule matches
gets no answer (end with a ``match = ".*"`` rule to answer everything)::

    greeting = "Hello, I am the scripted agent."      # optional, sent when the agent joins

    [[rules]]
    match = "(?i)opening hours"
    reply = "We are open 9 to 5."

    [[rules]]
    match = ".*"
    reply = "You said: {text}"

A rule may also send structured content (quick replies, a card, a carousel, a list or date
picker; see ``structured_content``) with its reply: a Web Messaging guest gets it with the text,
a Guest Chat guest the text only::

    [[rules]]
    match = "(?i)size"
    reply = "Which size?"
    content = [{contentType = "QuickReply", quickReply = {text = "Small", payload = "small"}}]

JSON is the same shape: ``{"greeting": "...", "rules": [{"match": "...", "reply": "..."}]}``, or
just the list of rules.

The echo agent answers ``You said: <text>``, with the example content of ``structured_content``
when the guest's text names one (``quick replies``, ``card``, ...).
"""

from __future__ import annotations

import json
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from .settings import ServiceSettings
from .structured_content import Content, ContentError, echo_example, validate_content


@dataclass(frozen=True)
class Reply:
    """A bot's answer: its text, and the structured content sent with it, if any."""

    text: str
    content: Content | None = None


class Responder(Protocol):
    greeting: str | None

    def reply_to(self, text: str) -> Reply | None: ...


class EchoResponder:
    greeting: str | None = None

    def reply_to(self, text: str) -> Reply | None:
        return Reply(f"You said: {text}", echo_example(text))


@dataclass(frozen=True)
class Rule:
    pattern: re.Pattern[str]
    reply: str
    content: Content | None = None


class ScriptResponder:
    def __init__(self, rules: list[Rule], greeting: str | None = None) -> None:
        self.rules = rules
        self.greeting = greeting

    def reply_to(self, text: str) -> Reply | None:
        for rule in self.rules:
            found = rule.pattern.search(text)
            if found is not None:
                reply = found.expand(rule.reply.replace("{text}", text.replace("\\", "\\\\")))
                return Reply(reply, rule.content)
        return None


def load_script(path: Path) -> ScriptResponder:
    try:
        raw = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ValueError(f"cannot read the agent script {path}: {exc.strerror}") from None
    try:
        data: Any = json.loads(raw) if path.suffix.lower() == ".json" else tomllib.loads(raw)
    except (ValueError, tomllib.TOMLDecodeError) as exc:
        raise ValueError(f"the agent script {path} is not valid: {exc}") from None
    greeting = None
    if isinstance(data, dict):
        greeting = data.get("greeting")
        if greeting is not None and not isinstance(greeting, str):
            raise ValueError(f"{path}: 'greeting' must be a string")
        data = data.get("rules")
    if not isinstance(data, list) or not data:
        raise ValueError(f"{path}: expected a non-empty list of rules {{match, reply}}")
    rules = []
    for i, entry in enumerate(data):
        if not isinstance(entry, dict):
            raise ValueError(f"{path}: rule {i} must be a table/object with match and reply")
        match, reply = entry.get("match"), entry.get("reply")
        if not isinstance(match, str) or not isinstance(reply, str):
            raise ValueError(f"{path}: rule {i} needs string 'match' and 'reply'")
        content = entry.get("content")
        if content is not None:
            try:
                content = validate_content(content, f"rule {i} content")
            except ContentError as exc:
                raise ValueError(f"{path}: {exc}") from None
        try:
            rules.append(Rule(re.compile(match), reply, content))
        except re.error as exc:
            raise ValueError(f"{path}: rule {i} has an invalid regex: {exc}") from None
    return ScriptResponder(rules, greeting)


def make_responder(settings: ServiceSettings) -> Responder | None:
    """The bot agents' answers; None when agents act only through the control API."""
    script = settings.script_path
    if script is not None:
        return load_script(script)
    if settings.agent == "echo":
        return EchoResponder()
    return None
