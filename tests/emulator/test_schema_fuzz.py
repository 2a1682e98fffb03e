"""Schema-driven fuzzing of a real running service: every operation of /openapi.json (guest REST
API and control API), with data the schema allows and data it forbids, one call at a time and in
sequences that follow the document's links. No answer is a 5xx, every answer is what the
document says, and every error is an ErrorBody whose contextId is its inin-correlation-id.

The sizes are kept small for the suite; GUESTCHAT_FUZZ_EXAMPLES raises them for a longer run.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from typing import Any

import httpx2
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from websockets.sync.client import connect

from purecloud_guest_chat_client.emulator import LocalService
from purecloud_guest_chat_client.models import ErrorBody

from ..helpers import API, create_body

schemathesis = pytest.importorskip("schemathesis")
from schemathesis.specs.openapi.checks import positive_data_acceptance  # noqa: E402

GenerationMode = schemathesis.GenerationMode

EXAMPLES = int(os.environ.get("GUESTCHAT_FUZZ_EXAMPLES", "12"))
STATEFUL_STEPS = int(os.environ.get("GUESTCHAT_FUZZ_STEPS", "8"))


class LiveChat:
    """A routed chat on the fuzzed service."""

    def __init__(self, chat: dict[str, Any], agent_id: str) -> None:
        self.id: str = chat["id"]
        self.member_id: str = chat["member"]["id"]
        self.jwt: str = chat["jwt"]
        self.agent_id = agent_id


@pytest.fixture
def fuzzed(service_factory: Callable[..., LocalService]) -> Iterator[tuple[LocalService, LiveChat]]:
    service = service_factory(rate_limit_per_minute=0, agent_join_delay=0.0, agent_reply_delay=0.0)
    with httpx2.Client(base_url=service.base_url) as http:
        chat = http.post(API, json=create_body()).json()
    # Held open, the chat stays routed. Nothing reads it while the fuzzing runs: with a bounded
    # queue the client would stop reading once the heartbeats filled it, miss the service's
    # answer to its close and wait out its close timeout.
    with connect(chat["eventStreamUri"], max_queue=None) as stream:
        while True:  # the echo agent joins once the stream is attached
            body = json.loads(stream.recv(timeout=10)).get("eventBody", {})
            if (
                body.get("bodyType") == "member-join"
                and body["sender"]["id"] != chat["member"]["id"]
            ):
                break
        yield service, LiveChat(chat, body["sender"]["id"])


def _config(*disabled_operations: str, **parameters: str) -> Any:
    config = schemathesis.Config.from_dict(
        {
            "generation": {"max-examples": EXAMPLES, "mode": "all"},
            "phases": {"stateful": {"max-steps": STATEFUL_STEPS}},
            "operations": [
                {"include-operation-id": operation_id, "enabled": False}
                for operation_id in disabled_operations
            ],
        }
    )
    if parameters:
        config.projects.default.update(parameters=parameters)
    return config


def _schema(service: LocalService, *disabled_operations: str, **parameters: str) -> Any:
    config = _config(*disabled_operations, **parameters)
    return schemathesis.openapi.from_url(f"{service.base_url}/openapi.json", config=config)


def assert_error_body(response: Any) -> None:
    """An error is a valid ErrorBody whose contextId is the response's correlation id."""
    if response.status_code < 400:
        return
    correlation = response.headers.get("inin-correlation-id")
    correlation = correlation[0] if isinstance(correlation, list) else correlation
    body = json.loads(response.content)
    error = ErrorBody.model_validate(body)
    assert error.status == response.status_code, body
    assert error.code and error.message, body
    assert error.context_id == correlation, body
    assert (error.message_with_params or "").format(**(error.message_params or {})) == (
        error.message
    ), body


# Valid fault configurations make the service fail on purpose: only invalid ones are sent.
_NEGATIVE_ONLY = {"controlSetFaults"}


def _fuzz_each_operation(
    schema: Any, headers: dict[str, str] | None = None, *, state_changes: bool = False
) -> None:
    """Every operation, with data the schema allows and data it forbids.

    With ``state_changes``, valid calls act on one live chat, whose state they change (an agent
    leaves, the chat ends): a valid call may then be refused with a 400 for the chat's state,
    which no schema can tell, so only the schema-blind checks apply to what is accepted.
    """
    excluded = [positive_data_acceptance] if state_changes else []
    failures: list[str] = []
    for result in schema.get_all_operations():
        operation = result.ok()
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            operation_id = operation.definition.raw.get("operationId")
            if mode is GenerationMode.POSITIVE and operation_id in _NEGATIVE_ONLY:
                continue

            @given(case=operation.as_strategy(generation_mode=mode))
            @_SETTINGS
            def call(case: Any) -> None:
                response = case.call_and_validate(headers=headers, excluded_checks=excluded)
                assert response.status_code < 500
                assert_error_body(response)

            try:
                call()
            except Unsatisfiable:  # nothing of the operation can be made invalid
                pass
            except (Exception, BaseExceptionGroup) as exc:  # every operation is tried
                failures.append(f"{operation.label} ({mode.value}): {exc}")
    assert not failures, "\n\n".join(failures)


_SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    database=None,
    phases=[Phase.explicit, Phase.generate],
)


def test_every_operation_with_made_up_ids(fuzzed: tuple[LocalService, LiveChat]) -> None:
    service, _ = fuzzed
    _fuzz_each_operation(_schema(service))


def test_every_operation_on_a_live_chat(fuzzed: tuple[LocalService, LiveChat]) -> None:
    """The ids of a live chat, whose guest's token every call carries: calls reach the chat."""
    service, chat = fuzzed
    schema = _schema(
        service, conversationId=chat.id, memberId=chat.member_id, agentId=chat.agent_id
    )
    _fuzz_each_operation(schema, {"Authorization": f"Bearer {chat.jwt}"}, state_changes=True)


def test_call_sequences_following_the_links(
    fuzzed: tuple[LocalService, LiveChat],
) -> None:
    service, chat = fuzzed
    # Sequences of valid calls: valid fault configurations would make the service fail.
    schema = _schema(service, *_NEGATIVE_ONLY)
    tokens = {chat.id: chat.jwt}
    create = schema[API]["POST"]

    class Workflow(schema.as_state_machine()):  # type: ignore[misc]
        def get_call_kwargs(self, case: Any) -> dict[str, Any]:
            token = tokens.get((case.path_parameters or {}).get("conversationId", ""))
            return {"headers": {"Authorization": f"Bearer {token}"}} if token else {}

        def after_call(self, response: Any, case: Any) -> None:
            if case.operation is create and response.status_code == 200:
                created = response.json()
                tokens[created["id"]] = created["jwt"]
            assert response.status_code < 500
            assert_error_body(response)

    run = Workflow.TestCase
    run.settings = settings(
        max_examples=EXAMPLES,
        stateful_step_count=STATEFUL_STEPS,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        database=None,
    )
    run().runTest()
