// The organization's audit log, newest first, each change with a before/after diff.
import { api } from "./api.js";
import { h, notice, spinnerLine } from "./dom.js";
import { show } from "./app.js";

const pageSize = 50;

/** Every leaf of a JSON value as `path: value` lines. */
export function flatten(value, prefix = "", out = new Map()) {
  if (value !== null && typeof value === "object" && Object.keys(value).length) {
    for (const [key, child] of Object.entries(value)) flatten(child, prefix ? `${prefix}.${key}` : key, out);
  } else if (prefix || value !== null) {
    out.set(prefix || "(value)", JSON.stringify(value));
  }
  return out;
}

/** The lines that differ between two states: removed (−) and added (+), by path. */
export function diff(before, after) {
  const old = flatten(before ?? null), now = flatten(after ?? null);
  const paths = [...new Set([...old.keys(), ...now.keys()])].sort();
  const lines = [];
  for (const path of paths) {
    if (old.get(path) === now.get(path)) continue;
    if (old.has(path)) lines.push(h("span", { class: "del" }, `− ${path}: ${old.get(path)}`));
    if (now.has(path)) lines.push(h("span", { class: "add" }, `+ ${path}: ${now.get(path)}`));
  }
  return lines.length ? lines : [h("span", {}, "No field changed.")];
}

export async function auditPage(offset = 0) {
  show("Audit log", spinnerLine("Loading the audit log…"));
  let entries;
  try {
    entries = (await api("GET", `/v1/audit?limit=${pageSize}&offset=${offset}`)).data || [];
  } catch (error) {
    return show("Audit log", notice(error.message, "bad"));
  }
  const rows = entries.map((entry) => h("li", { class: "card" },
    h("p", {}, h("strong", {}, entry.action), " ", h("code", {}, entry.resource_key || entry.resource_id || ""),
      h("span", { class: "muted" }, ` by ${entry.actor} at ${entry.created_at}`)),
    h("details", {}, h("summary", {}, "Before and after"), h("div", { class: "diff" }, diff(entry.before_state, entry.after_state)))));
  const pager = h("div", { class: "pager" },
    offset > 0 ? h("button", { type: "button", class: "secondary", onclick: () => auditPage(Math.max(0, offset - pageSize)) }, "Newer changes") : null,
    entries.length === pageSize ? h("button", { type: "button", class: "secondary", onclick: () => auditPage(offset + pageSize) }, "Older changes") : null);
  show("Audit log", entries.length ? h("ol", { class: "plain" }, rows) : h("p", { class: "muted" }, "No change recorded yet."), pager);
}
