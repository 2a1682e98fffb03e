// The agent console: renders what the agent feed reports and acts through the control API.
// It keeps no state of its own: everything shown comes from the service, so tabs agree.
"use strict";

const CONTROL = "{{CONTROL_PREFIX}}";
const FEED = CONTROL + "/events";
const TYPING_SHOWN_MS = 4000;
const ROLE_NAMES = { CUSTOMER: "guest", AGENT: "agent", ACD: "queue", WORKFLOW: "workflow" };
const STATE_NAMES = { new: "new", waiting: "waiting", "with-agent": "with an agent", ended: "ended" };
const MEDIA_NAMES = { COBROWSE: "co-browse", SCREENSHARE: "screen share" };

const view = {
  conversations: new Map(),
  openId: null,
  transcript: null, // {loaded, ids: Set, messages: [], early: [], mediaRequests: []}
  typingTimers: new Map(),
  typingIntervalMs: 3000,
  lastTypingSent: new Map(), // agent member id -> when this page last sent its indicator
  feedRetryMs: 250,
};

const $ = (id) => document.getElementById(id);

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") node.className = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

function say(text, problem) {
  const status = $("status");
  status.textContent = text;
  status.classList.toggle("problem", Boolean(problem));
}

// -- the control API -------------------------------------------------------------------------

async function api(method, path, body) {
  const headers = { "X-Guestchat-Console": "1" };
  const init = { method, headers, credentials: "same-origin" };
  if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const response = await fetch(CONTROL + path, init);
  if (response.status === 401) {
    window.location.assign("/console"); // the session is gone: the sign-in page
    throw new Error("Signed out: sign in again.");
  }
  if (!response.ok) {
    let message = response.status + " " + response.statusText;
    try {
      const error = await response.json();
      message = error.message || error.code || message;
    } catch (_) {
      // not an ErrorBody: keep the status line
    }
    throw new Error(message);
  }
  return response.status === 204 ? null : response.json();
}

async function act(what, operation) {
  try {
    const result = await operation();
    say(what);
    return result;
  } catch (error) {
    say(what + " failed: " + error.message, true);
    return undefined;
  }
}

// -- conversation facts ----------------------------------------------------------------------

function members(conversation) {
  return conversation ? conversation.members || [] : [];
}

function memberById(conversation, id) {
  return members(conversation).find((m) => m.id === id);
}

function guestOf(conversation) {
  return memberById(conversation, conversation.guestMemberId) || {};
}

function nameOf(member) {
  if (!member) return "Someone";
  const full = [member.firstName, member.lastName].filter(Boolean).join(" ");
  return member.displayName || full || ROLE_NAMES[member.role] || "Someone";
}

function connectedAgents(conversation) {
  return members(conversation).filter((m) => m.role === "AGENT" && m.state === "CONNECTED");
}

function isActive(conversation) {
  return conversation && conversation.status === "active";
}

function actingAgent(conversation) {
  const agents = connectedAgents(conversation);
  const chosen = $("send-as").value;
  return agents.find((a) => a.id === chosen) || agents[0] || null;
}

function waitingSince(conversation) {
  const acd = members(conversation).filter((m) => m.role === "ACD" && m.joinDate);
  const guest = guestOf(conversation);
  const start = acd.length ? acd[acd.length - 1].joinDate : guest.joinDate || conversation.createdDate;
  return Date.parse(start);
}

function elapsed(sinceMs) {
  const seconds = Math.max(0, Math.floor((Date.now() - sinceMs) / 1000));
  const minutes = Math.floor(seconds / 60);
  const hours = Math.floor(minutes / 60);
  const pad = (n) => String(n).padStart(2, "0");
  return hours ? `${hours}:${pad(minutes % 60)}:${pad(seconds % 60)}` : `${minutes}:${pad(seconds % 60)}`;
}

function clock(timestamp) {
  const date = new Date(timestamp);
  return Number.isNaN(date.getTime()) ? "" : date.toLocaleTimeString([], { hour12: false });
}

// -- the chat list ---------------------------------------------------------------------------

const LIST_ORDER = { waiting: 0, new: 1, "with-agent": 2, ended: 3 };

function sortedConversations() {
  return [...view.conversations.values()].sort((a, b) => {
    const order = (LIST_ORDER[a.queueState] ?? 9) - (LIST_ORDER[b.queueState] ?? 9);
    if (order) return order;
    const sign = a.queueState === "waiting" ? 1 : -1; // the longest wait first, else the newest
    return sign * (Date.parse(a.createdDate) - Date.parse(b.createdDate));
  });
}

function waitText(conversation) {
  switch (conversation.queueState) {
    case "waiting":
      return "waiting " + elapsed(waitingSince(conversation));
    case "with-agent":
      return "with " + (conversation.agentNames || []).join(", ");
    case "new":
      return "connecting";
    default:
      return "ended";
  }
}

function renderList() {
  const list = $("chat-list");
  const items = sortedConversations().map((conversation) => {
    const guest = guestOf(conversation);
    const fields = Object.entries(guest.customFields || {});
    const last = conversation.lastMessage;
    const lastSender = last ? memberById(conversation, last.sender && last.sender.id) : null;
    const joinButton =
      conversation.queueState === "waiting"
        ? el("button", { type: "button", class: "primary small", onclick: (event) => {
            event.stopPropagation();
            join(conversation.id);
          } }, "Join")
        : null;
    return el(
      "li",
      {
        class: "chat-item " + conversation.queueState + (conversation.id === view.openId ? " open" : ""),
        "data-conversation-id": conversation.id,
        "aria-current": conversation.id === view.openId ? "true" : null,
        onclick: () => openChat(conversation.id),
      },
      el("div", { class: "item-head" },
        el("button", { type: "button", class: "link", title: "Open this chat" }, nameOf(guest)),
        el("span", { class: "badge " + conversation.queueState }, STATE_NAMES[conversation.queueState] || conversation.queueState)),
      el("div", { class: "item-meta" },
        el("span", { class: "wait", "data-wait-for": conversation.id }, waitText(conversation)),
        el("span", { class: "queue" }, conversation.queue)),
      fields.length
        ? el("div", { class: "item-fields" }, fields.map(([k, v]) => el("span", { class: "field" }, `${k}: ${v}`)))
        : null,
      last ? el("p", { class: "last" }, el("b", {}, nameOf(lastSender) + ": "), last.body) : null,
      joinButton,
    );
  });
  list.replaceChildren(...items);
  $("no-chats").hidden = items.length > 0;
  $("chat-count").textContent = items.length ? String(items.length) : "";
}

function tickWaits() {
  for (const node of document.querySelectorAll("[data-wait-for]")) {
    const conversation = view.conversations.get(node.dataset.waitFor);
    if (conversation) node.textContent = waitText(conversation);
  }
}

// -- the open chat ---------------------------------------------------------------------------

async function openChat(id) {
  if (view.openId === id && view.transcript) return;
  view.openId = id;
  clearTyping();
  view.transcript = { loaded: false, ids: new Set(), messages: [], early: [], mediaRequests: [] };
  $("message").value = "";
  renderList();
  renderChat();
  await loadTranscript(id);
}

async function loadTranscript(id) {
  let detail;
  try {
    detail = await api("GET", "/conversations/" + encodeURIComponent(id));
  } catch (error) {
    say("Could not read the chat: " + error.message, true);
    return;
  }
  const transcript = view.transcript;
  if (view.openId !== id || !transcript) return;
  const fresh = { loaded: true, ids: new Set(), messages: [], early: [], mediaRequests: detail.mediaRequests || [] };
  for (const message of [...(detail.messages || []), ...transcript.early]) addMessage(fresh, message);
  view.transcript = fresh;
  renderChat();
}

function addMessage(transcript, message) {
  if (transcript.ids.has(message.id)) return false;
  transcript.ids.add(message.id);
  transcript.messages.push(message);
  return true;
}

function messageLine(conversation, message) {
  const sender = memberById(conversation, message.sender && message.sender.id);
  const role = (sender && sender.role) || (message.sender && message.sender.role) || "";
  const who = nameOf(sender);
  const time = el("time", { datetime: message.timestamp }, clock(message.timestamp));
  switch (message.bodyType) {
    case "member-join":
      return el("li", { class: "event" }, time, `${who} (${ROLE_NAMES[role] || role}) joined`);
    case "member-leave":
      return el("li", { class: "event" }, time, `${who} (${ROLE_NAMES[role] || role}) left`);
    case "media-request": {
      let text = "a media request";
      try {
        const request = JSON.parse(message.body);
        const kinds = (request.types || []).map((t) => MEDIA_NAMES[t] || t).join(" and ");
        text = `${kinds} request`;
        const current = (view.transcript.mediaRequests || []).find((r) => r.id === request.id);
        if (current) text += ` (${current.state.toLowerCase()})`;
      } catch (_) {
        // an unreadable body: name it generically
      }
      return el("li", { class: "event" }, time, `${who} sent a ${text}`);
    }
    default:
      return el(
        "li",
        { class: "message " + role.toLowerCase() + (message.bodyType === "notice" ? " notice" : "") },
        el("div", { class: "from" }, el("b", {}, who), " ", time),
        el("div", { class: "body" }, message.body),
      );
  }
}

function renderChat() {
  const conversation = view.conversations.get(view.openId);
  $("no-chat").hidden = Boolean(conversation);
  $("chat-view").hidden = !conversation;
  if (!conversation) return;
  const guest = guestOf(conversation);
  const active = isActive(conversation);
  $("chat-title").textContent = nameOf(guest);
  $("chat-meta").textContent = `${conversation.queue} · ${conversation.id}`;
  const badge = $("chat-state");
  badge.className = "badge " + conversation.queueState;
  badge.textContent = waitText(conversation);
  badge.dataset.waitFor = conversation.id;

  const details = Object.entries({
    email: guest.email,
    phone: guest.phoneNumber,
    ...(guest.customFields || {}),
  }).filter(([, v]) => v !== undefined && v !== null && v !== "");
  $("chat-fields").replaceChildren(...details.flatMap(([k, v]) => [el("dt", {}, k), el("dd", {}, String(v))]));

  $("chat-members").replaceChildren(
    ...members(conversation).map((m) =>
      el("li", { class: "member " + m.state.toLowerCase() },
        el("b", {}, nameOf(m)), ` ${ROLE_NAMES[m.role] || m.role} · ${m.state.toLowerCase()}`)),
  );

  const transcript = view.transcript;
  const log = $("transcript");
  const atBottom = log.scrollHeight - log.scrollTop - log.clientHeight < 40;
  log.replaceChildren(...(transcript ? transcript.messages.map((m) => messageLine(conversation, m)) : []));
  if (atBottom || !transcript || !transcript.loaded) log.scrollTop = log.scrollHeight;

  const agents = connectedAgents(conversation);
  const sendAs = $("send-as");
  const chosen = sendAs.value;
  sendAs.replaceChildren(...agents.map((a) => el("option", { value: a.id, selected: a.id === chosen }, nameOf(a))));
  $("send-as-row").hidden = agents.length < 2;

  const hasAgent = active && agents.length > 0;
  $("join-bar").hidden = conversation.queueState !== "waiting";
  $("message").disabled = !hasAgent;
  $("message").placeholder = hasAgent
    ? "Type an answer; Enter sends, Shift+Enter starts a new line"
    : active ? "Join the chat to answer" : "The chat has ended";
  $("send").disabled = !hasAgent;
  for (const id of ["content-kind", "content-title", "content-choices"]) $(id).disabled = !hasAgent;
  $("transfer").disabled = !active;
  $("transfer-to").disabled = !active;
  $("media-request").disabled = !hasAgent;
  $("media-type").disabled = !hasAgent;
  $("leave").disabled = !hasAgent;
  $("end-chat").disabled = conversation.status === "ended";
  renderTyping();
}

// -- typing ----------------------------------------------------------------------------------

function clearTyping() {
  for (const timer of view.typingTimers.values()) clearTimeout(timer);
  view.typingTimers.clear();
  renderTyping();
}

function stopTyping(memberId) {
  clearTimeout(view.typingTimers.get(memberId));
  view.typingTimers.delete(memberId);
}

function renderTyping() {
  const conversation = view.conversations.get(view.openId);
  const own = actingAgent(conversation);
  const names = [...view.typingTimers.keys()]
    .filter((id) => !own || id !== own.id)
    .map((id) => nameOf(memberById(conversation, id)));
  $("typing").textContent = names.length ? `${names.join(", ")} ${names.length > 1 ? "are" : "is"} typing…` : "";
}

function typingSeen(event) {
  if (event.conversationId !== view.openId) return;
  stopTyping(event.memberId);
  view.typingTimers.set(event.memberId, setTimeout(() => {
    view.typingTimers.delete(event.memberId);
    renderTyping();
  }, TYPING_SHOWN_MS));
  renderTyping();
}

function agentTyping() {
  const conversation = view.conversations.get(view.openId);
  const agent = actingAgent(conversation);
  const now = Date.now();
  if (!agent || !isActive(conversation) || !$("message").value.trim()) return;
  // The protocol's interval holds per member: another chat's agent may type at once.
  if (now - (view.lastTypingSent.get(agent.id) ?? -Infinity) < view.typingIntervalMs) return;
  view.lastTypingSent.set(agent.id, now);
  const path = `/conversations/${encodeURIComponent(conversation.id)}/members/${encodeURIComponent(agent.id)}/typing`;
  api("POST", path).catch(() => {}); // a lost typing indicator is not worth a message
}

// -- actions ---------------------------------------------------------------------------------

function agentName() {
  return $("agent-name").value.trim() || "Agent";
}

async function join(id) {
  const name = agentName();
  const agent = await act(`Joined as ${name}`, () =>
    api("POST", `/conversations/${encodeURIComponent(id)}/agents`, { displayName: name }));
  if (agent) {
    await openChat(id);
    $("send-as").value = agent.id;
    renderChat();
    $("message").focus();
  }
}

async function send() {
  const conversation = view.conversations.get(view.openId);
  const agent = actingAgent(conversation);
  const box = $("message");
  const body = box.value;
  if (!agent || !body.trim()) return;
  let content;
  try {
    content = structuredContent(body.trim());
  } catch (problem) {
    say(problem.message, true);
    $("content-choices").focus();
    return;
  }
  const path = `/conversations/${encodeURIComponent(conversation.id)}/members/${encodeURIComponent(agent.id)}/messages`;
  const request = content ? { body, content } : { body };
  // Emptied at once, not when the service answers: what the agent types meanwhile is the next
  // message, not the end of this one.
  box.value = "";
  const sent = await act(content ? "Sent with its content" : "Sent", () => api("POST", path, request));
  // A refused message comes back to be edited, unless the agent has begun another.
  if (!sent && !box.value) box.value = body;
  if (sent && content) {
    // Content goes with one message: the next is text only unless asked again.
    for (const id of ["content-kind", "content-title", "content-choices"]) $(id).value = "";
    renderContentFields();
  }
  box.focus();
}

// -- structured content ----------------------------------------------------------------------

// What the Title and Choices fields hold for each kind (the field is hidden when null).
const CONTENT_FIELDS = {
  QuickReply: { title: null, choices: "Replies, separated by commas: Yes, No" },
  Card: { title: "Card title (default: the message)", choices: "Buttons, separated by commas" },
  ListPicker: { title: "Section title", choices: "Items, separated by commas" },
  DatePicker: { title: "Picker title", choices: "Times, separated by commas: 2030-01-07T09:00Z" },
};
const SLOT_SECONDS = 1800;

function renderContentFields() {
  const fields = CONTENT_FIELDS[$("content-kind").value];
  for (const node of document.querySelectorAll(".content-field")) node.hidden = !fields;
  if (!fields) return;
  const title = $("content-title");
  title.hidden = title.labels[0].hidden = fields.title === null;
  title.placeholder = fields.title || "";
  $("content-choices").placeholder = fields.choices;
}

// The content the panel describes, in the control API's shapes; null for text only. Throws an
// Error that says what is missing, before anything is sent.
function structuredContent(body) {
  const kind = $("content-kind").value;
  if (!kind) return null;
  const title = $("content-title").value.trim();
  const choices = $("content-choices").value.split(",").map((c) => c.trim()).filter(Boolean);
  if (!choices.length) throw new Error("Enter the choices, separated by commas.");
  switch (kind) {
    case "QuickReply":
      return choices.map((text) => ({ contentType: kind, quickReply: { text, payload: text } }));
    case "Card": {
      const actions = choices.map((text) => ({ type: "Postback", text, payload: text }));
      return [{ contentType: kind, card: { title: title || body, actions } }];
    }
    case "ListPicker": {
      const items = choices.map((text, index) => ({ id: `item-${index + 1}`, title: text }));
      const section = { title: title || "Options", multipleSelection: false, items };
      return [{ contentType: kind, listPicker: { receivedMessage: body, replyMessage: "Thank you", sections: [section] } }];
    }
    case "DatePicker": {
      const availableTimes = choices.map((text) => {
        const when = new Date(text);
        if (Number.isNaN(when.getTime())) throw new Error(`"${text}" is not a date and time such as 2030-01-07T09:00Z.`);
        return { dateTime: when.toISOString(), duration: SLOT_SECONDS };
      });
      return [{ contentType: kind, datePicker: title ? { title, availableTimes } : { availableTimes } }];
    }
    default:
      throw new Error(`This page cannot build ${kind} content.`);
  }
}

async function transfer() {
  const conversation = view.conversations.get(view.openId);
  const to = $("transfer-to").value.trim();
  if (!to) {
    say("Enter the name of the agent to transfer to.", true);
    $("transfer-to").focus();
    return;
  }
  const done = await act(`Transferred to ${to}`, () =>
    api("POST", `/conversations/${encodeURIComponent(conversation.id)}/transfer`, { displayName: to }));
  if (done) $("transfer-to").value = "";
}

async function mediaRequest() {
  const conversation = view.conversations.get(view.openId);
  const type = $("media-type").value;
  await act(`Sent a ${MEDIA_NAMES[type] || type} request`, () =>
    api("POST", `/conversations/${encodeURIComponent(conversation.id)}/mediarequests`, { types: [type] }));
}

async function leave(end) {
  const conversation = view.conversations.get(view.openId);
  // Ending needs a member of the contact centre: the agent, or the queue while nobody answered.
  const member =
    actingAgent(conversation) ||
    (end ? members(conversation).find((m) => m.role !== "CUSTOMER" && m.state === "CONNECTED")
      || members(conversation).find((m) => m.role !== "CUSTOMER") : null);
  if (!member) {
    say(end ? "Nobody on the contact centre's side can end this chat yet." : "No agent to leave.", true);
    return;
  }
  const path = `/conversations/${encodeURIComponent(conversation.id)}/members/${encodeURIComponent(member.id)}`;
  await act(end ? "Ended the chat" : `${nameOf(member)} left`, () =>
    api("DELETE", path + (end ? "?end=true" : "?end=false")));
}

// -- faults ----------------------------------------------------------------------------------

function faultTarget() {
  return $("fault-scope").value === "open" && view.openId ? { conversationId: view.openId } : {};
}

function renderFaults(faults) {
  if (!faults) return;
  const lines = [];
  if (faults.latencyMs) lines.push(`latency ${faults.latencyMs} ms`);
  for (const rule of faults.errors || []) {
    const where = rule.pathContains ? ` on paths with ${rule.pathContains}` : "";
    lines.push(`next ${rule.count} request(s) fail with ${rule.status}${where}`);
  }
  for (const cid of faults.silence || []) lines.push("silenced: " + (cid === "*" ? "all chats" : chatName(cid)));
  for (const drop of faults.pendingDrops || []) {
    lines.push(`${drop.count} drop(s) on attach: ` + (drop.conversationId ? chatName(drop.conversationId) : "all chats"));
  }
  if (faults.droppedStreams !== undefined) lines.push(`just dropped ${faults.droppedStreams} stream(s)`);
  $("fault-state").replaceChildren(...(lines.length ? lines : ["none"]).map((l) => el("li", {}, l)));
  // A refresh (the feed's snapshot) must not undo a value the person is still typing in.
  if (!$("latency").dataset.edited) $("latency").value = String(faults.latencyMs || 0);
}

function chatName(id) {
  const conversation = view.conversations.get(id);
  return conversation ? nameOf(guestOf(conversation)) : id.slice(0, 8);
}

async function faults(what, method, body) {
  const answer = await act(what, () => api(method, "/faults", body));
  delete $("latency").dataset.edited;
  renderFaults(answer);
}

function refreshFaults() {
  api("GET", "/faults").then(renderFaults, () => {});
}

// -- the feed --------------------------------------------------------------------------------

function feedEvent(event) {
  switch (event.type) {
    case "snapshot":
      view.conversations = new Map(event.conversations.map((c) => [c.id, c]));
      view.typingIntervalMs = event.typingIntervalMs || view.typingIntervalMs;
      renderList();
      if (view.openId) {
        view.transcript = { loaded: false, ids: new Set(), messages: [], early: [], mediaRequests: [] };
        renderChat();
        loadTranscript(view.openId);
      }
      refreshFaults();
      break;
    case "conversation": {
      const conversation = event.conversation;
      view.conversations.set(conversation.id, conversation);
      renderList();
      if (conversation.id === view.openId) {
        if (conversation.status === "ended") clearTyping();
        renderChat();
      }
      break;
    }
    case "messages": {
      const transcript = view.transcript;
      if (event.conversationId !== view.openId || !transcript) break;
      let added = false;
      for (const message of event.messages) {
        if (message.sender) stopTyping(message.sender.id);
        if (!transcript.loaded) transcript.early.push(message);
        else added = addMessage(transcript, message) || added;
        if (message.bodyType === "media-request") refreshMediaRequests();
      }
      if (added) renderChat();
      break;
    }
    case "typing":
      typingSeen(event);
      break;
    case "removed": // an ended chat past its retention time
      view.conversations.delete(event.conversationId);
      if (event.conversationId === view.openId) {
        view.openId = null;
        view.transcript = null;
        renderChat();
      }
      renderList();
      break;
    default:
      break; // newer services may send more; this page ignores what it does not know
  }
}

async function refreshMediaRequests() {
  const id = view.openId;
  try {
    const detail = await api("GET", "/conversations/" + encodeURIComponent(id));
    if (view.openId === id && view.transcript) {
      view.transcript.mediaRequests = detail.mediaRequests || [];
      renderChat();
    }
  } catch (_) {
    // shown as it was; the next change refreshes it
  }
}

function connectFeed() {
  const socket = new WebSocket(window.location.origin.replace(/^http/, "ws") + FEED);
  socket.addEventListener("open", () => {
    view.feedRetryMs = 250;
    $("feed-state").textContent = "Live";
    $("feed-state").className = "feed-state live";
  });
  socket.addEventListener("message", (message) => {
    try {
      feedEvent(JSON.parse(message.data));
    } catch (error) {
      console.error("agent feed event not understood", error);
    }
  });
  socket.addEventListener("close", () => {
    $("feed-state").textContent = "Reconnecting…";
    $("feed-state").className = "feed-state down";
    // A refused handshake shows no status to a page: ask the control API, which sends a
    // signed-out page back to the sign-in form.
    api("GET", "/health").catch(() => {});
    setTimeout(connectFeed, view.feedRetryMs);
    view.feedRetryMs = Math.min(view.feedRetryMs * 2, 5000);
  });
}

// -- wiring ----------------------------------------------------------------------------------

function wire() {
  $("composer").addEventListener("submit", (event) => {
    event.preventDefault();
    send();
  });
  $("message").addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      send();
    }
  });
  $("message").addEventListener("input", agentTyping);
  $("send-as").addEventListener("change", renderTyping);
  $("content-kind").addEventListener("change", renderContentFields);
  renderContentFields();
  $("join-open").addEventListener("click", () => join(view.openId));
  $("transfer").addEventListener("click", transfer);
  $("transfer-to").addEventListener("keydown", (event) => {
    if (event.key === "Enter") transfer();
  });
  $("media-request").addEventListener("click", mediaRequest);
  $("leave").addEventListener("click", () => leave(false));
  $("end-chat").addEventListener("click", () => leave(true));
  $("drop-streams").addEventListener("click", () =>
    faults("Dropped streams", "POST", { dropStreams: faultTarget() }));
  $("silence").addEventListener("click", () =>
    faults("Silenced streams", "POST", { silence: faultTarget() }));
  $("add-errors").addEventListener("click", () => {
    const rule = { status: Number($("error-status").value), count: Math.max(1, Number($("error-count").value) || 1) };
    const path = $("error-path").value.trim();
    if (path) rule.pathContains = path;
    faults(`The next ${rule.count} matching request(s) fail with ${rule.status}`, "POST", { errors: [rule] });
  });
  $("latency").addEventListener("input", () => { $("latency").dataset.edited = "true"; });
  $("set-latency").addEventListener("click", () =>
    faults("Latency set", "POST", { latencyMs: Math.max(0, Number($("latency").value) || 0) }));
  $("clear-faults").addEventListener("click", () => faults("Faults cleared", "DELETE"));
  setInterval(tickWaits, 1000);
  connectFeed();
}

wire();
