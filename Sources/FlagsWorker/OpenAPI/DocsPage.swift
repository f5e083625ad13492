/// `/docs`: renders `/openapi.json` (both dialects) with a "try it" form per operation, sending the
/// bearer (an `ff_` token or a JWT) or, on API-key routes, `X-API-Key`. Self-contained (the service
/// may run with no Internet access); everything untrusted is inserted as text, never as HTML.
enum DocsPage {
    static let html = #"""
<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>EdgeFlags and FeatureSignals APIs</title>
<style>
body{font:15px/1.45 system-ui,sans-serif;margin:0;color:#1d2330;background:#f6f7f9}
header{background:#1d2330;color:#fff;padding:14px 24px}header input{width:340px;padding:4px 8px}
main{max-width:1000px;margin:0 auto;padding:16px 24px}h2{margin-top:28px;text-transform:capitalize}
details{background:#fff;border:1px solid #dde1e7;border-radius:6px;margin:8px 0;padding:8px 12px}
summary{cursor:pointer}.m{display:inline-block;min-width:64px;font-weight:600;font-family:monospace}
.GET{color:#0a7}.POST{color:#06c}.PUT{color:#b70}.DELETE{color:#c33}code,pre,textarea{font-family:ui-monospace,monospace;font-size:13px}
pre{background:#f0f2f5;padding:8px;overflow:auto;max-height:320px}textarea{width:100%;min-height:80px}
label{display:block;margin:4px 0}label input{width:60%}button{margin-top:6px;padding:4px 14px}
</style></head><body>
<header><strong>EdgeFlags · FeatureSignals</strong> — bearer <input id="token" placeholder="ff_… or access JWT (kept in this browser only)">
 API key <input id="apikey" placeholder="fs_srv_… for /v1 evaluation"></header>
<main id="main">Loading /openapi.json…</main>
<script>
"use strict";
const tokenInput = document.getElementById("token");
tokenInput.value = localStorage.getItem("edgeflags-token") || "";
tokenInput.addEventListener("change", () => localStorage.setItem("edgeflags-token", tokenInput.value));
const keyInput = document.getElementById("apikey");
keyInput.value = localStorage.getItem("featuresignals-key") || "";
keyInput.addEventListener("change", () => localStorage.setItem("featuresignals-key", keyInput.value));
function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
  for (const child of children) node.append(child);
  return node;
}
function resolve(spec, schema) {
  if (schema && schema.$ref) return spec.components.schemas[schema.$ref.split("/").pop()];
  return schema || {};
}
function example(spec, schema, depth) {
  schema = resolve(spec, schema);
  if (depth > 3) return null;
  if (schema.enum) return schema.enum[0];
  if (schema.type === "object" && schema.properties) {
    const out = {};
    for (const name of schema.required || Object.keys(schema.properties).slice(0, 3)) out[name] = example(spec, schema.properties[name], depth + 1);
    return out;
  }
  if (schema.type === "array") return [example(spec, schema.items, depth + 1)];
  return {string: "", integer: 0, number: 0, boolean: true}[schema.type] ?? null;
}
function operation(spec, path, method, op) {
  const box = el("details", {}, el("summary", {}, el("span", {class: "m " + method.toUpperCase()}, method.toUpperCase()), el("code", {}, path), " — " + (op.summary || "")));
  const form = el("form");
  const inputs = {};
  for (const p of op.parameters || []) {
    const input = el("input", {name: p.name, placeholder: p.description || ""});
    inputs[p.name] = [p, input];
    form.append(el("label", {}, p.name + " (" + p.in + ") ", input));
  }
  let body = null;
  if (op.requestBody) {
    const schema = op.requestBody.content["application/json"].schema;
    body = el("textarea");
    body.value = JSON.stringify(example(spec, schema, 0), null, 2);
    form.append(el("label", {}, "JSON body"), body);
  }
  form.append(el("div", {}, "Responses: " + Object.keys(op.responses).join(", ")));
  const output = el("pre");
  form.append(el("button", {type: "submit"}, "Try it"), output);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    let url = path;
    const query = new URLSearchParams();
    const headers = {};
    for (const [name, [p, input]] of Object.entries(inputs)) {
      if (!input.value) continue;
      if (p.in === "path") url = url.replace("{" + name + "}", encodeURIComponent(input.value));
      else if (p.in === "query") query.set(name, input.value);
      else headers[name] = input.value;
    }
    const security = Object.keys((op.security || [{}])[0] || {});
    if (security.includes("apiKey")) { if (keyInput.value) headers["X-API-Key"] = keyInput.value; }
    else if (tokenInput.value) headers["Authorization"] = "Bearer " + tokenInput.value;
    if (body) headers["Content-Type"] = "application/json";
    const q = query.toString();
    try {
      const response = await fetch(url + (q ? "?" + q : ""), {method: method.toUpperCase(), headers, body: body ? body.value : undefined});
      const lines = [response.status + " " + response.statusText];
      response.headers.forEach((v, k) => lines.push(k + ": " + v));
      output.textContent = lines.join("\n") + "\n\n" + await response.text();
    } catch (error) {
      output.textContent = String(error);
    }
  });
  box.append(form);
  return box;
}
fetch("/openapi.json").then(r => r.json()).then(spec => {
  const main = document.getElementById("main");
  main.textContent = "";
  main.append(el("p", {}, spec.info.description || ""));
  const groups = {};
  for (const [path, ops] of Object.entries(spec.paths))
    for (const [method, op] of Object.entries(ops)) (groups[(op.tags || ["other"])[0]] ||= []).push([path, method, op]);
  for (const tag of (spec.tags || []).map(t => t.name)) {
    if (!groups[tag]) continue;
    main.append(el("h2", {}, tag));
    for (const [path, method, op] of groups[tag]) main.append(operation(spec, path, method, op));
  }
}).catch(error => { document.getElementById("main").textContent = "Cannot load /openapi.json: " + error; });
</script></body></html>
"""#
}
