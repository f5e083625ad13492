// The organization's webhooks (admins): register, delete, and each one's recent deliveries.
import { api } from "./api.js";
import { announce, busy, field, h, notice, showFieldError, spinnerLine } from "./dom.js";
import { show } from "./app.js";

function deliveriesTable(deliveries) {
  if (deliveries.length === 0) return h("p", { class: "muted" }, "No delivery yet.");
  return h("table", {}, h("thead", {}, h("tr", {}, ["Event", "Attempt", "Answer", "At"].map((t) => h("th", { scope: "col" }, t)))),
    h("tbody", {}, deliveries.map((d) => h("tr", {}, h("td", {}, d.event_type), h("td", {}, String(d.attempt)),
      h("td", { class: d.success ? "" : "error" }, d.success ? `delivered (${d.response_status})` : `failed${d.response_status ? ` (${d.response_status})` : ""}`),
      h("td", {}, d.delivered_at)))));
}

export async function webhooksPage() {
  show("Webhooks", spinnerLine("Loading webhooks…"));
  const message = h("div");
  const list = h("div");
  const refresh = async () => {
    const { data } = await api("GET", "/v1/webhooks");
    list.replaceChildren(data.length === 0 ? h("p", { class: "muted" }, "No webhook yet.") : h("ul", { class: "plain" }, data.map((hook) => {
      const deliveries = h("div", { "aria-live": "polite" });
      return h("li", { class: "card" },
        h("p", {}, h("strong", {}, hook.name || hook.url), " ", h("code", {}, hook.url), h("br"),
          h("span", { class: "muted" }, `Events: ${(hook.events || []).join(", ") || "*"} · ${hook.enabled ? "enabled" : "disabled"}`)),
        h("p", { class: "row" },
          h("button", { type: "button", class: "secondary", onclick: async (event) => {
            try {
              const { data: sent } = await busy(event.currentTarget, () => api("GET", `/v1/webhooks/${hook.id}/deliveries`));
              deliveries.replaceChildren(h("h2", {}, `Recent deliveries of ${hook.name || hook.url}`), deliveriesTable(sent));
            } catch (error) { deliveries.replaceChildren(notice(error.message, "bad")); }
          } }, `Deliveries of ${hook.name || hook.url}`),
          h("button", { type: "button", class: "danger", onclick: async (event) => {
            try {
              await busy(event.currentTarget, () => api("DELETE", `/v1/webhooks/${hook.id}`));
              announce("Webhook deleted.");
              await refresh();
            } catch (error) { message.replaceChildren(notice(error.message, "bad")); }
          } }, `Delete ${hook.name || hook.url}`)),
        deliveries);
    })));
  };
  const inputs = {
    name: h("input", { type: "text", autocomplete: "off" }),
    url: h("input", { type: "text", autocomplete: "off", spellcheck: "false", placeholder: "https://" }),
    events: h("input", { type: "text", autocomplete: "off", value: "*" }),
    secret: h("input", { type: "password", autocomplete: "off" }),
  };
  const button = h("button", { type: "submit" }, "Register webhook");
  const form = h("form", { class: "card", novalidate: true }, h("div", { class: "row" },
    field("Webhook name", inputs.name, { name: "name" }), field("URL", inputs.url, { name: "url" }),
    field("Events", inputs.events, { name: "events", hint: "Separated by commas; * for every event." }),
    field("Signing secret", inputs.secret, { name: "secret", hint: "Optional: signs each delivery (HMAC-SHA256)." })), h("p", {}, button));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    message.replaceChildren();
    showFieldError(form, null);
    const body = { name: inputs.name.value.trim(), url: inputs.url.value.trim(),
                   events: inputs.events.value.split(",").map((e) => e.trim()).filter(Boolean) };
    if (inputs.secret.value) body.secret = inputs.secret.value;
    try {
      await busy(button, () => api("POST", "/v1/webhooks", { body }));
      announce("Webhook registered.");
      inputs.name.value = "";
      inputs.url.value = "";
      await refresh();
    } catch (error) {
      const text = error.message.toLowerCase();
      const name = ["url", "events", "secret", "name"].find((n) => text.includes(n));
      if (error.status === 400 && name) showFieldError(form, name, error.message);
      else message.replaceChildren(notice(error.message, "bad"));
    }
  });
  await refresh();
  show("Webhooks", form, message, list);
}
