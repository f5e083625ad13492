// Sign in with email and password, or create an account (organization, default project and its
// environments: the FeatureSignals register flow).
import { register, signIn, signInWithToken } from "./api.js";
import { busy, field, h, notice, showFieldError } from "./dom.js";
import { show } from "./app.js";

export function signInPage(done) {
  const message = h("div");
  const signInForm = () => {
    const email = h("input", { type: "email", autocomplete: "username", name: "email" });
    const password = h("input", { type: "password", autocomplete: "current-password", name: "password" });
    const button = h("button", { type: "submit" }, "Sign in");
    const form = h("form", { class: "card", novalidate: true },
      field("Email", email, { name: "email" }), field("Password", password, { name: "password" }), button);
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      message.replaceChildren();
      showFieldError(form, null);
      if (!email.value) return showFieldError(form, "email", "Enter your email address.");
      if (!password.value) return showFieldError(form, "password", "Enter your password.");
      try {
        await busy(button, () => signIn(email.value, password.value));
        await done();
      } catch (error) {
        message.replaceChildren(notice(error.message, "bad"));
      }
    });
    return form;
  };
  const registerForm = () => {
    const inputs = {
      name: h("input", { type: "text", autocomplete: "name" }),
      org_name: h("input", { type: "text", autocomplete: "organization" }),
      email: h("input", { type: "email", autocomplete: "username" }),
      password: h("input", { type: "password", autocomplete: "new-password" }),
    };
    const button = h("button", { type: "submit" }, "Create account");
    const form = h("form", { class: "card", novalidate: true },
      field("Your name", inputs.name, { name: "name" }),
      field("Organization", inputs.org_name, { name: "org_name" }),
      field("Email", inputs.email, { name: "email" }),
      field("Password", inputs.password, { name: "password", hint: "At least 8 characters." }), button);
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      message.replaceChildren();
      showFieldError(form, null);
      const body = Object.fromEntries(Object.entries(inputs).map(([name, input]) => [name, input.value]));
      try {
        await busy(button, () => register(body));
        await done();
      } catch (error) {
        const text = error.message.toLowerCase();
        const name = text.includes("password") ? "password" : text.includes("email") ? "email" : null;
        if (name && error.status === 400 || error.status === 409) showFieldError(form, error.status === 409 ? "email" : name, error.message);
        else message.replaceChildren(notice(error.message, "bad"));
      }
    });
    return form;
  };
  const tokenForm = () => {
    const token = h("input", { type: "password", autocomplete: "off", spellcheck: "false" });
    const button = h("button", { type: "submit" }, "Sign in with token");
    const form = h("form", { class: "card", novalidate: true },
      field("Admin token", token, { name: "token", hint: "An ff_ token with the * permission, for a deployment without accounts. It is kept in this tab's memory only." }),
      button);
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      message.replaceChildren();
      showFieldError(form, null);
      if (!token.value.trim().startsWith("ff_")) return showFieldError(form, "token", "An EdgeFlags token starts with ff_.");
      try {
        await busy(button, () => signInWithToken(token.value));
        await done();
      } catch (error) {
        showFieldError(form, "token", error.status === 401 ? "This token is unknown, revoked or expired." : error.message);
      }
    });
    return form;
  };
  const area = h("div", { class: "auth" });
  const choice = (label, next) => h("button", { type: "button", class: "secondary", onclick: () => { message.replaceChildren(); toggle(next); } }, label);
  const toggle = (mode) => {
    const form = mode === "register" ? registerForm() : mode === "token" ? tokenForm() : signInForm();
    area.replaceChildren(message, form, h("p", { class: "tabs" },
      mode !== "signin" ? choice("Sign in with email", "signin") : null,
      mode !== "register" ? choice("Create an account", "register") : null,
      mode !== "token" ? choice("Use an admin token", "token") : null));
    area.querySelector("input").focus();
  };
  show("Sign in to the flag console", area);
  toggle("signin");
}
