// Settings: the platform's credentials (with the seeds' help for finding
// each value), the connection test, and the webhook.
import { h, add, clear, field, notice, select, confirmDialog, copyButton, when, busy, announce } from "./dom.js";
import { api, ApiError } from "./api.js";

export async function render(root, ctx, _params, current) {
  add(root, 
    h("h1", { text: "Settings" }),
    h("p", { class: "lead", text: "Connect your platform and link the partner organisations you sync with. Most setup starts here: enter your platform's credentials, test them, install the webhook, then create or accept a connection." }),
  );
  const platformCard = h("section", { class: "card", "aria-labelledby": "platform-title" });
  const hookCard = h("section", { class: "card", "aria-labelledby": "webhook-title" });
  const usageCard = h("section", { class: "card", "aria-labelledby": "usage-title", hidden: true });
  const nextCard = h("section", { class: "card", "aria-labelledby": "next-title" },
    h("h2", { id: "next-title", text: "Organisation connections and integration configuration" }),
    h("p", { text: "Link your organisation to a partner organisation under Connections: one side creates the connection and shares a verification code, the other accepts it. With an active connection, set how it syncs — mappings, defaults, escalation and custom fields — under Integration configuration." }),
    h("div", { class: "actions" },
      h("a", { class: "button secondary", href: "#/connections" }, "Go to connections"),
      h("a", { class: "button secondary", href: "#/config" }, "Go to integration configuration")),
  );
  add(root, platformCard, hookCard, usageCard, nextCard);

  let account = null;
  try {
    account = await api.platform();
  } catch (e) {
    if (!(e instanceof ApiError && e.code === "not_configured")) {
      platformCard.appendChild(notice("bad", "Your platform settings could not be loaded", e.message));
      return;
    }
  }
  if (!current()) return;
  const show = (acct, message) => {
    account = acct;
    showPlatform(platformCard, ctx, acct, show, message);
    showWebhook(hookCard, ctx, acct);
    showUsage(usageCard, ctx, acct, current);
  };
  show(account);
}

// showPlatform shows the saved account with its test, or the form.
function showPlatform(card, ctx, account, show, message) {
  clear(card);
  card.appendChild(h("h2", { id: "platform-title", text: "Platform connection credentials" }));
  if (!account) {
    card.appendChild(h("p", { text: "Enter the credentials Tandem uses to reach your platform's API. The fields depend on your platform; each says where to find its value." }));
    card.appendChild(credentialForm(ctx, null, show));
    return;
  }
  const p = ctx.platform(account.platform);
  if (message) card.appendChild(message);
  const rows = [h("dt", { text: "Platform" }), h("dd", { text: p.name })];
  for (const f of p.fields) {
    const v = account.credentials ? account.credentials[f.name] : undefined;
    if (v === undefined) continue;
    rows.push(h("dt", { text: f.label }), h("dd", { class: f.secret ? "mono" : "", text: v || "—" }));
  }
  rows.push(h("dt", { text: "Saved" }), h("dd", { text: when(account.updatedAt) }));
  card.appendChild(h("dl", { class: "kv", "aria-label": "Saved credentials" }, rows));
  card.appendChild(h("p", { class: "muted", text: "Secret values are stored encrypted and never shown again; they appear masked." }));

  const result = h("div", { id: "test-result", "aria-live": "polite" });
  if (account.lastTest) result.appendChild(testResult(account.lastTest));
  const testBtn = h("button", { type: "button" }, "Test connection");
  testBtn.addEventListener("click", () => busy(testBtn, async () => {
    clear(result).appendChild(h("p", { class: "muted", text: "Testing: one real request to your platform…" }));
    try {
      const res = await api.testPlatform();
      account.lastTest = res;
      clear(result).appendChild(testResult(res));
      announce(res.status);
    } catch (e) {
      clear(result).appendChild(notice("bad", "The test could not run", e.message));
    }
  }));
  const editBtn = h("button", { type: "button", class: "secondary" }, "Change credentials");
  editBtn.addEventListener("click", () => {
    clear(card);
    add(card, h("h2", { id: "platform-title", text: "Platform connection credentials" }),
      credentialForm(ctx, account, show));
    const first = card.querySelector("select, input");
    if (first) first.focus();
  });
  const removeBtn = h("button", { type: "button", class: "danger" }, "Remove credentials");
  removeBtn.addEventListener("click", async () => {
    const ok = await confirmDialog({
      title: "Remove your platform credentials?",
      body: "Tandem stops reading and writing your platform: syncing with every partner stops until you enter credentials again.",
      confirm: "Remove credentials",
    });
    if (!ok) return;
    try {
      await api.deletePlatform();
      show(null, null);
      announce("Credentials removed");
    } catch (e) {
      card.appendChild(notice("bad", "The credentials were not removed", e.message));
    }
  });
  add(card, h("div", { class: "actions" }, testBtn, editBtn, removeBtn), result);
}

function testResult(res) {
  if (res.status === "Connection tested") {
    return notice("ok", "Connection tested", `Tandem reached your platform with these credentials (${when(res.testedAt)}).`,
      checklist(res.checklist));
  }
  if (res.checklist) {
    return notice("bad", "Test failed", "Fix the failing items of the preparation checklist in your platform, then test again: a connection is not activated until they pass.",
      checklist(res.checklist));
  }
  return notice("bad", "Test failed", res.reason || "The platform refused the request.",
    h("p", { class: "help", text: "A failed test almost always means a credential is wrong or missing rather than a problem with the platform itself." }));
}

// checklist lists a platform's preparation checklist (ConnectWise), each
// failing item with its fix; null for a platform without one.
function checklist(items) {
  if (!items || items.length === 0) return null;
  return h("ul", { class: "checklist", "aria-label": "Preparation checklist" },
    items.map((it) => h("li", { class: it.ok ? "ok" : "bad" },
      h("strong", { text: `${it.ok ? "Passed" : "Failed"}: ${it.item}` }),
      it.ok ? null : h("span", { text: it.fix }))));
}

// credentialForm asks for every field of the chosen platform. Saving
// replaces all of them, so secrets are entered again on every change.
function credentialForm(ctx, account, show) {
  const local = ctx.config.mode === "local";
  const platformSel = select(ctx.platforms.map((p) => ({ value: p.kind, label: p.name })),
    { value: account ? account.platform : "", empty: "Choose your platform", name: "platform" });
  const pf = field({ label: "Platform", help: "The service desk your organisation works in. An organisation has one platform.", input: platformSel, name: "platform" });
  const fieldsBox = h("div", { class: "platform-fields" });
  const errors = h("div", { "aria-live": "assertive" });
  const inputs = new Map();
  const drawFields = () => {
    clear(fieldsBox);
    inputs.clear();
    const p = ctx.platforms.find((x) => x.kind === platformSel.value);
    if (!p) return;
    if (p.guide) fieldsBox.appendChild(notice("info", `Before you start with ${p.name}`, p.guide));
    for (const def of p.fields) {
      if (def.localOnly && !local) continue;
      const input = h("input", {
        type: def.secret ? "password" : (def.type === "url" ? "url" : (def.type === "email" ? "email" : "text")),
        name: def.name,
        placeholder: def.placeholder || null,
        autocomplete: def.secret ? "new-password" : "off",
        spellcheck: "false",
        list: def.suggest ? `${def.name}-suggest` : null,
      });
      const keep = account && account.platform === p.kind && !def.secret ? account.credentials[def.name] : "";
      if (keep) input.value = keep;
      const label = def.label + (def.optional ? " (optional)" : "");
      const f = field({ label, help: def.help, input, name: def.name });
      if (def.suggest) f.wrap.appendChild(h("datalist", { id: `${def.name}-suggest` }, def.suggest.map((s) => h("option", { value: s }))));
      inputs.set(def.name, f);
      fieldsBox.appendChild(f.wrap);
    }
    if (p.oauth) fieldsBox.appendChild(generateToken(p, inputs, show));
    if (account) fieldsBox.appendChild(h("p", { class: "muted", text: "Saving replaces every value: enter the secret values again, they are never shown back." }));
  };
  platformSel.addEventListener("change", drawFields);
  drawFields();

  const save = h("button", { type: "submit" }, "Save credentials");
  const cancel = account ? h("button", { type: "button", class: "secondary", onclick: () => show(account) }, "Cancel") : null;
  const form = h("form", { novalidate: true, "aria-label": "Platform credentials" }, pf.wrap, fieldsBox, errors, h("div", { class: "actions" }, save, cancel));
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    clear(errors);
    pf.setError("");
    for (const f of inputs.values()) f.setError("");
    if (!platformSel.value) {
      pf.setError("Choose your platform first.");
      platformSel.focus();
      return;
    }
    const creds = {};
    for (const [name, f] of inputs) {
      const v = f.input.value.trim();
      if (v) creds[name] = v;
    }
    busy(save, async () => {
      try {
        const saved = await api.savePlatform(platformSel.value, creds);
        show(saved, notice("ok", "Credentials saved", "Secret values are now masked. Test the connection next."));
        announce("Credentials saved");
        const t = document.querySelector("#test-result");
        if (t) t.previousElementSibling.querySelector("button").focus();
      } catch (err) {
        let placed = 0;
        const loose = [];
        for (const pr of (err.problems || [])) {
          const f = inputs.get(pr.path);
          if (f) {
            f.setError(pr.message);
            placed += 1;
          } else {
            loose.push(pr.path ? `${pr.path}: ${pr.message}` : pr.message);
          }
        }
        if (placed) {
          errors.appendChild(notice("bad", "Some values need fixing", "See the fields marked above.", loose.length ? h("ul", {}, loose.map((m) => h("li", { text: m }))) : null));
          const firstBad = form.querySelector("[aria-invalid='true']");
          if (firstBad) firstBad.focus();
        } else {
          errors.appendChild(notice("bad", "The credentials were not saved", err.message));
        }
      }
    });
  });
  return form;
}

// generateToken starts the platform's OAuth authorization in a new tab
// (Zendesk's "Generate token"); the callback stores the tokens, and
// Reload shows the saved credentials.
function generateToken(p, inputs, show) {
  const out = h("div", { "aria-live": "polite" });
  const start = h("button", { type: "button" }, "Generate token");
  start.addEventListener("click", () => busy(start, async () => {
    clear(out);
    const sub = inputs.get(p.oauth.field);
    try {
      const res = await api.startOAuth(p.kind, sub ? sub.input.value.trim() : "");
      window.open(res.authorizeUrl, "_blank", "noopener");
      const reload = h("button", { type: "button", class: "secondary" }, "Reload settings");
      reload.addEventListener("click", async () => show(await api.platform()));
      out.appendChild(notice("info", `Sign in to ${p.name} in the new tab`, p.oauth.help, h("div", { class: "actions" }, reload)));
    } catch (e) {
      out.appendChild(notice("bad", "The authorization was not started", e.message));
    }
  }));
  return h("div", { class: "oauth" }, h("div", { class: "actions" }, start), out);
}

// showWebhook installs the endpoint platforms deliver changes to.
function showWebhook(card, ctx, account) {
  clear(card);
  card.appendChild(h("h2", { id: "webhook-title", text: "Webhook" }));
  if (!account) {
    card.appendChild(h("p", { class: "muted", text: "Save your platform credentials first; the webhook is installed for that platform." }));
    return;
  }
  const p = ctx.platform(account.platform);
  card.appendChild(h("p", { text: `Your platform tells Tandem about changes through a webhook. ${p.webhook || ""}` }));
  const out = h("div", { "aria-live": "polite" });
  const install = h("button", { type: "button" }, "Install webhook");
  install.addEventListener("click", () => busy(install, async () => {
    clear(out);
    try {
      const hook = await api.installWebhook();
      out.appendChild(webhookResult(p, hook));
      announce("Webhook installed");
    } catch (e) {
      out.appendChild(notice("bad", "The webhook was not installed", e.message));
    }
  }));
  add(card, h("p", { class: "muted", text: "Installing again creates a new endpoint; the old one keeps working until removed, so no change is missed." }),
    h("div", { class: "actions" }, install), out);
}

// showUsage shows the calls Tandem made to the platform per hour, against
// the point where sync holds so that the platform's other integrations keep
// their share of its limit.
async function showUsage(card, ctx, account, current) {
  clear(card);
  card.hidden = !account;
  if (!account) return;
  card.appendChild(h("h2", { id: "usage-title", text: "Partner API usage" }));
  const out = h("div", { "aria-live": "polite" });
  const refresh = h("button", { type: "button", class: "secondary" }, "Refresh usage");
  const load = () => busy(refresh, async () => {
    let usage;
    try {
      usage = await api.usage();
    } catch (e) {
      clear(out).appendChild(notice("bad", "Your platform usage could not be loaded", e.message));
      return;
    }
    if (current()) clear(out).appendChild(usageView(ctx.platform(usage.platform), usage));
  });
  refresh.addEventListener("click", load);
  add(card, out, h("div", { class: "actions" }, refresh));
  await load();
}

const count = new Intl.NumberFormat("en-GB");
const hourOf = (iso) => `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;

function usageView(p, usage) {
  const hours = usage.hours || [];
  const now = hours[hours.length - 1] || { calls: 0 };
  const busiest = hours.reduce((a, b) => (b.calls > a.calls ? b : a), { calls: 0 });
  const used = hours.filter((x) => x.calls > 0).reverse();
  return h("div", {},
    h("p", { text: `Calls Tandem made to ${p.name} in the last 24 hours, per clock hour. ${p.name} allows ${count.format(usage.limit)} an hour; when Tandem's calls in an hour reach ${count.format(usage.threshold)}, sync waits for the next hour instead of failing, so your other integrations keep their share.` }),
    h("dl", { class: "kv", "aria-label": "Usage summary" },
      h("dt", { text: "This hour" }), h("dd", { text: `${count.format(now.calls)} of ${count.format(usage.threshold)} calls` }),
      h("dt", { text: "Busiest hour" }), h("dd", { text: busiest.calls ? `${count.format(busiest.calls)} calls (${hourOf(busiest.hour)})` : "No calls in the last 24 hours" })),
    used.length ? h("div", { class: "table-wrap" }, h("table", { "aria-label": "Calls per hour" },
      h("thead", {}, h("tr", {}, ["Hour", "Calls", "Share of the hold point"].map((t) => h("th", { scope: "col", text: t })))),
      h("tbody", {}, used.map((x) => h("tr", {},
        h("td", { text: hourOf(x.hour) }),
        h("td", { text: count.format(x.calls) }),
        h("td", { text: x.threshold ? `${Math.round((100 * x.calls) / x.threshold)} %` : "—" })))))) : null);
}

function webhookResult(p, hook) {
  if (hook.registered) {
    return notice("ok", `Webhook registered with ${p.name}`,
      h("dl", { class: "kv" },
        h("dt", { text: "Deliveries go to" }), h("dd", { class: "mono", text: hook.url }),
        hook.expiresAt ? [h("dt", { text: "Renewed before" }), h("dd", { text: when(hook.expiresAt) })] : null));
  }
  const urlEl = h("code", { id: "webhook-url", text: hook.url });
  const secretEl = h("code", { id: "webhook-secret", text: hook.secret || "" });
  const lines = String(hook.instructions || "").split("\n").filter(Boolean);
  const intro = lines.length && !/^\d+\./.test(lines[0]) ? lines.shift() : "";
  return notice("warn", `Add the webhook in ${p.name}`,
    h("p", { text: `${p.name} needs the webhook added by hand. The secret is shown only now: copy it before leaving this page.` }),
    h("dl", { class: "kv" },
      h("dt", { text: "URL" }), h("dd", {}, urlEl, " ", copyButton(hook.url, "Copy URL", urlEl)),
      hook.secret ? [h("dt", { text: "Secret (password)" }), h("dd", {}, secretEl, " ", copyButton(hook.secret, "Copy secret", secretEl))] : null),
    intro ? h("p", { text: intro }) : null,
    lines.length ? h("ol", { class: "steps", "aria-label": "Steps" }, lines.map((l) => h("li", { text: l.replace(/^\d+\.\s*/, "") }))) : null);
}
