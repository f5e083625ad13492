// The session and every API call. The access token lives only in this module's memory; the refresh
// token is an HttpOnly cookie the server sets and this code never sees. After a reload the session
// is restored by `POST /console/session/refresh` with the CSRF token from its readable cookie.

let session = null;
let refreshing = null;

export class APIError extends Error {
  constructor(status, message, details) {
    super(message);
    this.status = status;
    this.details = details;
  }
}

export function current() { return session; }

function csrfFromCookie() {
  const match = document.cookie.split(";").map((part) => part.trim()).find((part) => part.startsWith("edgeflags_csrf="));
  return match ? match.slice("edgeflags_csrf=".length) : "";
}

async function sessionCall(path, body, csrf) {
  const headers = { "Content-Type": "application/json" };
  if (csrf) headers["X-CSRF-Token"] = csrf;
  const response = await send(path, { method: "POST", headers, body: body ? JSON.stringify(body) : undefined, credentials: "same-origin" });
  if (response.status === 204) return null;
  const data = await readJSON(response);
  if (!response.ok) throw failure(response, data);
  return data;
}

function adopt(data) {
  session = { accessToken: data.access_token, expiresAt: data.expires_at, csrf: data.csrf_token, user: data.user,
              orgId: data.org_id, role: data.role };
  return session;
}

/**
 * Signs in with an `ff_` admin token (deployments without accounts): it stays in this module's
 * memory only, so a reload asks for it again; signing out forgets it (revoking it is the Tokens
 * page's business, not sign-out's).
 */
export async function signInWithToken(token) {
  session = { accessToken: token.trim(), kind: "token" };
  try {
    const { data } = await api("GET", "/api/v1/project");
    await api("GET", "/api/v1/tokens");
    session.project = data;
    return session;
  } catch (error) {
    session = null;
    if (error.status === 403) throw new APIError(403, "This token is not an admin token (its permissions must include *).");
    throw error;
  }
}

export async function signIn(email, password) {
  return adopt(await sessionCall("/console/session", { email, password }));
}

export async function register(fields) {
  return adopt(await sessionCall("/console/session/register", fields));
}

/** A new access token from the refresh cookie; null when there is no session to restore. */
export async function restore() {
  const csrf = session?.csrf || csrfFromCookie();
  if (!csrf) return null;
  if (!refreshing) {
    refreshing = sessionCall("/console/session/refresh", null, csrf).then(adopt).catch((error) => {
      session = null;
      if (error.status === 401 || error.status === 403) return null;
      throw error;
    }).finally(() => { refreshing = null; });
  }
  return refreshing;
}

export async function signOut() {
  if (session?.kind === "token") { session = null; return; }
  const csrf = session?.csrf || csrfFromCookie();
  session = null;
  await sessionCall("/console/session/logout", null, csrf);
}

async function send(path, init) {
  try {
    return await fetch(path, init);
  } catch {
    throw new APIError(0, "The server cannot be reached. Check the connection and try again.");
  }
}

async function readJSON(response) {
  const text = await response.text();
  if (!text) return null;
  try { return JSON.parse(text); } catch { return { error: text }; }
}

function failure(response, data) {
  const retry = response.headers.get("Retry-After");
  return new APIError(response.status, words(response.status, data?.error, retry), data?.details);
}

/** What a failure means, in words; the server's own message when it has one. */
export function words(status, message, retryAfter) {
  const said = message ? message.charAt(0).toUpperCase() + message.slice(1) : "";
  switch (status) {
    case 400: return said ? `${said}.` : "The server did not accept this input.";
    case 401: return said && said.toLowerCase().includes("credentials") ? "Wrong email or password." : "You are signed out. Sign in again.";
    case 403: return "You are not allowed to do this" + (said ? ` (${said.toLowerCase()}).` : ".");
    case 404: return "This no longer exists, or it belongs to another organization.";
    case 409: return said ? `${said}.` : "This conflicts with something that exists already.";
    case 412: return "Someone else changed this since you opened it.";
    case 413: return "This is too large for the server.";
    case 429: return `Too many attempts. Wait ${retryAfter ? retryAfter + " seconds" : "a minute"} and try again.`;
    default: return status >= 500 ? "The server failed to do this. Try again; if it keeps failing, check its log." : (said || `Unexpected answer (${status}).`);
  }
}

/**
 * An API call with the access token. A 401 is answered once by a refresh (the access token lives
 * TOKEN_TTL_MINUTES); the answer is `{ data, etag }`, or an `APIError` whose message is in words.
 */
export async function api(method, path, { body, headers = {}, apiKey } = {}) {
  const attempt = async () => {
    const all = { ...headers };
    if (body !== undefined) all["Content-Type"] = "application/json";
    if (apiKey) all["X-API-Key"] = apiKey;
    else if (session) all.Authorization = "Bearer " + session.accessToken;
    // EdgeFlags reads are cacheable for seconds: "no-cache" revalidates (a 304 by ETag) so that
    // a page shows what was just changed.
    return send(path, { method, headers: all, body: body === undefined ? undefined : JSON.stringify(body), credentials: "omit",
                        cache: "no-cache" });
  };
  let response = await attempt();
  if (response.status === 401 && !apiKey && session && session.kind !== "token") {
    if (await restore()) response = await attempt();
  }
  const data = response.status === 204 ? null : await readJSON(response);
  if (!response.ok) throw failure(response, data);
  return { data, etag: response.headers.get("ETag") };
}
