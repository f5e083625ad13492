// The organization's members: invite (with a first password), change a role, remove. What each role
// may do is the API's to decide; the console shows its refusal in words.
import { api, current } from "./api.js";
import { announce, busy, field, h, notice, showFieldError, spinnerLine } from "./dom.js";
import { show } from "./app.js";

const roles = ["owner", "admin", "developer", "viewer"];

export async function membersPage() {
  show("Members", spinnerLine("Loading members…"));
  const message = h("div");
  const list = h("div");
  const refresh = async () => {
    const { data } = await api("GET", "/v1/members");
    list.replaceChildren(h("table", {}, h("thead", {}, h("tr", {}, ["Member", "Role", ""].map((t) => h("th", { scope: "col" }, t)))),
      h("tbody", {}, data.map((member) => {
        const role = h("select", { "aria-label": `Role of ${member.email}` }, roles.map((r) => h("option", { value: r, selected: r === member.role }, r)));
        role.addEventListener("change", async () => {
          try {
            await api("PUT", `/v1/members/${member.id}`, { body: { role: role.value } });
            announce(`${member.email} is now ${role.value}.`);
          } catch (error) {
            role.value = member.role;
            message.replaceChildren(notice(error.message, "bad"));
          }
        });
        const self = member.id === current()?.user?.id;
        return h("tr", {}, h("td", {}, member.email, h("br"), h("span", { class: "muted" }, member.name || "")), h("td", {}, role),
          h("td", {}, self ? h("span", { class: "muted" }, "you") : h("button", { type: "button", class: "danger", onclick: async (event) => {
            try {
              await busy(event.currentTarget, () => api("DELETE", `/v1/members/${member.id}`));
              announce(`${member.email} removed.`);
              await refresh();
            } catch (error) { message.replaceChildren(notice(error.message, "bad")); }
          } }, `Remove ${member.email}`)));
      }))));
  };
  const inputs = {
    email: h("input", { type: "email", autocomplete: "off" }),
    name: h("input", { type: "text", autocomplete: "off" }),
    password: h("input", { type: "password", autocomplete: "new-password" }),
    role: h("select", {}, roles.map((r) => h("option", { value: r, selected: r === "developer" }, r))),
  };
  const button = h("button", { type: "submit" }, "Invite member");
  const form = h("form", { class: "card", novalidate: true }, h("div", { class: "row" },
    field("Member email", inputs.email, { name: "email" }), field("Member name", inputs.name, { name: "name" }),
    field("First password", inputs.password, { name: "password", hint: "At least 8 characters; they sign in with it." }),
    field("Role", inputs.role, { name: "role" })), h("p", {}, button));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    message.replaceChildren();
    showFieldError(form, null);
    const body = Object.fromEntries(Object.entries(inputs).filter(([, input]) => input.value).map(([name, input]) => [name, input.value]));
    try {
      await busy(button, () => api("POST", "/v1/members/invite", { body }));
      announce(`${body.email} invited.`);
      for (const input of [inputs.email, inputs.name, inputs.password]) input.value = "";
      await refresh();
    } catch (error) {
      const text = error.message.toLowerCase();
      const name = ["password", "email", "role", "name"].find((n) => text.includes(n));
      if (error.status === 400 && name) showFieldError(form, name, error.message);
      else if (error.status === 409) showFieldError(form, "email", error.message);
      else message.replaceChildren(notice(error.message, "bad"));
    }
  });
  await refresh();
  show("Members", form, message, list);
}
