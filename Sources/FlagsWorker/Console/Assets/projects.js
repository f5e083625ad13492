// The organization's projects and the chosen project's environments: switch, create.
import { api } from "./api.js";
import { announce, busy, field, h, notice, showFieldError } from "./dom.js";
import { loadProjects, show, state } from "./app.js";

function createForm(label, fields, submit) {
  const inputs = Object.fromEntries(fields.map(([name]) => [name, h("input", { type: "text", autocomplete: "off" })]));
  const message = h("div");
  const button = h("button", { type: "submit" }, label);
  const form = h("form", { novalidate: true }, message,
    h("div", { class: "row" }, fields.map(([name, text, hint]) => field(text, inputs[name], { name, hint }))), h("p", {}, button));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    message.replaceChildren();
    showFieldError(form, null);
    const body = Object.fromEntries(Object.entries(inputs).filter(([, input]) => input.value.trim()).map(([name, input]) => [name, input.value.trim()]));
    try {
      await busy(button, () => submit(body));
    } catch (error) {
      const name = error.status === 400 || error.status === 409 ? Object.keys(inputs).find((n) => error.message.toLowerCase().includes(n)) : null;
      if (name) showFieldError(form, name, error.message); else message.replaceChildren(notice(error.message, "bad"));
    }
  });
  return form;
}

export async function projectsPage() {
  const projectList = h("ul", {}, state.projects.map((project) => h("li", {}, project.id === state.project?.id
    ? h("strong", {}, `${project.name} (${project.slug}) — current`)
    : h("button", { type: "button", class: "secondary", onclick: async () => {
      await loadProjects(project.id);
      announce(`Now working on ${project.name}.`);
      location.hash = "#/flags";
    } }, `Switch to ${project.name}`))));
  const environments = h("table", {}, h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Environment"), h("th", { scope: "col" }, "Slug"), h("th", { scope: "col" }, "Id"))),
    h("tbody", {}, state.environments.map((env) => h("tr", {}, h("td", {}, env.name), h("td", {}, env.slug), h("td", {}, h("code", {}, env.id))))));
  show("Projects and environments",
    h("section", { class: "card", "aria-labelledby": "projects-heading" }, h("h2", { id: "projects-heading" }, "Projects"), projectList,
      createForm("Create project", [["name", "Project name"], ["slug", "Project slug", "Optional; made from the name."]], async (body) => {
        const { data } = await api("POST", "/v1/projects", { body });
        await loadProjects(data.id);
        announce(`Project ${data.name} created.`);
        projectsPage();
      })),
    state.project ? h("section", { class: "card", "aria-labelledby": "env-heading" },
      h("h2", { id: "env-heading" }, `Environments of ${state.project.name}`), environments,
      createForm("Create environment", [["name", "Environment name"], ["slug", "Environment slug", "Optional; made from the name."]], async (body) => {
        await api("POST", `/v1/projects/${state.project.id}/environments`, { body });
        await loadProjects(state.project.id);
        announce("Environment created.");
        projectsPage();
      })) : null);
}
