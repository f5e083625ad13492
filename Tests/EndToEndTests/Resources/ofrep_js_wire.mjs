// The wire behaviour of OpenFeature's JavaScript OFREP providers (@openfeature/ofrep-web-provider
// for browsers, @openfeature/ofrep-provider for servers), spoken by Node's own fetch against the
// real binary. The providers come from npm, which this machine cannot reach; what they send and
// read was taken from their public sources and the OFREP spec, and is described here, not copied:
//   - web (static context): POST {base}/ofrep/v1/evaluate/flags with {"context": …} and the
//     configured headers; the answer's `flags` array is cached with its ETag, later polls send
//     `If-None-Match` and a 304 keeps the cache; a new context (onContextChange) refetches;
//     `eventStreams` entries of type "sse" are followed and `refetchEvaluation` triggers a refetch;
//     401 and 403 make the provider fatal; 429 pauses it for `Retry-After`;
//   - server (dynamic context): POST {base}/ofrep/v1/evaluate/flags/{key}; a 404's or 400's
//     `errorCode` becomes the OpenFeature error, a 200's `value`, `reason`, `variant` the details;
//   - browsers: a CORS preflight for the headers the providers set, and ETag readable by script.
// Usage: node ofrep_js_wire.mjs BASE SDK_TOKEN ADMIN_TOKEN
// Prints one JSON object of what it saw; the Swift test asserts it.
const [base, sdkToken, adminToken] = process.argv.slice(2);
const seen = {};
const headers = { Authorization: `Bearer ${sdkToken}`, "Content-Type": "application/json" };

async function bulk(context, etag) {
  const res = await fetch(`${base}/ofrep/v1/evaluate/flags`, {
    method: "POST",
    headers: etag ? { ...headers, "If-None-Match": etag } : headers,
    body: JSON.stringify({ context }),
  });
  const text = await res.text();
  return { status: res.status, etag: res.headers.get("etag"), body: text ? JSON.parse(text) : null,
           exposed: (res.headers.get("access-control-expose-headers") ?? "").toLowerCase() };
}

function values(body) {
  return Object.fromEntries((body?.flags ?? []).map((f) => [f.key, "value" in f ? f.value : f.errorCode]));
}

// The web provider: initial fetch, a poll with the tag, a context change.
const first = await bulk({ targetingKey: "u1", plan: "pro" });
const poll = await bulk({ targetingKey: "u1", plan: "pro" }, first.etag);
const switched = await bulk({ targetingKey: "u2", plan: "free" }, first.etag);
seen.web = { status: first.status, flags: values(first.body), etag_exposed: first.exposed.includes("etag"),
             poll: poll.status, poll_body_empty: poll.body === null, switched: switched.status,
             switched_flags: values(switched.body), event_streams: first.body?.eventStreams?.map((s) => s.type) };

// The advertised stream: a change made by the admin reaches it as refetchEvaluation.
const streamURL = first.body.eventStreams[0].url;
const controller = new AbortController();
const stream = await fetch(streamURL, { headers: { Authorization: `Bearer ${sdkToken}` }, signal: controller.signal });
seen.stream = { status: stream.status, type: stream.headers.get("content-type") };
const reader = stream.body.getReader();
await reader.read(); // the opening comment: the stream is live
const started = Date.now();
const changed = await fetch(`${base}/api/v1/flags/checkout`, {
  method: "PUT", headers: { Authorization: `Bearer ${adminToken}`, "Content-Type": "application/json" },
  body: JSON.stringify({ value: "v2" }),
});
let text = "";
const decoder = new TextDecoder();
const deadline = Date.now() + 5000;
while (!text.includes("refetchEvaluation") && Date.now() < deadline) {
  const { value, done } = await reader.read();
  if (done) break;
  text += decoder.decode(value);
}
controller.abort();
const data = text.split("\n").find((line) => line.startsWith("data: "));
seen.stream.change = changed.status;
seen.stream.event = data ? JSON.parse(data.slice(6)).type : null;
seen.stream.ms = Date.now() - started;
const refetched = await bulk({ targetingKey: "u1", plan: "pro" }, first.etag);
seen.stream.refetch = { status: refetched.status, checkout: values(refetched.body).checkout };

// The server provider: single evaluations and their errors.
async function single(key, context, token = sdkToken) {
  const res = await fetch(`${base}/ofrep/v1/evaluate/flags/${encodeURIComponent(key)}`, {
    method: "POST", headers: { ...headers, Authorization: `Bearer ${token}` }, body: JSON.stringify({ context }),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}
seen.server = {
  hit: await single("dark-mode", { targetingKey: "u1", plan: "pro" }),
  missing: await single("no-such-flag", { targetingKey: "u1" }),
  keyless: (await single("gradual", { plan: "pro" })).body?.errorCode,
  invalid: (await single("dark-mode", { targetingKey: 7 })).body?.errorCode,
  unauthorized: await single("dark-mode", { targetingKey: "u1" }, "ff_not_a_token"),
};

// A browser's preflight for the providers' headers.
const preflight = await fetch(`${base}/ofrep/v1/evaluate/flags`, {
  method: "OPTIONS",
  headers: { Origin: "https://app.example", "Access-Control-Request-Method": "POST",
             "Access-Control-Request-Headers": "authorization,content-type,if-none-match,x-api-key" },
});
seen.preflight = { status: preflight.status, headers: (preflight.headers.get("access-control-allow-headers") ?? "").toLowerCase() };
console.log(JSON.stringify(seen));
