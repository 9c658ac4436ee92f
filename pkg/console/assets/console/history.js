// History: what needs attention on your connections, and their sync log —
// each change applied, skipped (with the reason) or failed (with the
// platform's reason). The API filters by connection and ticket; outcome and
// period are filtered here.
import { h, add, clear, field, notice, select, when, busy } from "./dom.js";
import { api, activeConnections } from "./api.js";

const periods = [
  { value: "1h", label: "Last hour", ms: 3600e3 },
  { value: "24h", label: "Last 24 hours", ms: 24 * 3600e3 },
  { value: "7d", label: "Last 7 days", ms: 7 * 24 * 3600e3 },
  { value: "30d", label: "Last 30 days", ms: 30 * 24 * 3600e3 },
  { value: "all", label: "All time", ms: 0 },
];

const kinds = {
  unmappedValue: "Unmapped value",
  refusedTransition: "Refused status change",
  webhooksStopped: "Webhooks stopped",
};

const outcomes = [
  { value: "", label: "All outcomes" },
  { value: "applied", label: "Applied" },
  { value: "skipped", label: "Skipped" },
  { value: "failed", label: "Failed" },
];

export async function render(root, ctx, params, current) {
  add(root, 
    h("h1", { text: "History" }),
    h("p", { class: "lead", text: "What happened to each change Tandem carried between you and your partners: applied, skipped with the reason, or failed with the platform's reason. Both organisations of a connection see its entries." }),
  );
  const active = await activeConnections(root);
  if (!active || !current()) return;
  if (!active.length) {
    root.appendChild(notice("info", "No active connections", "The history shows the sync log of your active connections; create or accept one under Connections.",
      h("p", {}, h("a", { href: "#/connections" }, "Go to connections"))));
    return;
  }
  const byId = new Map(active.map((c) => [c.id, c]));
  const preset = params[0] && byId.has(params[0]) ? params[0] : "";

  const connSel = select(active.map((c) => ({ value: c.id, label: `${c.contractName} (${c.partnerName || c.partnerOrgId})` })), { value: preset, empty: "All connections", name: "connection" });
  const ticket = h("input", { type: "search", name: "ticket", autocomplete: "off", spellcheck: "false", placeholder: "e.g. 1042" });
  const outcomeSel = select(outcomes, { value: "", name: "outcome" });
  const periodSel = select(periods.map(({ value, label }) => ({ value, label })), { value: "7d", name: "period" });
  const apply = h("button", { type: "submit" }, "Show");
  const filters = h("form", { class: "card", role: "search", "aria-label": "Filter the sync log", novalidate: true },
    h("div", { class: "filters" },
      field({ label: "Connection", input: connSel, name: "connection" }).wrap,
      field({ label: "Ticket", help: "Either side's ticket number.", input: ticket, name: "ticket" }).wrap,
      field({ label: "Outcome", input: outcomeSel, name: "outcome" }).wrap,
      field({ label: "Period", input: periodSel, name: "period" }).wrap),
    h("div", { class: "actions" }, apply));
  const attention = h("section", { class: "card", "aria-labelledby": "attention-title", "aria-live": "polite" });
  const results = h("section", { class: "card", "aria-labelledby": "log-title", "aria-live": "polite" });
  add(root, filters, attention, results);

  let entries = [];
  let problems = [];
  // The attention list: each problem once, until it is fixed.
  const showAttention = async (ids) => {
    const got = await Promise.allSettled(ids.map((id) => api.attention(id)));
    const items = [];
    const unread = [];
    got.forEach((r, i) => {
      if (r.status === "fulfilled") items.push(...(r.value.attention || []));
      else unread.push(`${byId.get(ids[i]).contractName}: ${r.reason.message}`);
    });
    clear(attention).appendChild(h("h2", { id: "attention-title", text: "Needs attention" }));
    if (unread.length) attention.appendChild(notice("bad", "Part of the attention list could not be read", h("ul", {}, unread.map((p) => h("li", { text: p })))));
    if (!items.length) {
      attention.appendChild(h("p", { id: "attention-empty", text: "Nothing needs attention: every partner value is mapped, no status change was refused, and webhooks are arriving." }));
      return;
    }
    attention.appendChild(h("ul", { class: "attention" }, items.map((a) => {
      const c = byId.get(a.connectionId);
      return h("li", { class: `attention-${a.kind}` },
        h("p", {}, h("span", { class: "badge failed", text: kinds[a.kind] || a.kind }), " ", h("strong", { text: a.message })),
        a.hint ? h("p", { class: "reason", text: a.hint }) : null,
        h("p", { class: "muted", text: `${c ? c.contractName : a.connectionId} · for ${a.yours ? "you" : a.org} to fix · seen ${a.count} × · first ${when(a.firstSeen)}, last ${when(a.lastSeen)}${a.ticket ? ` · ticket ${a.ticket.split("#")[1] || a.ticket}` : ""}` }));
    })));
  };
  const fetchLog = async () => {
    const ids = connSel.value ? [connSel.value] : active.map((c) => c.id);
    await showAttention(ids);
    const got = await Promise.allSettled(ids.map((id) => api.log(id, ticket.value.trim())));
    entries = [];
    problems = [];
    got.forEach((r, i) => {
      if (r.status === "fulfilled") entries.push(...(r.value.entries || []));
      else problems.push(`${byId.get(ids[i]).contractName}: ${r.reason.message}`);
    });
    entries.sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : 0));
  };
  const show = () => {
    clear(results).appendChild(h("h2", { id: "log-title", text: "Sync log" }));
    if (problems.length) results.appendChild(notice("bad", "Part of the log could not be read", h("ul", {}, problems.map((p) => h("li", { text: p })))));
    const period = periods.find((p) => p.value === periodSel.value);
    const since = period && period.ms ? Date.now() - period.ms : 0;
    const shown = entries.filter((e) => (!outcomeSel.value || e.outcome === outcomeSel.value) && (!since || new Date(e.at).getTime() >= since));
    results.appendChild(h("p", { class: "muted", id: "log-count", text: `Showing ${shown.length} of ${entries.length} entries.` }));
    if (!shown.length) {
      results.appendChild(h("p", { text: entries.length ? "No entries match these filters." : "Nothing has synced on these connections yet. Changes appear here as soon as they are processed." }));
      return;
    }
    const rows = shown.map((e) => {
      const c = byId.get(e.connectionId);
      const [srcOrg, srcTicket] = String(e.ticket || "").split("#");
      return h("tr", { class: `log-${e.outcome}` },
        h("td", { "data-label": "When", text: when(e.at) }),
        h("td", { "data-label": "Connection", text: c ? c.contractName : e.connectionId }),
        h("td", { "data-label": "Outcome" }, h("span", { class: `badge ${e.outcome}`, text: e.outcome })),
        h("td", { "data-label": "What", text: e.what }),
        h("td", { "data-label": "Ticket", text: srcTicket ? `${srcTicket} (raised by ${srcOrg})` : e.ticket }),
        h("td", { "data-label": "Partner ticket", text: e.targetTicket || "—" }),
        h("td", { "data-label": "Written to", text: e.org === ctx.org ? "you" : e.org }),
        h("td", { "data-label": "Reason", class: e.reason ? "reason" : "", text: e.reason || (e.outcome === "applied" ? "" : "No reason recorded") }));
    });
    results.appendChild(h("div", { class: "table-wrap" }, h("table", { class: "stack", "aria-label": "Sync log entries" },
      h("thead", {}, h("tr", {}, ["When", "Connection", "Outcome", "What", "Ticket", "Partner ticket", "Written to", "Reason"].map((t) => h("th", { scope: "col", text: t })))),
      h("tbody", {}, rows))));
  };
  const reload = () => busy(apply, async () => {
    await fetchLog();
    if (current()) show();
  });
  filters.addEventListener("submit", (e) => { e.preventDefault(); reload(); });
  connSel.addEventListener("change", reload);
  outcomeSel.addEventListener("change", show);
  periodSel.addEventListener("change", show);
  await reload();
}
