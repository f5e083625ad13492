// Runs the script of the server's /docs page in Node against a small DOM stand-in, as a browser
// would: it loads /openapi.json, renders one form per operation, and one form is submitted.
// Usage: node docs_page.mjs BASE_URL TOKEN. Prints JSON: what was rendered and what "Try it" showed.
import vm from "node:vm";

const [base, token] = process.argv.slice(2);

class Node {
  constructor(tag) {
    this.tag = tag; this.attributes = {}; this.children = []; this.listeners = {};
    this._text = ""; this.value = "";
  }
  setAttribute(name, value) { this.attributes[name] = String(value); }
  append(...children) {
    for (const child of children) this.children.push(typeof child === "string" ? textNode(child) : child);
  }
  addEventListener(type, listener) { (this.listeners[type] ||= []).push(listener); }
  set textContent(value) { this.children = []; this._text = String(value); }
  get textContent() { return this._text + this.children.map(c => c.textContent).join(""); }
  all(tag) { return [this, ...this.children.flatMap(c => c.all ? c.all(tag) : [])].filter(n => n.tag === tag); }
}
function textNode(text) { return { textContent: text }; }

const elements = { token: new Node("input"), apikey: new Node("input"), main: new Node("main") };
const storage = new Map();
const context = {
  document: {
    getElementById: id => elements[id] ?? null,
    createElement: tag => new Node(tag),
  },
  localStorage: { getItem: k => storage.get(k) ?? null, setItem: (k, v) => storage.set(k, String(v)) },
  // The page asks with paths relative to its own origin.
  fetch: (url, init) => fetch(new URL(url, base), init),
  URLSearchParams, encodeURIComponent, JSON, Object, String, console,
};

const page = await (await fetch(new URL("/docs", base))).text();
const script = page.match(/<script>([\s\S]*)<\/script>/)[1];
vm.runInNewContext(script, context, { filename: "docs-page.js" });

const spec = await (await fetch(new URL("/openapi.json", base))).json();
let operations = 0;
for (const ops of Object.values(spec.paths)) operations += Object.keys(ops).length;
for (let i = 0; i < 100 && elements.main.all("details").length === 0; i++) await new Promise(r => setTimeout(r, 50));

// "Try it" on GET /api/v1/flags/{key}: the path parameter filled in, the bearer from the header field.
elements.token.value = token;
const forms = elements.main.all("details");
const target = forms.find(d => d.all("code").some(c => c.textContent === "/api/v1/flags/{key}") &&
                               d.textContent.includes("GET"));
const form = target.all("form")[0];
form.all("input").find(i => i.attributes.name === "key").value = "dark-mode";
for (const listener of form.listeners.submit) await listener({ preventDefault() {} });
const output = form.all("pre")[0];
for (let i = 0; i < 100 && output.textContent === ""; i++) await new Promise(r => setTimeout(r, 50));

console.log(JSON.stringify({
  operations,
  rendered: forms.length,
  headings: elements.main.all("h2").map(h => h.textContent),
  tried: output.textContent,
}));
