// Small DOM helpers. Everything from the server is inserted as text, never as HTML.

let counter = 0;

/** An element: attributes (`on…` are listeners, `true`/`false` toggle boolean attributes), then children. */
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith("on") && typeof value === "function") element.addEventListener(name.slice(2), value);
    else if (name === "value") element.value = value;
    else if (name === "checked") element.checked = Boolean(value);
    else element.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return element;
}

export function uid(prefix) {
  counter += 1;
  return `${prefix}-${counter}`;
}

/**
 * A labelled control with a place for its error: the visible label is its accessible name, the
 * error is announced as its description. `name` is the API field the errors of which it shows.
 */
export function field(label, control, { name, hint } = {}) {
  const id = control.id || uid("f");
  control.id = id;
  const error = h("p", { class: "error", id: id + "-error", hidden: true });
  const described = [id + "-error"];
  let hintElement = null;
  if (hint) {
    hintElement = h("p", { class: "muted", id: id + "-hint" }, hint);
    described.push(id + "-hint");
  }
  control.setAttribute("aria-describedby", described.join(" "));
  const wrapper = h("div", { class: "field" }, h("label", { for: id }, label), control, hintElement, error);
  wrapper.dataset.field = name || "";
  return wrapper;
}

/** Shows `message` under the field of the form named `name`, or clears every field's error. */
export function showFieldError(form, name, message) {
  for (const wrapper of form.querySelectorAll(".field")) {
    const error = wrapper.querySelector(".error");
    const control = wrapper.querySelector("input, select, textarea");
    const mine = name !== null && wrapper.dataset.field === name;
    error.hidden = !mine;
    error.textContent = mine ? message : "";
    if (control) control.toggleAttribute("aria-invalid", mine);
    if (control && mine) control.setAttribute("aria-invalid", "true");
  }
}

/** A notice above a form (`role=alert` for errors, so screen readers hear it at once). */
export function notice(text, kind = "") {
  return h("div", { class: "notice " + kind, role: kind === "bad" ? "alert" : "status" }, text);
}

/** Runs `work` with `button` disabled, showing a spinner and "…" text for as long as it takes. */
export async function busy(button, work) {
  const label = button.textContent;
  button.disabled = true;
  button.setAttribute("aria-busy", "true");
  const timer = setTimeout(() => {
    button.replaceChildren(h("span", { class: "spinner", "aria-hidden": "true" }), " " + label + "…");
  }, 150);
  try {
    return await work();
  } finally {
    clearTimeout(timer);
    button.textContent = label;
    button.disabled = false;
    button.removeAttribute("aria-busy");
  }
}

/** Tells everyone (and screen readers, through the live region) what just happened. */
export function announce(text) {
  const status = document.getElementById("status");
  status.textContent = text;
  clearTimeout(announce.timer);
  announce.timer = setTimeout(() => { status.textContent = ""; }, 5000);
}

export function spinnerLine(text) {
  return h("p", { class: "loading" }, h("span", { class: "spinner", "aria-hidden": "true" }), " " + text);
}

/** A secret shown once: read-only, selected, with a Copy button. */
export function secretBox(label, value) {
  const input = h("input", { type: "text", readonly: true, value, id: uid("secret") });
  const copy = h("button", { type: "button", class: "secondary", onclick: async () => {
    input.select();
    try {
      await navigator.clipboard.writeText(value);
      announce("Copied to the clipboard.");
    } catch {
      announce("Select the text and copy it with Ctrl+C (the browser refused the clipboard).");
    }
  } }, "Copy");
  return h("div", { class: "notice good" },
    h("p", {}, h("strong", {}, "Copy it now: it is shown only once. "), "Whoever holds it can use it until it is revoked."),
    h("div", { class: "field" }, h("label", { for: input.id }, label), h("div", { class: "secret" }, input, copy)));
}
