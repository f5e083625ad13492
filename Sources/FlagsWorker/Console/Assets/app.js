// The console's shell: sign-in or the signed-in layout, the project and environment it works on,
// and the pages by the address's fragment (#/flags, #/flags/<key>, #/keys, #/audit, #/projects).
import { api, current, restore, signOut } from "./api.js";
import { announce, h, spinnerLine } from "./dom.js";
import { signInPage } from "./signin.js";
import { flagsPage } from "./flags.js";
import { flagPage } from "./flag.js";
import { keysPage } from "./keys.js";
import { auditPage } from "./audit.js";
import { projectsPage } from "./projects.js";
import { membersPage } from "./members.js";
import { webhooksPage } from "./webhooks.js";
import { segmentsPage } from "./segments.js";
import { edgeAuditPage, edgeFlagsPage, edgeTokensPage, edgeTryPage } from "./edge.js";

/** What every page works on: the projects of the organization and the chosen one's environments. */
export const state = { projects: [], project: null, environments: [] };

const pages = [
  { path: "flags", title: "Flags", render: flagsPage },
  { path: "segments", title: "Segments", render: segmentsPage },
  { path: "keys", title: "API keys and tokens", render: keysPage },
  { path: "audit", title: "Audit log", render: auditPage },
  { path: "projects", title: "Projects and environments", render: projectsPage },
  { path: "members", title: "Members", render: membersPage },
  { path: "webhooks", title: "Webhooks", render: webhooksPage },
];

/** Signed in with an ff_ admin token: its one project, through the EdgeFlags API. */
const tokenPages = [
  { path: "flags", title: "Flags", render: edgeFlagsPage },
  { path: "tokens", title: "Tokens", render: edgeTokensPage },
  { path: "audit", title: "Audit log", render: edgeAuditPage },
  { path: "try", title: "Try it", render: edgeTryPage },
];

const main = document.getElementById("main");
const bar = document.getElementById("bar");

/** Replaces the page: its heading gets the focus, so keyboard and screen-reader users start there. */
export function show(title, ...content) {
  const heading = h("h1", { tabindex: "-1" }, title);
  main.replaceChildren(heading, ...content);
  document.title = `${title} · Flag console`;
  heading.focus();
}

export async function loadProjects(preferred) {
  const { data } = await api("GET", "/v1/projects");
  state.projects = data || [];
  const remembered = preferred || sessionStorage.getItem("console-project");
  state.project = state.projects.find((p) => p.id === remembered) || state.projects[0] || null;
  state.environments = [];
  if (state.project) {
    sessionStorage.setItem("console-project", state.project.id);
    state.environments = (await api("GET", `/v1/projects/${state.project.id}/environments`)).data || [];
  }
}

function renderBar(active, available) {
  const projectSelect = h("select", { id: "project-select", onchange: async (event) => {
    await loadProjects(event.target.value);
    route();
  } }, state.projects.map((p) => h("option", { value: p.id, selected: p.id === state.project?.id }, p.name)));
  const signOutButton = h("button", { type: "button", class: "secondary", onclick: async () => {
    try { await signOut(); } catch { /* the cookie is gone either way */ }
    announce("Signed out.");
    location.hash = "#/signin";
  } }, "Sign out");
  bar.replaceChildren(
    h("span", { class: "brand" }, "Flag console"),
    h("nav", { "aria-label": "Main" }, h("ul", {}, available.map((page) =>
      h("li", {}, h("a", { href: "#/" + page.path, "aria-current": page.path === active ? "page" : false }, page.title))))),
    current()?.kind === "token" ? h("span", {}, `Project ${current().project?.name || current().project?.id || ""}`)
      : h("label", { for: "project-select" }, "Project", projectSelect),
    h("span", { class: "who" }, h("span", { class: "muted" }, current()?.user?.email || "admin token"), signOutButton));
  bar.hidden = false;
}

async function route() {
  const path = location.hash.replace(/^#\/?/, "");
  if (!current()) {
    main.replaceChildren(spinnerLine("Restoring your session…"));
    try { await restore(); } catch { /* shown as signed out */ }
  }
  if (!current()) {
    bar.hidden = true;
    signInPage(async () => {
      if (current().kind !== "token") await loadProjects();
      if (location.hash === "#/flags") route(); else location.hash = "#/flags";
    });
    return;
  }
  if (path === "signin" || path === "") { location.hash = "#/flags"; return; }
  try {
    const [first, ...rest] = path.split("/");
    if (current().kind === "token") {
      renderBar(first, tokenPages);
      await (tokenPages.find((p) => p.path === first) || tokenPages[0]).render();
      return;
    }
    if (!state.project) await loadProjects();
    renderBar(first, pages);
    if (first === "flags" && rest.length) {
      await flagPage(decodeURIComponent(rest.join("/")));
    } else {
      const page = pages.find((p) => p.path === first) || pages[0];
      await page.render();
    }
  } catch (error) {
    show("Something went wrong", h("div", { class: "notice bad", role: "alert" }, error.message || String(error)));
  }
}

window.addEventListener("hashchange", route);
route();
