// The vendor's JS guest SDK as a peer of bench_sdk.py: the same round trips, timed here.
//
// Started by bench_sdk.py as `node vendor_js_peer.js BASE_URL CREATE_BODY`, in an empty home
// (see vendor_peers.py). The same line protocol as vendor_python_peer.py: one JSON request a
// line on stdin ("send" N messages one after the other, "send_concurrent" N at once, "create" N
// chats), one JSON answer a line on stdout: {"wall": s, "cpu": s} per call, or {"error": why}.
'use strict';

const readline = require('readline');

// The answers own stdout; anything the SDK logs goes to stderr.
console.log = console.error;
const platformClient = require('purecloud-guest-chat-client');

const [baseUrl, createBodyText] = process.argv.slice(2);
const createBody = JSON.parse(createBodyText);
const client = platformClient.ApiClient.instance;
// setEnvironment only builds https://api.<domain>; the local service is plain HTTP on
// loopback, so the base path is set as given.
client.config.basePath = baseUrl;
const api = new platformClient.WebChatApi();

async function send(request) {
  client.setJwt(request.jwt);
  for (let n = 0; n < request.calls; n++) {
    await api.postWebchatGuestConversationMemberMessages(
      request.conversationId, request.memberId, { body: `js ${n}` });
  }
}

async function sendConcurrent(request) {
  client.setJwt(request.jwt);
  const sends = [];
  for (let n = 0; n < request.calls; n++) {
    sends.push(api.postWebchatGuestConversationMemberMessages(
      request.conversationId, request.memberId, { body: `js ${n}` }));
  }
  await Promise.all(sends);
}

async function create(request) {
  for (let n = 0; n < request.calls; n++) {
    await api.postWebchatGuestConversations(createBody);
  }
}

const operations = { send, send_concurrent: sendConcurrent, create };

async function answer(request) {
  const started = process.hrtime.bigint();
  const cpuStarted = process.cpuUsage();
  try {
    await operations[request.op](request);
  } catch (error) {
    const why = error && error.status ? `HTTP ${error.status}` : String(error).slice(0, 300);
    return { error: why };
  }
  const wall = Number(process.hrtime.bigint() - started) / 1e9 / request.calls;
  const cpu = process.cpuUsage(cpuStarted);
  return { wall, cpu: (cpu.user + cpu.system) / 1e6 / request.calls };
}

async function main() {
  const lines = readline.createInterface({ input: process.stdin });
  for await (const line of lines) {
    process.stdout.write(JSON.stringify(await answer(JSON.parse(line))) + '\n');
  }
  // The SDK watches its configuration file; without this the process would not end.
  process.exit(0);
}

main();
