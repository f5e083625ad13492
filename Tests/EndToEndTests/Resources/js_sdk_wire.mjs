// The wire protocol of the EdgeFlags JavaScript and React SDKs (@edgeflags/sdk, @edgeflags/react),
// spoken by Node's own fetch and WebSocket (undici) against the real binary. The SDKs themselves
// come from npm, which this machine cannot reach; what they send and read was taken from their
// public sources and is described here, not copied:
//   - polling: POST {base}/api/v1/evaluate with `Authorization: Bearer`, `Content-Type:
//     application/json` and {"context": {..., "custom": {}}}; any status but 2xx is an error; the
//     answer's `flags` and `configs` are read as they are;
//   - browsers: a CORS preflight for authorization and content-type;
//   - streaming: a WebSocket to {base with http→ws}/stream/flags?token=<encodeURIComponent(token)>,
//     `subscribe` right after open (env often left out), a snapshot expected within 10 s, `ping`
//     answered by `pong`, `diff` changes read by `type`, `key` and `value`, `update-context`
//     answered by a new snapshot; a refused upgrade makes the SDK fall back to polling.
// Usage: node --experimental-websocket js_sdk_wire.mjs BASE SDK_TOKEN ADMIN_TOKEN
// Prints one JSON object of what it saw; the Swift test asserts it.
const [base, sdkToken, adminToken] = process.argv.slice(2);
const seen = {};

async function evaluate(token, context) {
  const res = await fetch(`${base.replace(/\/$/, "")}/api/v1/evaluate`, {
    method: "POST",
    headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
    body: JSON.stringify({ context: { ...context, custom: context.custom ?? {} } }),
  });
  return { status: res.status, body: res.ok ? await res.json() : null, cors: res.headers.get("access-control-allow-origin") };
}

async function admin(method, path, body) {
  const res = await fetch(base + path, {
    method,
    headers: { Authorization: `Bearer ${adminToken}`, "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
}

function hasNull(value) {
  if (value === null) return true;
  if (typeof value === "object") return Object.values(value).some(hasNull);
  return false;
}

// Polling.
const polled = await evaluate(sdkToken, { user_id: "u1", plan: "pro", environment: "production" });
seen.poll = { status: polled.status, flags: polled.body?.flags, configs: polled.body?.configs, cors: polled.cors,
              has_null: hasNull(polled.body) };
seen.bad_token = (await evaluate("ff_not_a_token", { user_id: "u1" })).status;

// A browser's preflight.
const preflight = await fetch(`${base}/api/v1/evaluate`, {
  method: "OPTIONS",
  headers: { Origin: "https://app.example", "Access-Control-Request-Method": "POST",
             "Access-Control-Request-Headers": "authorization,content-type" },
});
seen.preflight = { status: preflight.status, origin: preflight.headers.get("access-control-allow-origin"),
                   headers: (preflight.headers.get("access-control-allow-headers") ?? "").toLowerCase() };

// Streaming.
if (typeof WebSocket === "undefined") {
  seen.stream = "unavailable";
} else {
  const wsURL = `${base.replace(/^http/, "ws")}/stream/flags?token=${encodeURIComponent(sdkToken)}`;
  const socket = new WebSocket(wsURL);
  const messages = [];
  const waiters = [];
  socket.addEventListener("message", (event) => {
    const message = JSON.parse(event.data);
    messages.push(message);
    for (const w of waiters.splice(0)) w();
  });
  const next = async (predicate, ms) => {
    const deadline = Date.now() + ms;
    for (;;) {
      const found = messages.find(predicate);
      if (found) { messages.splice(messages.indexOf(found), 1); return found; }
      const left = deadline - Date.now();
      if (left <= 0) return null;
      await new Promise((resolve) => { waiters.push(resolve); setTimeout(resolve, left); });
    }
  };
  await new Promise((resolve, reject) => { socket.onopen = resolve; socket.onerror = reject; });
  const opened = Date.now();
  socket.send(JSON.stringify({ type: "subscribe", context: { user_id: "u1", plan: "pro", custom: {} } }));
  const snapshot = await next((m) => m.type === "snapshot", 10_000);
  seen.stream = { snapshot: snapshot && { flags: snapshot.flags, configs: snapshot.configs }, snapshot_ms: Date.now() - opened };
  socket.send(JSON.stringify({ type: "ping" }));
  seen.stream.pong = (await next((m) => m.type === "pong", 5_000)) !== null;

  let started = Date.now();
  await admin("PUT", "/api/v1/flags/checkout", { value: "v2" });
  const changed = await next((m) => m.type === "diff", 1_000);
  seen.stream.change = changed && { changes: changed.changes, ms: Date.now() - started };

  started = Date.now();
  await admin("DELETE", "/api/v1/flags/retired");
  const removed = await next((m) => m.type === "diff", 1_000);
  seen.stream.removal = removed && { changes: removed.changes, ms: Date.now() - started };

  socket.send(JSON.stringify({ type: "update-context", context: { user_id: "u2", plan: "free", custom: {} } }));
  const again = await next((m) => m.type === "snapshot", 5_000);
  seen.stream.update_context = again && again.flags;
  socket.close();

  // A refused upgrade: an error and no open, without delay (the SDK then polls instead). Node 20's
  // undici fires no close event after a failed handshake, so the error is what is waited for.
  const refused = new WebSocket(`${base.replace(/^http/, "ws")}/stream/flags?token=ff_not_a_token`);
  const asked = Date.now();
  seen.stream.refused = await new Promise((resolve) => {
    const events = [];
    const done = () => setTimeout(() => resolve({ events, ms: Date.now() - asked }), 200);
    refused.onopen = () => events.push("open");
    refused.onerror = () => { events.push("error"); done(); };
    setTimeout(() => resolve({ events, ms: Date.now() - asked }), 5_000);
  });
}

console.log(JSON.stringify(seen));
process.exit(0);
