// The project's segments: who they match (one condition each here; the API takes many), create, delete.
import { api } from "./api.js";
import { announce, busy, field, h, notice, showFieldError, spinnerLine } from "./dom.js";
import { show, state } from "./app.js";
import { fieldOf, operators } from "./flag.js";

export async function segmentsPage() {
  const project = state.project;
  if (!project) return show("Segments", notice("Create a project first."));
  show("Segments", spinnerLine("Loading segments…"));
  const path = `/v1/projects/${project.id}/segments`;
  const message = h("div");
  const list = h("div");
  const refresh = async () => {
    const { data } = await api("GET", path);
    list.replaceChildren(data.length === 0 ? h("p", { class: "muted" }, "No segment yet.") :
      h("table", {}, h("thead", {}, h("tr", {}, ["Segment", "Matches", ""].map((t) => h("th", { scope: "col" }, t)))),
        h("tbody", {}, data.map((segment) => h("tr", {}, h("td", {}, h("code", {}, segment.key), h("br"), h("span", { class: "muted" }, segment.name || "")),
          h("td", {}, (segment.rules || []).map((c) => `${c.attribute} ${c.operator} ${(c.values || []).join(", ")}`)
            .join(segment.match_type === "any" ? " or " : " and ") || "everyone"),
          h("td", {}, h("button", { type: "button", class: "danger", onclick: async (event) => {
            try {
              await busy(event.currentTarget, () => api("DELETE", `${path}/${encodeURIComponent(segment.key)}`));
              announce(`Segment ${segment.key} deleted.`);
              await refresh();
            } catch (error) { message.replaceChildren(notice(error.message, "bad")); }
          } }, `Delete ${segment.key}`)))))));
  };
  const inputs = {
    key: h("input", { type: "text", autocomplete: "off", spellcheck: "false" }),
    name: h("input", { type: "text", autocomplete: "off" }),
    attribute: h("input", { type: "text", autocomplete: "off", spellcheck: "false" }),
    operator: h("select", {}, operators.map((o) => h("option", { value: o }, o))),
    values: h("input", { type: "text", autocomplete: "off" }),
  };
  const button = h("button", { type: "submit" }, "Create segment");
  const form = h("form", { class: "card", novalidate: true },
    h("div", { class: "row" }, field("Segment key", inputs.key, { name: "key" }), field("Segment name", inputs.name, { name: "name" })),
    h("div", { class: "row" }, field("Condition attribute", inputs.attribute, { name: "rules" }), field("Condition operator", inputs.operator),
      field("Condition values", inputs.values, { hint: "Separated by commas." })), h("p", {}, button));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    message.replaceChildren();
    showFieldError(form, null);
    const body = { key: inputs.key.value.trim(), name: inputs.name.value.trim(), match_type: "all", rules: [] };
    if (inputs.attribute.value.trim()) {
      body.rules.push({ attribute: inputs.attribute.value.trim(), operator: inputs.operator.value,
                        values: inputs.values.value.split(",").map((v) => v.trim()).filter(Boolean) });
    }
    try {
      await busy(button, () => api("POST", path, { body }));
      announce(`Segment ${body.key} created.`);
      for (const input of [inputs.key, inputs.name, inputs.attribute, inputs.values]) input.value = "";
      await refresh();
    } catch (error) {
      const name = error.status === 400 ? fieldOf(error.message) : error.status === 409 ? "key" : null;
      if (name) showFieldError(form, name, error.message); else message.replaceChildren(notice(error.message, "bad"));
    }
  });
  await refresh();
  show("Segments", form, message, list);
}
