// The flag list: search, filters, and one switch per environment ("<key> in <environment>"); a
// kill switch turns a flag off everywhere. Flags are read once and shown a page at a time, so a
// project of 10,000 flags renders as fast as one of fifty.
import { api } from "./api.js";
import { announce, busy, field, h, notice, spinnerLine } from "./dom.js";
import { show, state } from "./app.js";

const pageSize = 50;

export async function flagsPage() {
  const project = state.project;
  if (!project) return show("Flags", notice("This organization has no project yet. Create one under Projects and environments."));
  show("Flags", spinnerLine("Loading flags…"));
  const [flags, switches] = await Promise.all([
    api("GET", `/v1/projects/${project.id}/flags`).then((r) => r.data || []),
    api("GET", `/v1/projects/${project.id}/flag-states`).then((r) => r.data || []),
  ]);
  const on = new Set(switches.filter((s) => s.enabled).map((s) => s.flag_key + "\n" + s.env_id));
  flags.sort((a, b) => a.key.localeCompare(b.key));
  const tags = [...new Set(flags.flatMap((f) => f.tags || []))].sort();

  const search = h("input", { type: "search", autocomplete: "off" });
  const type = h("select", {}, h("option", { value: "" }, "Any type"),
    ["boolean", "string", "number", "json", "ab"].map((t) => h("option", { value: t }, t)));
  const tag = h("select", {}, h("option", { value: "" }, "Any tag"), tags.map((t) => h("option", { value: t }, t)));
  const status = h("select", {}, h("option", { value: "" }, "On or off"), h("option", { value: "on" }, "On somewhere"),
    h("option", { value: "off" }, "Off everywhere"));
  const filters = h("div", { class: "row card", role: "search" },
    field("Search flags", search, { name: "search" }), field("Type", type), field("Tag", tag), field("State", status));
  const summary = h("p", { class: "muted", "aria-live": "polite" });
  const body = h("tbody");
  const previous = h("button", { type: "button", class: "secondary" }, "Previous page");
  const next = h("button", { type: "button", class: "secondary" }, "Next page");
  let page = 0;
  let shown = flags;

  const isOnSomewhere = (flag) => state.environments.some((env) => on.has(flag.key + "\n" + env.id));
  const filter = () => {
    const text = search.value.trim().toLowerCase();
    shown = flags.filter((flag) => (!text || flag.key.toLowerCase().includes(text) || (flag.name || "").toLowerCase().includes(text))
      && (!type.value || flag.flag_type === type.value) && (!tag.value || (flag.tags || []).includes(tag.value))
      && (!status.value || (status.value === "on") === isOnSomewhere(flag)));
    page = 0;
    render();
  };

  const toggle = async (flag, env, input) => {
    const wanted = input.checked;
    input.disabled = true;
    try {
      await api("PUT", `/v1/projects/${project.id}/flags/${encodeURIComponent(flag.key)}/environments/${env.id}`, { body: { enabled: wanted } });
      if (wanted) on.add(flag.key + "\n" + env.id); else on.delete(flag.key + "\n" + env.id);
      announce(`${flag.key} is ${wanted ? "on" : "off"} in ${env.slug}.`);
    } catch (error) {
      input.checked = !wanted;
      announce(`${flag.key} in ${env.slug} was not changed: ${error.message}`);
    } finally {
      input.disabled = false;
    }
  };

  const kill = async (flag, button) => {
    const live = state.environments.filter((env) => on.has(flag.key + "\n" + env.id));
    await busy(button, async () => {
      try {
        for (const env of live) {
          await api("POST", `/v1/projects/${project.id}/flags/${encodeURIComponent(flag.key)}/kill`, { body: { env_id: env.id } });
          on.delete(flag.key + "\n" + env.id);
        }
        announce(`${flag.key} is off in every environment.`);
      } catch (error) {
        announce(`The kill switch failed: ${error.message}`);
      }
    });
    render();
  };

  const row = (flag) => h("tr", {},
    h("td", {}, h("a", { href: "#/flags/" + encodeURIComponent(flag.key) }, flag.key), h("br"),
      h("span", { class: "muted" }, flag.name || ""), " ", (flag.tags || []).map((t) => h("span", { class: "tag" }, t))),
    h("td", {}, flag.flag_type),
    h("td", {}, h("div", { class: "switches" }, state.environments.map((env) => {
      const input = h("input", { type: "checkbox", role: "switch", "aria-label": `${flag.key} in ${env.slug}`,
                                 checked: on.has(flag.key + "\n" + env.id) });
      input.addEventListener("change", () => toggle(flag, env, input));
      return h("label", { class: "switch" }, input, env.slug);
    }))),
    h("td", {}, h("button", { type: "button", class: "danger", onclick: (event) => kill(flag, event.currentTarget) },
      "Kill ", h("span", { class: "muted" }, flag.key))));

  const render = () => {
    const pages = Math.max(1, Math.ceil(shown.length / pageSize));
    page = Math.min(page, pages - 1);
    const slice = shown.slice(page * pageSize, (page + 1) * pageSize);
    body.replaceChildren(...slice.map(row));
    summary.textContent = shown.length === 0 ? (flags.length ? "No flag matches." : "No flags yet.")
      : `Flags ${page * pageSize + 1}–${page * pageSize + slice.length} of ${shown.length}` + (shown.length < flags.length ? ` (${flags.length} in all)` : "");
    previous.disabled = page === 0;
    next.disabled = page >= pages - 1;
  };
  previous.addEventListener("click", () => { page -= 1; render(); });
  next.addEventListener("click", () => { page += 1; render(); });
  for (const control of [type, tag, status]) control.addEventListener("change", filter);
  let typing;
  search.addEventListener("input", () => { clearTimeout(typing); typing = setTimeout(filter, 120); });

  const table = h("table", { class: "flags" },
    h("caption", { class: "muted" }, "Each switch turns the flag on or off in one environment."),
    h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Flag"), h("th", { scope: "col" }, "Type"),
      h("th", { scope: "col" }, "Environments"), h("th", { scope: "col" }, "Kill switch"))), body);
  show("Flags", h("p", {}, h("a", { class: "button", href: "#/flags/new" }, "New flag")), filters, summary, table,
    h("div", { class: "pager" }, previous, next));
  render();
}
