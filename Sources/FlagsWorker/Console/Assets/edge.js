// The pages of a sign-in with an ff_ admin token: its one project through the EdgeFlags API
// (`/api/v1`). Flags a page at a time from the server, with one switch per environment (the
// environment's override); the project's tokens (create, shown once; list; revoke); the audit log.
import { api, current } from "./api.js";
import { announce, busy, field, h, notice, showFieldError, spinnerLine } from "./dom.js";
import { tokenCreator } from "./keys.js";
import { show } from "./app.js";
import { diff } from "./audit.js";

const pageSize = 50;

/** On in `env`: the environment's override when it says, else the flag's own `enabled`. */
export function isOn(flag, env) {
  const override = flag.environments?.[env];
  return override && typeof override.enabled === "boolean" ? override.enabled : Boolean(flag.enabled);
}

export async function edgeFlagsPage(offset = 0) {
  show("Flags", spinnerLine("Loading flags…"));
  const [{ data: environments }, { data: listed }] = await Promise.all([
    api("GET", "/api/v1/project/environments"), api("GET", `/api/v1/flags?limit=${pageSize}&offset=${offset}`)]);
  const names = environments.environments || [];
  const toggle = async (key, env, input) => {
    const wanted = input.checked;
    input.disabled = true;
    try {
      await api("PUT", `/api/v1/flags/${encodeURIComponent(key)}/environments/${encodeURIComponent(env)}`, { body: { enabled: wanted } });
      announce(`${key} is ${wanted ? "on" : "off"} in ${env}.`);
    } catch (error) {
      input.checked = !wanted;
      announce(`${key} in ${env} was not changed: ${error.message}`);
    } finally {
      input.disabled = false;
    }
  };
  const rows = listed.flags.map(({ key, flag }) => h("tr", {}, h("td", {}, key), h("td", {}, flag.type || ""),
    h("td", {}, h("div", { class: "switches" }, names.map((env) => {
      const input = h("input", { type: "checkbox", role: "switch", "aria-label": `${key} in ${env}`, checked: isOn(flag, env) });
      input.addEventListener("change", () => toggle(key, env, input));
      return h("label", { class: "switch" }, input, env);
    })))));
  const end = offset + listed.flags.length;
  show("Flags",
    h("p", { class: "muted" }, listed.total === 0 ? "No flags yet." : `Flags ${offset + 1}–${end} of ${listed.total}`),
    h("table", { class: "flags" }, h("thead", {}, h("tr", {}, ["Flag", "Type", "Environments"].map((t) => h("th", { scope: "col" }, t)))),
      h("tbody", {}, rows)),
    h("div", { class: "pager" },
      offset > 0 ? h("button", { type: "button", class: "secondary", onclick: () => edgeFlagsPage(Math.max(0, offset - pageSize)) }, "Previous page") : null,
      listed.has_more ? h("button", { type: "button", class: "secondary", onclick: () => edgeFlagsPage(offset + pageSize) }, "Next page") : null));
}

export async function edgeTokensPage() {
  show("Tokens", spinnerLine("Loading tokens…"));
  const message = h("div");
  const list = h("div");
  const refresh = async () => {
    const { data } = await api("GET", "/api/v1/tokens");
    list.replaceChildren(h("table", {}, h("thead", {}, h("tr", {}, ["Name", "Prefix", "Permissions", "Created", ""].map((t) => h("th", { scope: "col" }, t)))),
      h("tbody", {}, data.tokens.map((token) => h("tr", {}, h("td", {}, token.name), h("td", {}, h("code", {}, token.token_prefix + "…")),
        h("td", {}, (token.permissions || []).join(", ")), h("td", {}, token.created_at),
        h("td", {}, h("button", { type: "button", class: "danger", onclick: async (event) => {
          try {
            await busy(event.currentTarget, () => api("DELETE", `/api/v1/tokens/${token.hash}`));
            announce(`Token ${token.name} revoked.`);
            await refresh();
          } catch (error) { message.replaceChildren(notice(error.message, "bad")); }
        } }, `Revoke ${token.name}`)))))));
  };
  const { form, message: created } = tokenCreator(current().project.id,
    ["read:flags", "read:configs", "write:flags", "write:configs", "*"], refresh);
  await refresh();
  show("Tokens", h("div", { class: "card" }, form), created, message, list);
}

export async function edgeAuditPage() {
  show("Audit log", spinnerLine("Loading the audit log…"));
  const { data } = await api("GET", `/api/v1/audit?limit=${pageSize}`);
  const entries = data.entries || [];
  show("Audit log", entries.length === 0 ? h("p", { class: "muted" }, "No change recorded yet.") :
    h("ol", { class: "plain" }, entries.map((entry) => h("li", { class: "card" },
      h("p", {}, h("strong", {}, entry.event || entry.action), " ", h("code", {}, entry.resource_key || ""),
        h("span", { class: "muted" }, ` by ${entry.actor} at ${entry.timestamp}`)),
      h("details", {}, h("summary", {}, "Before and after"), h("div", { class: "diff" }, diff(entry.before, entry.after)))))));
}

/** "Try it": a context as JSON, and the value and reason of every flag of the page for it. */
export async function edgeTryPage() {
  const context = h("textarea", { spellcheck: "false" });
  context.value = JSON.stringify({ user_id: "user-1", environment: "production", custom: { plan: "pro" } }, null, 2);
  const button = h("button", { type: "submit" }, "Evaluate");
  const result = h("div", { "aria-live": "polite" });
  const form = h("form", { class: "card", novalidate: true },
    field("Context (JSON)", context, { name: "context", hint: "user_id, environment, segments and custom attributes, as POST /api/v1/evaluate takes them." }),
    button);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    showFieldError(form, null);
    let parsed;
    try { parsed = JSON.parse(context.value); } catch { return showFieldError(form, "context", "This is not valid JSON."); }
    try {
      const rows = await busy(button, async () => {
        const { data } = await api("GET", `/api/v1/flags?limit=${pageSize}`);
        const query = encodeURIComponent(JSON.stringify(parsed));
        return Promise.all(data.flags.map(async ({ key }) => {
          const { data: answer } = await api("GET", `/api/v1/flags/${encodeURIComponent(key)}?context=${query}`);
          return h("tr", {}, h("td", {}, key), h("td", {}, h("code", {}, JSON.stringify(answer.value))), h("td", {}, answer.reason));
        }));
      });
      result.replaceChildren(h("table", {}, h("thead", {}, h("tr", {}, ["Flag", "Value", "Reason"].map((t) => h("th", { scope: "col" }, t)))),
        h("tbody", {}, rows)));
    } catch (error) {
      if (error.status === 400) showFieldError(form, "context", error.message); else result.replaceChildren(notice(error.message, "bad"));
    }
  });
  show("Try it", form, result);
}
