// The flag editor: the definition (name, type, default value, tags) saved with If-Match, so that a
// change someone else made in between is reported instead of overwritten; and, per environment,
// whether it is on, a targeting rule and a percentage rollout. The API's validation errors are
// shown next to the field they name.
import { api } from "./api.js";
import { announce, busy, field, h, notice, showFieldError, spinnerLine } from "./dom.js";
import { show, state } from "./app.js";

export const operators = ["eq", "neq", "contains", "startsWith", "endsWith", "in", "notIn", "gt", "gte", "lt", "lte", "regex", "exists"];
const types = ["boolean", "string", "number", "json", "ab"];

/** The API field a validation message is about, or null for the form as a whole. */
export function fieldOf(message) {
  const text = message.toLowerCase();
  const order = [["flag_type", "flag_type"], ["default_value", "default_value"], ["default value", "default_value"],
    ["percentage", "percentage_rollout"], ["rule", "rules"], ["condition", "rules"], ["operator", "rules"], ["regex", "rules"],
    ["tags", "tags"], ["key", "key"], ["name", "name"]];
  return order.find(([word]) => text.includes(word))?.[1] ?? null;
}

/** Text typed for a value of `type`, as the JSON value the API takes. */
export function parseValue(text, type, label) {
  const raw = text.trim();
  if (raw === "") return null;
  if (type === "boolean") {
    if (raw === "true" || raw === "false") return raw === "true";
    throw new Error(`${label}: enter true or false.`);
  }
  if (type === "number") {
    const number = Number(raw);
    if (Number.isFinite(number)) return number;
    throw new Error(`${label}: enter a number.`);
  }
  if (type === "json") {
    try { return JSON.parse(raw); } catch { throw new Error(`${label}: this is not valid JSON.`); }
  }
  return text;
}

const shownValue = (value) => value === null || value === undefined ? "" : typeof value === "string" ? value : JSON.stringify(value);

export async function flagPage(key) {
  const project = state.project;
  if (key === "new") return newFlag(project);
  show(`Flag ${key}`, spinnerLine("Loading the flag…"));
  const path = `/v1/projects/${project.id}/flags/${encodeURIComponent(key)}`;
  const { data: flag, etag } = await api("GET", path);
  show(`Flag ${key}`, h("p", {}, h("a", { href: "#/flags" }, "Back to the flags")), definitionForm(project, flag, etag, path),
    environmentSection(project, flag, path));
}

function newFlag(project) {
  show("New flag", h("p", {}, h("a", { href: "#/flags" }, "Back to the flags")), definitionForm(project, null, null, null));
}

/**
 * The definition: a new flag (with its key) is created; an existing one is saved with
 * `If-Match: "<version>"`, and a 409 means someone else saved in between.
 */
function definitionForm(project, flag, etag, path) {
  const creating = flag === null;
  let version = etag;
  const inputs = {
    key: creating ? h("input", { type: "text", autocomplete: "off", spellcheck: "false" }) : null,
    name: h("input", { type: "text", autocomplete: "off", value: flag?.name || "" }),
    flag_type: h("select", {}, types.map((t) => h("option", { value: t, selected: t === flag?.flag_type }, t))),
    default_value: h("input", { type: "text", autocomplete: "off", value: creating ? "false" : shownValue(flag.default_value) }),
    description: h("input", { type: "text", autocomplete: "off", value: flag?.description || "" }),
    tags: h("input", { type: "text", autocomplete: "off", value: (flag?.tags || []).join(", ") }),
  };
  const message = h("div");
  const button = h("button", { type: "submit" }, creating ? "Create flag" : "Save flag");
  const form = h("form", { class: "card", novalidate: true, "aria-labelledby": "definition-heading" },
    h("h2", { id: "definition-heading" }, "Definition"), message,
    creating ? field("Key", inputs.key, { name: "key", hint: "Letters, digits, - and _; it cannot change later." }) : null,
    field("Name", inputs.name, { name: "name" }), field("Type", inputs.flag_type, { name: "flag_type" }),
    field("Default value", inputs.default_value, { name: "default_value", hint: "Served when the flag is off or no rule matches." }),
    field("Description", inputs.description, { name: "description" }),
    field("Tags", inputs.tags, { name: "tags", hint: "Separated by commas." }), button);
  const conflict = () => {
    const reload = h("button", { type: "button", onclick: () => flagPage(flag.key) }, "Reload the flag");
    message.replaceChildren(h("div", { class: "notice bad", role: "alert" },
      h("p", {}, "Someone else changed this flag since you opened it. Your change was not saved. Reload to see their version, then make your change again."),
      reload));
    reload.focus();
  };
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    message.replaceChildren();
    showFieldError(form, null);
    let body;
    try {
      body = { name: inputs.name.value, flag_type: inputs.flag_type.value, description: inputs.description.value || null,
               default_value: parseValue(inputs.default_value.value, inputs.flag_type.value, "Default value"),
               tags: inputs.tags.value.split(",").map((t) => t.trim()).filter(Boolean) };
    } catch (error) {
      return showFieldError(form, "default_value", error.message);
    }
    try {
      if (creating) {
        body.key = inputs.key.value.trim();
        await busy(button, () => api("POST", `/v1/projects/${project.id}/flags`, { body }));
        announce(`Flag ${body.key} created.`);
        location.hash = "#/flags/" + encodeURIComponent(body.key);
        return;
      }
      const saved = await busy(button, () => api("PUT", path, { body, headers: version ? { "If-Match": version } : {} }));
      version = saved.etag;
      message.replaceChildren(notice("Saved.", "good"));
      announce(`Flag ${flag.key} saved.`);
    } catch (error) {
      const name = error.status === 400 ? fieldOf(error.message) : null;
      if (error.status === 409 && !creating) conflict();
      else if (error.status === 409) showFieldError(form, "key", error.message);
      else if (name) showFieldError(form, name, error.message);
      else message.replaceChildren(notice(error.message, "bad"));
    }
  });
  return form;
}

function environmentSection(project, flag, path) {
  const select = h("select", {}, state.environments.map((env) => h("option", { value: env.id }, env.slug)));
  const area = h("div");
  const load = async () => {
    area.replaceChildren(spinnerLine("Loading the environment…"));
    const env = state.environments.find((e) => e.id === select.value);
    try {
      const { data } = await api("GET", `${path}/environments/${env.id}`);
      area.replaceChildren(stateForm(flag, env, data, `${path}/environments/${env.id}`));
    } catch (error) {
      area.replaceChildren(notice(error.message, "bad"));
    }
  };
  select.addEventListener("change", load);
  const production = state.environments.find((env) => env.slug === "production");
  if (production) select.value = production.id;
  if (state.environments.length) load();
  return h("section", { class: "card", "aria-labelledby": "env-heading" }, h("h2", { id: "env-heading" }, "Per environment"),
    field("Environment", select), area);
}

function stateForm(flag, env, current, path) {
  const rule = (current.rules || [])[0] || {};
  const condition = (rule.conditions || [])[0] || {};
  const inputs = {
    enabled: h("input", { type: "checkbox", checked: current.enabled }),
    attribute: h("input", { type: "text", value: condition.attribute || "", spellcheck: "false" }),
    operator: h("select", {}, operators.map((o) => h("option", { value: o, selected: o === (condition.operator || "eq") }, o))),
    values: h("input", { type: "text", value: (condition.values || []).join(", ") }),
    value: h("input", { type: "text", value: shownValue(rule.value ?? (flag.flag_type === "boolean" ? true : "")) }),
    rollout: h("input", { type: "number", min: "0", max: "100", step: "0.01", value: String((current.percentage_rollout || 0) / 100) }),
  };
  const enabledId = `enabled-${env.id}`;
  inputs.enabled.id = enabledId;
  const message = h("div");
  const button = h("button", { type: "submit" }, "Save environment");
  const form = h("form", { novalidate: true }, message,
    h("p", { class: "switch" }, inputs.enabled, h("label", { for: enabledId }, `On in ${env.slug}`)),
    h("fieldset", {}, h("legend", {}, "Targeting rule (leave the attribute empty for none)"),
      h("div", { class: "row" }, field("Rule attribute", inputs.attribute, { name: "rules", hint: "key reads the context's key, anything else its attributes." }),
        field("Rule operator", inputs.operator), field("Rule values", inputs.values, { hint: "Separated by commas." }),
        field("Value served by the rule", inputs.value))),
    field("Percentage rollout", inputs.rollout, { name: "percentage_rollout", hint: "Of the users no rule matched, in percent (0–100)." }),
    button);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    message.replaceChildren();
    showFieldError(form, null);
    const body = { enabled: inputs.enabled.checked, rules: [] };
    try {
      if (inputs.attribute.value.trim()) {
        body.rules.push({ priority: 1, conditions: [{ attribute: inputs.attribute.value.trim(), operator: inputs.operator.value,
          values: inputs.values.value.split(",").map((v) => v.trim()).filter(Boolean) }],
          value: parseValue(inputs.value.value, flag.flag_type, "Value served by the rule"), percentage: 10000 });
      }
    } catch (error) {
      return showFieldError(form, "rules", error.message);
    }
    const percent = Number(inputs.rollout.value || "0");
    if (!Number.isFinite(percent) || percent < 0 || percent > 100) return showFieldError(form, "percentage_rollout", "Enter a percentage from 0 to 100.");
    body.percentage_rollout = Math.round(percent * 100);
    try {
      await busy(button, () => api("PUT", path, { body }));
      message.replaceChildren(notice(`Saved for ${env.slug}.`, "good"));
      announce(`${flag.key} saved for ${env.slug}.`);
    } catch (error) {
      const name = error.status === 400 ? fieldOf(error.message) : null;
      if (name) showFieldError(form, name, error.message); else message.replaceChildren(notice(error.message, "bad"));
    }
  });
  return form;
}
