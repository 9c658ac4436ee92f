// Small DOM helpers. Text always goes in through textContent, never as
// markup, so nothing the API returns can run as script.

let ids = 0;

// uid returns a fresh element id, for label/for and aria-describedby pairs.
export function uid(prefix = "f") {
  ids += 1;
  return `${prefix}-${ids}`;
}

// h builds an element: h("button", {type: "button", onclick: fn}, "Save").
// Attributes starting with "on" become listeners; "class", "text", "dataset"
// and boolean attributes are handled; children may be strings, nodes,
// arrays or null.
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith("on") && typeof v === "function") {
      el.addEventListener(k.slice(2), v);
    } else if (k === "class") {
      el.className = v;
    } else if (k === "text") {
      el.textContent = v;
    } else if (k === "dataset") {
      Object.assign(el.dataset, v);
    } else if (k === "value") {
      el.value = v;
    } else if (k === "checked" || k === "selected" || k === "disabled" || k === "hidden" || k === "required") {
      el[k] = Boolean(v);
    } else if (v === true) {
      el.setAttribute(k, "");
    } else {
      el.setAttribute(k, String(v));
    }
  }
  append(el, children);
  return el;
}

// add appends children to el, skipping null, false and undefined (which
// Element.append would turn into text).
export function add(el, ...children) {
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else if (c instanceof Node) el.appendChild(c);
    else el.appendChild(document.createTextNode(String(c)));
  }
}

// clear empties an element.
export function clear(el) {
  while (el.firstChild) el.removeChild(el.firstChild);
  return el;
}

// announce reads a short message to screen readers.
export function announce(text) {
  const region = document.getElementById("announce");
  if (!region) return;
  region.textContent = "";
  // A separate task makes repeated messages be read again.
  setTimeout(() => { region.textContent = text; }, 30);
}

// sentence starts a message with a capital: the API's messages are
// written to follow a field name ("clientId: is required: …").
export function sentence(text) {
  const t = String(text || "");
  return t ? t[0].toUpperCase() + t.slice(1) : t;
}

// notice is a message box; kind is ok, bad, warn or info. role=alert for
// failures so they are read at once, status otherwise.
export function notice(kind, title, ...body) {
  return h("div", { class: `notice ${kind}`, role: kind === "bad" ? "alert" : "status" },
    title ? h("strong", { text: title }) : null, ...body.map((b) => (typeof b === "string" ? sentence(b) : b)));
}

// field is a labelled input with optional help and an error slot; it
// returns {wrap, input, error, setError}.
export function field({ label, help, input, name }) {
  const id = input.id || uid(name || "f");
  input.id = id;
  const helpEl = help ? h("span", { class: "help", id: `${id}-help`, text: help }) : null;
  const errorEl = h("span", { class: "field-error", id: `${id}-error`, hidden: true });
  const describedBy = [helpEl ? helpEl.id : null, errorEl.id].filter(Boolean).join(" ");
  input.setAttribute("aria-describedby", describedBy);
  const wrap = h("div", { class: "field", dataset: name ? { field: name } : {} },
    h("label", { for: id, text: label }), helpEl, input, errorEl);
  const setError = (msg) => {
    errorEl.textContent = sentence(msg);
    errorEl.hidden = !msg;
    if (msg) input.setAttribute("aria-invalid", "true");
    else input.removeAttribute("aria-invalid");
  };
  return { wrap, input, error: errorEl, setError };
}

// select builds a <select> from [{value, label}] with an optional empty
// first option.
export function select(options, { value = "", empty = null, id, name, missing = "not on the platform now" } = {}) {
  const el = h("select", { id, name });
  if (empty !== null) el.appendChild(h("option", { value: "", text: empty }));
  for (const o of options) {
    el.appendChild(h("option", { value: o.value, text: o.label, disabled: o.disabled }));
  }
  el.value = value;
  if (value && el.value !== value) {
    // A saved value the platform no longer lists stays visible, marked.
    el.appendChild(h("option", { value, text: `${value} (${missing})` }));
    el.value = value;
  }
  return el;
}

// confirmDialog asks before a destructive action. It resolves true when
// the person confirms. Escape and Cancel resolve false; focus returns to
// the element that opened it.
export function confirmDialog({ title, body, confirm = "Confirm", danger = true }) {
  return new Promise((resolve) => {
    const opener = document.activeElement;
    const titleId = uid("dlg");
    const dlg = h("dialog", { "aria-labelledby": titleId, class: "confirm" },
      h("h2", { id: titleId, text: title }),
      h("p", { text: body }),
    );
    const done = (answer) => {
      dlg.close();
      dlg.remove();
      if (opener && opener.focus) opener.focus();
      resolve(answer);
    };
    const cancel = h("button", { type: "button", class: "secondary", onclick: () => done(false) }, "Keep it");
    const ok = h("button", { type: "button", class: danger ? "danger" : "", onclick: () => done(true) }, confirm);
    dlg.appendChild(h("div", { class: "actions" }, ok, cancel));
    dlg.addEventListener("cancel", (e) => { e.preventDefault(); done(false); });
    document.body.appendChild(dlg);
    dlg.showModal();
    cancel.focus();
  });
}

// copyButton copies text, falling back to selecting it where the
// clipboard API is not available (plain http outside localhost).
export function copyButton(text, label, target) {
  const btn = h("button", { type: "button", class: "secondary" }, label);
  btn.addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(text);
      btn.textContent = "Copied";
      announce("Copied to the clipboard");
    } catch {
      if (target) {
        const range = document.createRange();
        range.selectNodeContents(target);
        const sel = window.getSelection();
        sel.removeAllRanges();
        sel.addRange(range);
      }
      btn.textContent = "Select and copy (Ctrl+C)";
    }
    setTimeout(() => { btn.textContent = label; }, 2500);
  });
  return btn;
}

// when formats an ISO time for people, in their own locale and zone.
export function when(iso) {
  if (!iso) return "";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}

// busy disables a button while a promise runs.
export async function busy(button, fn) {
  const was = button.disabled;
  button.disabled = true;
  button.setAttribute("aria-busy", "true");
  try {
    return await fn();
  } finally {
    button.disabled = was;
    button.removeAttribute("aria-busy");
  }
}
