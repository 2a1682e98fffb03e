"""The agent console in a real browser (Chromium driven by Playwright) against the real service.

A guest created through the SDK is played against the page, as a developer would: the page
joins, reads, answers, types, transfers and ends, and the guest's ``GuestChat`` sees each step.
A Web Messaging guest (``SyncWebMessagingClient``) receives the structured content the page sends.
"""

from __future__ import annotations

import os
import re
import shutil
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest

from purecloud_guest_chat_client import MemberState
from purecloud_guest_chat_client.emulator import ControlClient, LocalService
from purecloud_guest_chat_client.session import TYPING_INTERVAL, SyncGuestChat
from purecloud_guest_chat_client.stream import (
    AgentJoined,
    AgentLeft,
    ChatEnded,
    EndReason,
    MediaRequestEvent,
    MemberChangeEvent,
    MessageEvent,
    Transferred,
    TypingEvent,
)
from purecloud_guest_chat_client.webmessaging import (
    Card,
    DatePicker,
    ListPicker,
    SyncWebMessagingClient,
    WebMessage,
)

from .web_messaging_guest import DEPLOYMENT as WEB_DEPLOYMENT

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
try:
    from playwright import sync_api as playwright_api
except ImportError:
    if IN_CI:  # in CI a missing browser driver is a failure, not a skip
        raise
    pytest.skip("Playwright is missing: pip install -e '.[dev]'", allow_module_level=True)

Browser = playwright_api.Browser
Page = playwright_api.Page
Route = playwright_api.Route
expect = playwright_api.expect

INSTALL_HINT = (
    "no Chromium found for the console's browser tests: install one with "
    "`apt-get install -y chromium` (or point GUESTCHAT_CHROMIUM at a Chromium binary)"
)
# Without the background-networking switches Chromium keeps trying to reach Google's services.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
WAIT_MS = 10_000
TIMINGS: dict[str, Any] = {"port": 0, "heartbeat_seconds": 1.0, "agent": "manual"}
SCREENSHOT = Path(__file__).resolve().parents[2] / "docs" / "console.png"
WAIT_TIME = re.compile(r"waiting \d+:\d\d")
TYPING_INTERVAL_MS = int(TYPING_INTERVAL * 1000)

Event = TypeVar("Event")


def _chromium() -> str | None:
    for candidate in (os.environ.get("GUESTCHAT_CHROMIUM"), "/usr/bin/chromium"):
        if candidate and Path(candidate).is_file():
            return candidate
    return shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    executable = _chromium()
    if executable is None:
        if IN_CI:
            pytest.fail(INSTALL_HINT)
        pytest.skip(INSTALL_HINT)
    expect.set_options(timeout=WAIT_MS)
    with playwright_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def desk() -> Iterator[LocalService]:
    """One service for the module, with agents only the page brings in."""
    with LocalService(**TIMINGS) as service:
        yield service


def open_console(browser: Browser, desk: LocalService, *, fake_clock: bool = False) -> Page:
    context = browser.new_context(viewport={"width": 1400, "height": 860})
    opened = context.new_page()
    if fake_clock:  # the page's own time, which the test moves on instead of waiting
        opened.clock.install()
    opened.goto(desk.base_url + "/console")
    expect(opened.get_by_role("status").filter(has_text="Live")).to_be_visible()
    return opened


@pytest.fixture
def page(browser: Browser, desk: LocalService) -> Iterator[Page]:
    opened = open_console(browser, desk)
    yield opened
    opened.context.close()


@pytest.fixture
def clocked_page(browser: Browser, desk: LocalService) -> Iterator[Page]:
    opened = open_console(browser, desk, fake_clock=True)
    yield opened
    opened.context.close()


@pytest.fixture
def guests(desk: LocalService) -> Iterator[Callable[..., SyncGuestChat]]:
    started: list[SyncGuestChat] = []

    def start(name: str, **info: Any) -> SyncGuestChat:
        chat = SyncGuestChat.start(
            "org-1",
            "deployment-1",
            "Support",
            {"displayName": name, **info},
            environment=desk.base_url,
        )
        started.append(chat)
        return chat

    yield start
    for chat in started:
        close_guest(chat)


def close_guest(chat: SyncGuestChat | SyncWebMessagingClient) -> None:
    """``SyncGuestChat.close`` (and the Web Messaging client's) finishes its loop in the calling
    thread, which fails while Playwright's own loop runs in this one: it closes from a thread of
    its own."""
    closer = threading.Thread(target=chat.close)
    closer.start()
    closer.join()


def events_until(
    chat: SyncGuestChat, kind: type[Event], test: Callable[[Event], bool] = bool
) -> tuple[list[object], Event]:
    """What the guest saw before the first ``kind`` event that passes ``test``, and that event."""
    seen: list[object] = []
    deadline = time.monotonic() + WAIT_MS / 1000
    while time.monotonic() < deadline:
        try:
            event = chat.next_event(timeout=max(0.01, deadline - time.monotonic()))
        except TimeoutError:
            break
        if event is None:
            break
        if isinstance(event, kind) and test(event):
            return seen, event
        seen.append(event)
    raise AssertionError(f"no {kind.__name__}; the guest saw {seen}")


def wait_for(chat: SyncGuestChat, kind: type[Event], test: Callable[[Event], bool] = bool) -> Event:
    return events_until(chat, kind, test)[1]


def typing_by(name: str, events: list[object]) -> list[TypingEvent]:
    return [e for e in events if isinstance(e, TypingEvent) and e.sender.display_name == name]


def said_by(name: str) -> Callable[[MessageEvent], bool]:
    return lambda e: e.sender.display_name == name and e.body_type == "standard"


def chat_item(page: Page, name: str) -> Any:
    return page.get_by_role("list", name="Chats").get_by_role("listitem").filter(has_text=name)


def join(page: Page, guest_name: str, agent_name: str) -> None:
    page.get_by_label("Your name").fill(agent_name)
    chat_item(page, guest_name).get_by_role("button", name="Join", exact=True).click()
    expect(page.get_by_role("log").get_by_text(f"{agent_name} (agent) joined")).to_be_visible()


def test_the_page_plays_the_agent_for_a_guest(
    page: Page, guests: Callable[..., SyncGuestChat]
) -> None:
    guest = guests("Ada Lovelace", customFields={"plan": "gold"})
    guests("Margaret Hamilton", customFields={"topic": "billing"})
    item = chat_item(page, "Ada Lovelace")
    expect(item).to_contain_text("waiting")
    expect(item).to_contain_text("plan: gold")
    expect(item).to_contain_text(WAIT_TIME)
    expect(page.get_by_role("button", name="Join", exact=True)).to_have_count(2)

    join(page, "Ada Lovelace", "Alice")
    before, joined = events_until(guest, AgentJoined)
    assert joined.agent.display_name == "Alice"
    # The page's Join is the control API's: the agent rings (ALERTING) before it answers.
    agent_states = [
        e.member.state
        for e in before
        if isinstance(e, MemberChangeEvent) and e.member.id == joined.agent.id
    ]
    assert agent_states == [MemberState.ALERTING, MemberState.CONNECTED]
    expect(item).to_contain_text("with Alice")
    expect(chat_item(page, "Margaret Hamilton")).to_contain_text("waiting")
    expect(page.get_by_role("list", name="Members")).to_contain_text("Alice agent · connected")

    guest.send("My order A-1042 has not arrived")
    expect(page.get_by_role("log")).to_contain_text("My order A-1042 has not arrived")
    expect(item).to_contain_text("Ada Lovelace: My order A-1042 has not arrived")
    guest.send("It was due on Monday")
    expect(item).to_contain_text("Ada Lovelace: It was due on Monday")

    guest.typing()
    expect(page.get_by_text("Ada Lovelace is typing…")).to_be_visible()

    message = page.get_by_label("Message")
    message.press_sequentially("Sorry to hear that")
    wait_for(guest, TypingEvent, lambda e: e.sender.display_name == "Alice")
    message.press("Enter")
    answer = wait_for(guest, MessageEvent, said_by("Alice"))
    assert answer.body == "Sorry to hear that"
    expect(message).to_have_value("")
    expect(page.get_by_role("log")).to_contain_text("Sorry to hear that")
    expect(item).to_contain_text("Alice: Sorry to hear that")

    page.get_by_label("Message").fill("Let me check with the warehouse.")
    page.get_by_role("button", name="Send", exact=True).click()
    again = wait_for(guest, MessageEvent, said_by("Alice"))
    assert again.body == "Let me check with the warehouse."

    guest.typing()  # a fresh indicator, for the picture
    expect(page.get_by_text("Ada Lovelace is typing…")).to_be_visible()
    if os.environ.get("GUESTCHAT_CONSOLE_SCREENSHOT"):
        page.screenshot(path=str(SCREENSHOT))


def test_what_is_typed_while_a_message_is_on_its_way_is_the_next_message(
    page: Page, guests: Callable[..., SyncGuestChat]
) -> None:
    guest = guests("Chien-Shiung Wu")
    join(page, "Chien-Shiung Wu", "Ida")
    wait_for(guest, AgentJoined)
    held: list[Route] = []

    def hold_the_first(route: Route) -> None:  # the service answers the first one late
        if held:
            route.continue_()
        else:
            held.append(route)

    page.route("**/messages", hold_the_first)
    message = page.get_by_label("Message")
    message.press_sequentially("First")
    with page.expect_request("**/messages"):
        message.press("Enter")
    expect(message).to_have_value("")  # at once, before the service has answered
    message.press_sequentially("Second")
    assert len(held) == 1
    held[0].continue_()
    assert wait_for(guest, MessageEvent, said_by("Ida")).body == "First"  # type: ignore[attr-defined]
    expect(message).to_have_value("Second")
    message.press("Enter")
    assert wait_for(guest, MessageEvent, said_by("Ida")).body == "Second"  # type: ignore[attr-defined]

    # A message the service never took comes back to the box, to be sent again.
    page.unroute("**/messages")
    page.route("**/messages", lambda route: route.abort())
    message.press_sequentially("Third")
    message.press("Enter")
    expect(message).to_have_value("Third")
    expect(page.locator("#status")).to_contain_text("Sent failed")


def test_typing_sends_one_indicator_per_interval_and_the_wait_time_runs(
    clocked_page: Page, guests: Callable[..., SyncGuestChat]
) -> None:
    page = clocked_page
    guest = guests("Mary Somerville")
    other_guest = guests("Emmy Noether")
    item = chat_item(page, "Mary Somerville")
    expect(item).to_contain_text(re.compile(r"waiting 0:\d\d"))
    page.clock.fast_forward("01:00")  # the page's clock: the list counts the wait on its own
    expect(item).to_contain_text(re.compile(r"waiting 1:\d\d"))

    join(page, "Emmy Noether", "Noor")
    events_until(other_guest, AgentJoined)
    join(page, "Mary Somerville", "Nell")
    events_until(guest, AgentJoined)
    # From here the page's time stands still unless the test moves it on.
    page.clock.pause_at(page.evaluate("Date.now()") + 1)
    message = page.get_by_label("Message")

    def indicators_for(text: str, *, one_expected: bool) -> list[TypingEvent]:
        """The agent's typing indicators the guest saw for ``text`` typed key by key. The
        message sent afterwards marks the end of the burst in the guest's stream; an expected
        indicator is awaited first, so that it cannot be overtaken by the message."""
        message.press_sequentially(text)
        seen: list[object] = []
        if one_expected:
            before, first = events_until(
                guest, TypingEvent, lambda e: e.sender.display_name == "Nell"
            )
            seen += [*before, first]
        message.press("Enter")
        seen += events_until(guest, MessageEvent, lambda e: e.body == text)[0]
        # The guest's stream can deliver the message before the page has the answer to its send
        # and empties the box; typing on before then would add to the text still in it.
        expect(message).to_have_value("")
        return typing_by("Nell", seen)

    assert len(indicators_for("One moment while I look that up", one_expected=True)) == 1
    page.clock.fast_forward(TYPING_INTERVAL_MS - 1)
    assert indicators_for("Still looking", one_expected=False) == []
    page.clock.fast_forward(1)
    assert len(indicators_for("Found it", one_expected=True)) == 1

    # The interval is each agent's own: typing in another chat straight away is not held back.
    chat_item(page, "Emmy Noether").get_by_role("button", name="Emmy Noether", exact=True).click()
    expect(page.get_by_role("heading", name="Emmy Noether")).to_be_visible()
    message.press_sequentially("Hello Emmy")
    wait_for(other_guest, TypingEvent, lambda e: e.sender.display_name == "Noor")


def test_transfer_media_request_leave_and_end_reach_the_guest(
    page: Page, guests: Callable[..., SyncGuestChat]
) -> None:
    guest = guests("Grace Hopper")
    join(page, "Grace Hopper", "Bob")
    wait_for(guest, AgentJoined)

    page.get_by_label("Transfer to").fill("Carol")
    page.get_by_role("button", name="Transfer", exact=True).click()
    moved = wait_for(guest, Transferred)
    assert moved.to_agent.display_name == "Carol"
    assert moved.from_agent is not None and moved.from_agent.display_name == "Bob"
    expect(chat_item(page, "Grace Hopper")).to_contain_text("with Carol")

    page.get_by_label("Media request").select_option("SCREENSHARE")
    page.get_by_role("button", name="Send media request", exact=True).click()
    wait_for(guest, MediaRequestEvent)
    expect(page.get_by_role("log")).to_contain_text("Carol sent a screen share request")

    page.get_by_role("button", name="Leave", exact=True).click()
    left = wait_for(guest, AgentLeft)
    assert left.agent.display_name == "Carol"
    expect(chat_item(page, "Grace Hopper")).to_contain_text("waiting")

    page.get_by_role("button", name="End chat", exact=True).click()
    ended = wait_for(guest, ChatEnded)
    assert ended.reason is EndReason.AGENT_ENDED
    expect(chat_item(page, "Grace Hopper")).to_contain_text("ended")
    expect(page.get_by_role("button", name="End chat", exact=True)).to_be_disabled()


def test_two_tabs_on_one_chat_agree(
    browser: Browser, page: Page, desk: LocalService, guests: Callable[..., SyncGuestChat]
) -> None:
    guest = guests("Hedy Lamarr")
    other = page.context.new_page()
    other.goto(desk.base_url + "/console")
    expect(chat_item(other, "Hedy Lamarr")).to_contain_text("waiting")

    join(page, "Hedy Lamarr", "Dana")
    expect(chat_item(other, "Hedy Lamarr")).to_contain_text("with Dana")
    chat_item(other, "Hedy Lamarr").get_by_role("button", name="Hedy Lamarr", exact=True).click()
    expect(other.get_by_role("log")).to_contain_text("Dana (agent) joined")

    other.get_by_label("Message").fill("Sent from the second tab")
    other.get_by_label("Message").press("Enter")
    heard = wait_for(guest, MessageEvent, said_by("Dana"))
    assert heard.body == "Sent from the second tab"
    guest.send("Thanks, both of you")
    for tab in (page, other):
        expect(tab.get_by_role("log")).to_contain_text("Sent from the second tab")
        expect(tab.get_by_role("log")).to_contain_text("Thanks, both of you")

    other.close()  # closing a tab leaves the chat as it is
    with ControlClient(desk.control_url) as control:
        assert control.conversation(guest.conversation_id)["status"] == "active"
    page.reload()
    chat_item(page, "Hedy Lamarr").get_by_role("button", name="Hedy Lamarr", exact=True).click()
    expect(page.get_by_role("log")).to_contain_text("Thanks, both of you")


def test_a_refresh_of_the_fault_panel_keeps_the_latency_being_typed(
    page: Page, desk: LocalService
) -> None:
    """The feed's snapshot refreshes the panel; it used to reset the latency field to the
    service's value, so a refresh between typing and clicking set the latency to 0."""
    page.get_by_label("Milliseconds").fill("40")
    with ControlClient(desk.control_url) as control:
        control.set_faults(silence={})
    page.evaluate("refreshFaults()")
    faults = page.get_by_role("list", name="Faults in force")
    expect(faults).to_contain_text("silenced: all chats")
    expect(page.get_by_label("Milliseconds")).to_have_value("40")
    page.get_by_role("button", name="Set latency", exact=True).click()
    expect(faults).to_contain_text("latency 40 ms")
    with ControlClient(desk.control_url) as control:
        assert control.faults()["latencyMs"] == 40
        control.clear_faults()


def test_the_fault_panel_sets_and_clears_faults(page: Page, desk: LocalService) -> None:
    page.get_by_label("Applies to").select_option("all")
    page.get_by_label("Milliseconds").fill("25")
    page.get_by_role("button", name="Set latency", exact=True).click()
    faults = page.get_by_role("list", name="Faults in force")
    expect(faults).to_contain_text("latency 25 ms")
    page.get_by_label("Next requests").fill("2")
    page.get_by_label("Path contains").fill("/messages")
    page.get_by_role("button", name="Fail requests", exact=True).click()
    expect(faults).to_contain_text("next 2 request(s) fail with 500")
    page.get_by_role("button", name="Silence streams", exact=True).click()
    expect(faults).to_contain_text("silenced: all chats")
    with ControlClient(desk.control_url) as control:
        state = control.faults()
    assert state["latencyMs"] == 25 and state["errors"][0]["count"] == 2
    page.get_by_role("button", name="Clear faults", exact=True).click()
    expect(faults).to_have_text("none")
    with ControlClient(desk.control_url) as control:
        assert control.faults()["latencyMs"] == 0


def test_the_console_needs_the_control_token_when_one_is_set(browser: Browser) -> None:
    with LocalService(**TIMINGS, control_token="tok-3") as svc:
        context = browser.new_context()
        try:
            page = context.new_page()
            response = page.goto(svc.base_url + "/console")
            assert response is not None and response.status == 401
            expect(page.get_by_label("Control token")).to_be_visible()
            page.get_by_label("Control token").fill("wrong")
            page.get_by_role("button", name="Sign in", exact=True).click()
            expect(page.get_by_role("alert")).to_contain_text("not this service's control token")

            page.get_by_label("Control token").fill("tok-3")
            page.get_by_role("button", name="Sign in", exact=True).click()
            expect(page.get_by_role("status").filter(has_text="Live")).to_be_visible()
            assert page.url == svc.base_url + "/console"
            chat = SyncGuestChat.start(
                "org-1", "deployment-1", "Support", "Katherine", environment=svc.base_url
            )
            try:
                join(page, "Katherine", "Eve")
                assert wait_for(chat, AgentJoined).agent.display_name == "Eve"
            finally:
                close_guest(chat)
            cookies = context.cookies()
            assert [c["httpOnly"] for c in cookies] == [True]
            assert cookies[0]["sameSite"] == "Strict"
            assert "tok-3" not in cookies[0]["value"]

            fresh = browser.new_context()
            try:
                linked = fresh.new_page()
                linked.goto(svc.base_url + "/console?token=tok-3")
                assert linked.url == svc.base_url + "/console"
                expect(chat_item(linked, "Katherine")).to_be_visible()
            finally:
                fresh.close()
        finally:
            context.close()


@pytest.fixture
def web_guest(desk: LocalService) -> Iterator[SyncWebMessagingClient]:
    guest = SyncWebMessagingClient(WEB_DEPLOYMENT, desk.base_url)
    guest.connect()
    yield guest
    close_guest(guest)


def agent_says(guest: SyncWebMessagingClient, text: str) -> WebMessage:
    """The agent's next message with ``text``, as the Web Messaging guest got it."""
    seen: list[object] = []
    deadline = time.monotonic() + WAIT_MS / 1000
    while time.monotonic() < deadline:
        event = guest.next_event(timeout=max(0.01, deadline - time.monotonic()))
        if isinstance(event, WebMessage) and not event.is_inbound and event.text == text:
            return event
        seen.append(event)
    raise AssertionError(f"no agent message {text!r}; the guest saw {seen}")


def send_with_content(page: Page, text: str, kind: str, choices: str, title: str = "") -> None:
    page.get_by_label("Message").fill(text)
    page.get_by_label("Kind of content").select_option(label=kind)
    if title:
        page.get_by_label("Title", exact=True).fill(title)
    page.get_by_label("Choices").fill(choices)
    page.get_by_role("button", name="Send", exact=True).click()


def test_the_page_sends_structured_content_to_a_web_messaging_guest(
    page: Page, web_guest: SyncWebMessagingClient
) -> None:
    join(page, "Web Messaging guest", "Wendy")
    expect(
        page.get_by_label("Title", exact=True)
    ).to_be_hidden()  # text only: the fields wait for a kind

    send_with_content(page, "Which size?", "Quick replies", "Small, Large")
    asked = agent_says(web_guest, "Which size?")
    assert asked.type == "Structured"
    assert [(q.text, q.payload) for q in asked.quick_replies] == [
        ("Small", "Small"),
        ("Large", "Large"),
    ]
    # A sent message leaves the panel at text only, so the next one is plain unless asked.
    expect(page.get_by_label("Kind of content")).to_have_value("")
    web_guest.send_quick_reply("Small", "Small")
    expect(page.get_by_role("log")).to_contain_text("Small")

    send_with_content(page, "Our sizes", "A card", "Small, Large", title="Sizes")
    (card,) = agent_says(web_guest, "Our sizes").content
    assert isinstance(card, Card) and card.title == "Sizes"
    assert [(a.type, a.text, a.payload) for a in card.actions] == [
        ("Postback", "Small", "Small"),
        ("Postback", "Large", "Large"),
    ]

    send_with_content(page, "Pick a colour", "A list picker", "Red, Blue", title="Colours")
    (picker,) = agent_says(web_guest, "Pick a colour").content
    assert isinstance(picker, ListPicker) and picker.received_message == "Pick a colour"
    (section,) = picker.sections
    assert section.title == "Colours" and [i.title for i in section.items] == ["Red", "Blue"]

    # A time the page cannot read is refused on the page, before anything is sent.
    send_with_content(page, "When suits you?", "A date picker", "next Tuesday")
    expect(page.locator("#status")).to_contain_text('"next Tuesday" is not a date and time')
    expect(page.get_by_label("Message")).to_have_value("When suits you?")
    page.get_by_label("Choices").fill("2030-01-07T09:00:00Z, 2030-01-07T10:00:00Z")
    page.get_by_role("button", name="Send", exact=True).click()
    (dates,) = agent_says(web_guest, "When suits you?").content
    assert isinstance(dates, DatePicker)
    assert [
        (t.date_time and t.date_time.isoformat(), t.duration_seconds) for t in dates.available_times
    ] == [
        ("2030-01-07T09:00:00+00:00", 1800),
        ("2030-01-07T10:00:00+00:00", 1800),
    ]
