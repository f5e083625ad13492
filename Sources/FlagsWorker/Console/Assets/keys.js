// FeatureSignals API keys (fs_srv_/fs_cli_, per environment) and EdgeFlags ff_ tokens (per
// project): created with the secret shown once and a Copy button; API keys listed and revoked.
import { api } from "./api.js";
import { announce, busy, field, h, notice, secretBox, showFieldError, spinnerLine } from "./dom.js";
import { show, state } from "./app.js";

export async function keysPage() {
  const project = state.project;
  if (!project) return show("API keys and tokens", notice("Create a project first."));
  show("API keys and tokens", apiKeysSection(project), tokensSection(project));
}

function apiKeysSection(project) {
  const env = h("select", {}, state.environments.map((e) => h("option", { value: e.id }, e.slug)));
  const name = h("input", { type: "text", autocomplete: "off" });
  const type = h("select", {}, h("option", { value: "server" }, "server (fs_srv_)"), h("option", { value: "client" }, "client (fs_cli_)"));
  const message = h("div");
  const list = h("div");
  const button = h("button", { type: "submit" }, "Create API key");
  const form = h("form", { novalidate: true }, h("div", { class: "row" }, field("Environment", env),
    field("Key name", name, { name: "name" }), field("Key type", type)), h("p", {}, button));
  const refresh = async () => {
    list.replaceChildren(spinnerLine("Loading keys…"));
    try {
      const { data } = await api("GET", `/v1/environments/${env.value}/api-keys`);
      list.replaceChildren(data.length === 0 ? h("p", { class: "muted" }, "No API key in this environment.") :
        h("table", {}, h("thead", {}, h("tr", {}, ["Name", "Prefix", "Type", "Last used", ""].map((t) => h("th", { scope: "col" }, t)))),
          h("tbody", {}, data.map((key) => h("tr", {}, h("td", {}, key.name), h("td", {}, h("code", {}, key.key_prefix + "…")),
            h("td", {}, key.type), h("td", {}, key.last_used_at || "never"),
            h("td", {}, h("button", { type: "button", class: "danger", onclick: async (event) => {
              try {
                await busy(event.currentTarget, () => api("DELETE", `/v1/api-keys/${key.id}`));
                announce(`API key ${key.name} revoked.`);
                refresh();
              } catch (error) { message.replaceChildren(notice(error.message, "bad")); }
            } }, `Revoke ${key.name}`)))))));
    } catch (error) {
      list.replaceChildren(notice(error.message, "bad"));
    }
  };
  env.addEventListener("change", refresh);
  const production = state.environments.find((e) => e.slug === "production");
  if (production) env.value = production.id;
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    message.replaceChildren();
    showFieldError(form, null);
    if (!name.value.trim()) return showFieldError(form, "name", "Give the key a name (where it is used).");
    try {
      const { data } = await busy(button, () => api("POST", `/v1/environments/${env.value}/api-keys`, { body: { name: name.value.trim(), type: type.value } }));
      message.replaceChildren(secretBox("New API key", data.key));
      name.value = "";
      refresh();
    } catch (error) {
      message.replaceChildren(notice(error.message, "bad"));
    }
  });
  if (state.environments.length) refresh();
  return h("section", { class: "card", "aria-labelledby": "keys-heading" }, h("h2", { id: "keys-heading" }, "FeatureSignals API keys"),
    h("p", { class: "muted" }, "For SDKs and POST /v1/evaluate (X-API-Key), one environment each."), form, message, list);
}

function tokensSection(project) {
  const { form, message } = tokenCreator(project.id, ["read:flags", "read:configs", "write:flags", "write:configs"]);
  return h("section", { class: "card", "aria-labelledby": "tokens-heading" }, h("h2", { id: "tokens-heading" }, "EdgeFlags ff_ tokens"),
    h("p", { class: "muted" }, "For the EdgeFlags SDKs and POST /api/v1/evaluate (Authorization: Bearer), for this project."),
    form, message);
}

/**
 * The form that creates an ff_ token for `projectId` with some of `offered` permissions, and the
 * place where its secret is shown once; `created` runs after (a list to refresh).
 */
export function tokenCreator(projectId, offered, created = () => {}) {
  const name = h("input", { type: "text", autocomplete: "off" });
  const permissions = offered.map((permission) => {
    const box = h("input", { type: "checkbox", id: "perm-" + permission.replace(/\W/g, "-"), checked: permission.startsWith("read") });
    box.value = permission;
    return box;
  });
  const message = h("div");
  const button = h("button", { type: "submit" }, "Create token");
  const form = h("form", { novalidate: true }, field("Token name", name, { name: "name" }),
    h("fieldset", {}, h("legend", {}, "Permissions"), permissions.map((box) =>
      h("span", { class: "switch" }, box, h("label", { for: box.id }, box.value === "*" ? "* (admin)" : box.value), " "))),
    h("p", {}, button));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    message.replaceChildren();
    showFieldError(form, null);
    if (!name.value.trim()) return showFieldError(form, "name", "Give the token a name (where it is used).");
    const chosen = permissions.filter((box) => box.checked).map((box) => box.value);
    try {
      const { data } = await busy(button, () => api("POST", "/api/v1/tokens", { body: { name: name.value.trim(), project_id: projectId, permissions: chosen } }));
      message.replaceChildren(secretBox("New ff_ token", data.token));
      name.value = "";
      await created();
    } catch (error) {
      const text = error.status === 403 ? "Only an owner or an admin may create tokens." : error.message;
      message.replaceChildren(notice(text, "bad"));
    }
  });
  return { form, message };
}
