// Integration configuration: one organisation's side of an active
// connection — how the partner's changes land in my platform (mapping
// tables filled from both platforms' live picklists, defaults), what I send
// (outbound), which of my tickets go to the partner (escalation, source
// only), the ConnectWise board and custom fields. A save is validated by
// the API against both platforms; each problem is shown on the row it names.
import { h, add, clear, field, notice, select, busy, announce, uid, sentence } from "./dom.js";
import { api, activeConnections } from "./api.js";

const kinds = ["statuses", "priorities", "categories", "ticketTypes", "queues", "actions", "customFields"];

const nouns = {
  statuses: "status", priorities: "priority", categories: "category", ticketTypes: "ticket type",
  queues: "queue", actions: "action", customFields: "custom field",
};

const standardFields = [
  { value: "summary", label: "Summary (text)", type: "text" },
  { value: "startDate", label: "Start date (date)", type: "date" },
  { value: "targetDate", label: "Target date (date)", type: "date" },
];

// Section titles for problem summaries ("Status mappings, row 2").
const titles = {
  statusMappings: "Status mappings", priorityMappings: "Priority mappings", categoryMappings: "Category mappings",
  ticketTypeMappings: "Ticket type mappings", fieldMappings: "Field mappings", actionMappings: "Action mappings",
  customFields: "Custom fields", defaultStatus: "Default status", useTicketTypeDefaultStatus: "Default status",
  defaultTicketType: "Default ticket type", defaultAction: "Default action", board: "ConnectWise service board",
  account: "Account", outbound: "Outbound", escalation: "Escalation rule", timeEntries: "Time entries",
};

// Time entries cross from a partner that logs time to a source side whose
// platform records it (the API's rule, pkg/integration/validate_time.go).
const timeSenders = new Set(["autotask", "connectwise", "halo"]);
const timeReceivers = new Set(["autotask", "connectwise"]);

export async function render(root, ctx, params, current) {
  const id = params[0];
  root.appendChild(h("h1", { text: "Integration configuration" }));
  const active = await activeConnections(root);
  if (!active || !current()) return;
  if (!id) {
    chooseConnection(root, active);
    return;
  }
  const conn = active.find((c) => c.id === id);
  let cfg;
  try {
    cfg = await api.config(id);
  } catch (e) {
    root.appendChild(notice("bad", "This configuration could not be opened", e.message));
    if (active.length) chooseConnection(root, active);
    return;
  }
  if (!current()) return;
  if (!conn) {
    root.appendChild(notice("bad", "This connection is not active", "Only an active connection can be configured."));
    return;
  }
  const loading = h("p", { class: "muted", text: "Reading the picklists of both platforms…" });
  root.appendChild(loading);
  const lists = await loadLists(id);
  if (!current()) return;
  loading.remove();
  new Editor(root, ctx, conn, cfg, lists).draw();
}

function chooseConnection(root, active) {
  root.appendChild(h("p", { class: "lead", text: "Each organisation configures its own side of an active connection: how the partner's changes land in its platform, what it sends, and — on the source side — which tickets go to the partner." }));
  if (!active.length) {
    root.appendChild(notice("info", "No active connection yet", "Create or accept a connection under Connections first.",
      h("p", {}, h("a", { href: "#/connections" }, "Go to connections"))));
    return;
  }
  root.appendChild(h("section", { class: "card", "aria-labelledby": "choose-title" },
    h("h2", { id: "choose-title", text: "Choose a connection" }),
    h("ul", {}, active.map((c) => h("li", {},
      h("a", { href: `#/config/${encodeURIComponent(c.id)}` }, `${c.contractName} — with ${c.partnerName || c.partnerOrgId} (you are the ${c.role})`))))));
}

// loadLists reads every picklist of my platform and the partner's. A list
// that cannot be read is reported, not fatal: the rest of the page works.
async function loadLists(id) {
  const jobs = [];
  for (const side of ["mine", "partner"]) {
    for (const kind of kinds) jobs.push({ side, kind, p: api.options(id, kind, side) });
  }
  const results = await Promise.allSettled(jobs.map((j) => j.p));
  const out = { mine: {}, partner: {}, platform: {}, problems: { mine: null, partner: null } };
  const settle = (r, side, kind) => {
    if (r.status === "fulfilled") {
      out[side][kind] = r.value.options || [];
      out.platform[side] = r.value.platform;
    } else {
      out[side][kind] = null;
      if (!out.problems[side]) out.problems[side] = r.reason.message;
    }
  };
  results.forEach((r, i) => settle(r, jobs[i].side, jobs[i].kind));
  // Only Autotask and ConnectWise have work types; asking another platform
  // for them is refused.
  const timed = ["mine", "partner"].filter((side) => timeReceivers.has(out.platform[side]));
  const works = await Promise.allSettled(timed.map((side) => api.options(id, "workTypes", side)));
  works.forEach((r, i) => settle(r, timed[i], "workTypes"));
  return out;
}

// The settings this page edits. Every other key of the configuration goes back as it was read, so saving here never
// drops a setting the page has no editor for, one the API gains later included.
const EDITED = new Set(["version", "statusMappings", "priorityMappings", "categoryMappings", "ticketTypeMappings",
  "fieldMappings", "actionMappings", "customFields", "defaultStatus", "useTicketTypeDefaultStatus", "defaultTicketType",
  "account", "board", "defaultAction", "outbound", "escalation", "timeEntries"]);

function clone(v) {
  return JSON.parse(JSON.stringify(v));
}

class Editor {
  constructor(root, ctx, conn, cfg, lists) {
    this.root = root;
    this.ctx = ctx;
    this.conn = conn;
    this.lists = lists;
    this.load(cfg);
  }

  load(cfg) {
    const m = clone(cfg);
    for (const k of ["statusMappings", "priorityMappings", "categoryMappings", "ticketTypeMappings", "fieldMappings", "actionMappings", "customFields"]) {
      m[k] = m[k] || [];
    }
    m.outbound = m.outbound || { attachments: false };
    m.outbound.actions = m.outbound.actions || [];
    m.escalation = m.escalation || {};
    for (const k of ["queues", "statuses", "ticketTypes"]) m.escalation[k] = m.escalation[k] || [];
    m.escalation.flag = m.escalation.flag || { field: "", value: "" };
    // A configuration that never had time entries is sent without them
    // until they are switched on.
    this.hadTime = Boolean(cfg.timeEntries);
    m.timeEntries = m.timeEntries || { enabled: false };
    m.timeEntries.memberMappings = m.timeEntries.memberMappings || [];
    m.timeEntries.workTypeMappings = m.timeEntries.workTypeMappings || [];
    this.model = m;
  }

  get target() { return this.conn.role === "target"; }

  platformName(side) {
    const kind = this.lists.platform[side];
    return kind ? this.ctx.platform(kind).name : (side === "mine" ? "your platform" : "the partner's platform");
  }

  // options turns a picklist into select options. My inactive values are
  // disabled: writing one fails on every platform.
  options(side, kind, filter) {
    const list = this.lists[side][kind] || [];
    return list.filter(filter || (() => true)).map((o) => {
      const marks = [];
      if (!o.active) marks.push("inactive");
      if (o.isClosed) marks.push("closes the ticket");
      if (o.isEmail) marks.push("sends e-mail");
      if (o.parent && kind === "statuses" && this.boardName(side, o.parent)) marks.push(`board ${this.boardName(side, o.parent)}`);
      return { value: o.id, label: `${o.name}${marks.length ? ` (${marks.join(", ")})` : ""}`, disabled: side === "mine" && !o.active };
    });
  }

  boardName(side, id) {
    const q = (this.lists[side].queues || []).find((b) => b.id === id);
    return q ? q.name : "";
  }

  draw() {
    const root = this.root;
    // Keep the h1; redraw the rest.
    while (root.children.length > 1) root.lastChild.remove();
    this.targets = new Map();
    this.tables = {};
    const c = this.conn;
    root.appendChild(h("p", { class: "lead" },
      `"${c.contractName}" with ${c.partnerName || c.partnerOrgId}. You are the `, h("strong", { text: c.role }),
      `. These settings are your side only: how ${this.platformName("partner")} changes from your partner land in ${this.platformName("mine")}, and what you send. Your partner configures their own side.`));
    this.status = h("div", { id: "config-status", "aria-live": "polite" });
    root.appendChild(this.status);
    for (const side of ["mine", "partner"]) {
      if (this.lists.problems[side]) {
        root.appendChild(notice("warn", side === "mine" ? "Some of your platform's lists could not be read" : "Your partner's lists could not be read",
          this.lists.problems[side], h("p", { class: "help", text: "Dropdowns for those values show only what is saved; reload the page once this is fixed." })));
      }
    }
    const form = h("form", { novalidate: true, "aria-label": "Integration configuration" });
    this.form = form;
    const boardFilter = (o) => !this.model.board || !o.parent || o.parent === this.model.board;
    add(form, 
      this.mappingSection("statusMappings", "Status mappings", "statuses",
        "When the partner's ticket moves to a status, yours moves to the status mapped here. A partner status without a row leaves your status unchanged (logged as skipped).", { mineFilter: boardFilter }),
      this.defaultsSection(),
      this.mappingSection("priorityMappings", "Priority mappings", "priorities", "Partner priority → your priority. The same value of yours may be used more than once; not every value has to be used."),
      this.mappingSection("categoryMappings", "Category mappings", "categories", "Partner category → your category."),
      this.target ? this.mappingSection("ticketTypeMappings", "Ticket type mappings", "ticketTypes", "The type a ticket the partner sends you is created as. Only the target side receives new tickets, so only it has this table.") : null,
      this.fieldSection(),
      this.actionSection(),
      this.outboundSection(),
      this.target ? null : this.escalationSection(),
      this.timeSection(),
      this.boardSection(),
      this.customFieldSection(),
    );
    this.summary = h("div", { id: "config-problems" });
    const save = h("button", { type: "submit" }, "Save configuration");
    form.appendChild(h("div", { class: "sticky-save" }, this.summary,
      h("div", { class: "actions" }, save, h("span", { class: "muted", id: "config-version", text: this.model.version ? `Saved version ${this.model.version}` : "Not saved yet" }))));
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      busy(save, () => this.save());
    });
    root.appendChild(form);
  }

  section(key, title, help, ...body) {
    const hid = uid("sec");
    const s = h("section", { class: "card", "aria-labelledby": hid, dataset: { section: key } },
      h("h2", { id: hid, text: title }), help ? h("p", { class: "help", text: help }) : null, ...body);
    return s;
  }

  // mappingSection is one table of partner value → my value rows.
  mappingSection(key, title, kind, help, opts = {}) {
    const noun = nouns[kind];
    const pick = (side, r, i) => this.rowSelect(`${title}, row ${i + 1}: ${side === "partner" ? "partner" : "my"} ${noun}`,
      this.options(side, kind, opts[`${side}Filter`]), r[side], (v) => { r[side] = v; });
    return this.section(key, title, help, ...this.rowTable(key, title,
      [`Partner ${noun} (${this.platformName("partner")})`, `My ${noun} (${this.platformName("mine")})`], this.model[key],
      (r, i) => [[`Partner ${noun}`, pick("partner", r, i)], [`My ${noun}`, pick("mine", r, i)]],
      { add: `Add ${noun} mapping` }));
  }

  // rowTable is a table bound to rows, each row with a Remove button, and
  // an Add button under it that adds a row and moves the focus into it.
  // cells(r, i) gives a row's cells as [data-label, content]; the row's
  // error, where problems the API names land, follows the second cell.
  rowTable(key, title, heads, rows, cells, { add, empty = "No rows yet." }) {
    const body = h("tbody", {});
    const draw = () => {
      clear(body);
      rows.forEach((r, i) => {
        const err = h("span", { class: "field-error", hidden: true });
        const tr = h("tr", {},
          cells(r, i).map(([label, content], c) => h("td", { "data-label": label }, content, c === 1 ? err : null)),
          h("td", {}, h("button", { type: "button", class: "link", onclick: () => { rows.splice(i, 1); draw(); } }, `Remove row ${i + 1}`)));
        tr._err = err;
        body.appendChild(tr);
      });
      if (!rows.length) body.appendChild(h("tr", {}, h("td", { colspan: String(heads.length + 1), class: "muted", text: empty })));
    };
    draw();
    this.tables[key] = body;
    const more = h("button", { type: "button", class: "secondary" }, add);
    more.addEventListener("click", () => {
      rows.push({ partner: "", mine: "" });
      draw();
      const first = body.lastElementChild && body.lastElementChild.querySelector("select, input");
      if (first) first.focus();
    });
    return [
      h("div", { class: "table-wrap" }, h("table", { class: "stack mapping", "aria-label": title },
        h("thead", {}, h("tr", {}, heads.map((t) => h("th", { scope: "col", text: t })), h("th", { scope: "col" }, h("span", { class: "visually-hidden", text: "Row actions" })))),
        body)),
      h("div", { class: "actions" }, more),
    ];
  }

  rowSelect(label, options, value, set) {
    const id = uid("sel");
    const sel = select(options, { value: value || "", empty: "Choose…", id, missing: options.length ? "not on the platform now" : "list could not be read" });
    sel.addEventListener("change", () => set(sel.value));
    return h("span", {}, h("label", { for: id, class: "visually-hidden", text: label }), sel);
  }

  // field registers a labelled control under a problem path.
  field(path, label, help, input) {
    const f = field({ label, help, input, name: path });
    this.targets.set(path, { show: (m) => f.setError(m), focus: () => input.focus(), clear: () => f.setError("") });
    return f.wrap;
  }

  defaultsSection() {
    const m = this.model;
    const parts = [];
    if (this.target) {
      const st = select(this.options("mine", "statuses", (o) => !m.board || !o.parent || o.parent === m.board), { value: m.defaultStatus || "", empty: "Choose…" });
      st.addEventListener("change", () => { m.defaultStatus = st.value; });
      st.disabled = Boolean(m.useTicketTypeDefaultStatus);
      const use = h("input", { type: "checkbox", checked: m.useTicketTypeDefaultStatus });
      const useId = uid("chk");
      use.id = useId;
      use.addEventListener("change", () => {
        m.useTicketTypeDefaultStatus = use.checked;
        st.disabled = use.checked;
        if (use.checked) { m.defaultStatus = ""; st.value = ""; }
      });
      parts.push(this.field("defaultStatus", "Default status", "The status of tickets created on your side when the partner's status is not mapped.", st));
      parts.push(h("div", { class: "check", dataset: { field: "useTicketTypeDefaultStatus" } }, use,
        h("label", { for: useId, text: "Use the action or ticket type default status of my platform instead" })));
      this.targets.set("useTicketTypeDefaultStatus", { show: () => {}, focus: () => use.focus(), clear: () => {} });
      const tt = select(this.options("mine", "ticketTypes"), { value: m.defaultTicketType || "", empty: "Choose…" });
      tt.addEventListener("change", () => { m.defaultTicketType = tt.value; });
      parts.push(this.field("defaultTicketType", "Default ticket type", "The type of new tickets whose partner type is not mapped.", tt));
      const acct = h("input", { type: "text", value: m.account || "", autocomplete: "off" });
      acct.addEventListener("input", () => { m.account = acct.value.trim(); });
      parts.push(this.field("account", "Customer account (optional)", "The company new tickets are filed under on your platform (ConnectWise company id, Autotask company id). ConnectWise requires one.", acct));
    }
    const da = select(this.options("mine", "actions"), { value: m.defaultAction || "", empty: "Choose…" });
    da.addEventListener("change", () => { m.defaultAction = da.value; });
    parts.push(this.field("defaultAction", "Default action", "Receives every partner action or note without a mapping. Choose a generic action hidden from the user, such as an internal note; it must be allowed on the ticket's workflow.", da));
    return this.section("defaults", "Defaults", null, ...parts);
  }

  fieldSection() {
    const m = this.model;
    const custom = (side) => (this.lists[side].customFields || []).map((o) => ({ value: `custom:${o.id}`, label: `${o.name} (custom, ${o.type || "text"})` }));
    const mineDefs = () => m.customFields.filter((d) => d.name).map((d) => ({ value: `custom:${d.name}`, label: `${d.name} (defined below, ${d.type})` }));
    return this.section("fieldMappings", "Field mappings",
      "Partner field → your field. Only the summary, start date, target date and custom fields can be mapped, and only fields of the same type (a date to a date).",
      ...this.rowTable("fieldMappings", "Field mappings", ["Partner field", "My field"], m.fieldMappings, (r, i) => [
        ["Partner field", this.rowSelect(`Field mappings, row ${i + 1}: partner field`, [...standardFields, ...custom("partner")], r.partner, (v) => { r.partner = v; })],
        ["My field", this.rowSelect(`Field mappings, row ${i + 1}: my field`, [...standardFields, ...custom("mine"), ...mineDefs()], r.mine, (v) => { r.mine = v; })],
      ], { add: "Add field mapping", empty: "No rows yet. Map the summaries together to keep both tickets' summaries the same." }));
  }

  actionSection() {
    const vis = [{ value: "", label: "Keep the partner's" }, { value: "public", label: "Public (the end user sees it)" }, { value: "private", label: "Private (agents only)" }];
    const visibility = (r, i) => {
      const id = uid("vis");
      const vs = select(vis, { value: r.visibility || "", id });
      vs.addEventListener("change", () => { r.visibility = vs.value || undefined; });
      return h("span", {}, h("label", { for: id, class: "visually-hidden", text: `Action mappings, row ${i + 1}: visibility` }), vs);
    };
    return this.section("actionMappings", "Action mappings",
      "Which of your actions or note types a partner action becomes. Do not map two e-mail actions together: the mail would be sent from both sides and the sync times out — map an e-mail action to a note action instead. A public note stays public and a private one private unless the row says otherwise.",
      ...this.rowTable("actionMappings", "Action mappings", ["Partner action", "My action", "Visibility"], this.model.actionMappings, (r, i) => [
        ["Partner action", this.rowSelect(`Action mappings, row ${i + 1}: partner action`, this.options("partner", "actions"), r.partner, (v) => { r.partner = v; })],
        ["My action", this.rowSelect(`Action mappings, row ${i + 1}: my action`, this.options("mine", "actions"), r.mine, (v) => { r.mine = v; })],
        ["Visibility", visibility(r, i)],
      ], { add: "Add action mapping", empty: "No rows yet: every partner action lands as the default action." }));
  }

  // checks is a group of checkboxes over a picklist, bound to an array.
  checks(legend, help, options, chosen, path) {
    const box = h("div", { class: "checks" });
    const inputs = [];
    for (const o of options) {
      const id = uid("c");
      const cb = h("input", { type: "checkbox", id, value: o.value, checked: chosen.includes(o.value), disabled: o.disabled });
      cb.addEventListener("change", () => {
        const at = chosen.indexOf(o.value);
        if (cb.checked && at < 0) chosen.push(o.value);
        if (!cb.checked && at >= 0) chosen.splice(at, 1);
      });
      inputs.push(cb);
      box.appendChild(h("div", { class: "check" }, cb, h("label", { for: id, text: o.label })));
    }
    if (!options.length) box.appendChild(h("p", { class: "muted", text: "Your platform lists none." }));
    const err = h("span", { class: "field-error", hidden: true });
    this.targets.set(path, {
      show: (m) => { err.textContent = sentence(m); err.hidden = false; },
      focus: () => (inputs[0] ? inputs[0].focus() : null),
      clear: () => { err.hidden = true; err.textContent = ""; },
    });
    return h("fieldset", { dataset: { field: path } }, h("legend", { class: "label", text: legend }), help ? h("p", { class: "help", text: help }) : null, box, err);
  }

  outboundSection() {
    const o = this.model.outbound;
    const att = h("input", { type: "checkbox", checked: o.attachments });
    const attId = uid("chk");
    att.id = attId;
    att.addEventListener("change", () => { o.attachments = att.checked; });
    this.targets.set("outbound.attachments", { show: () => {}, focus: () => att.focus(), clear: () => {} });
    return this.section("outbound", "Outbound: what you send",
      "Like Halo's outbound settings: which of your actions are sent to the partner (\"Send to Connected Instance\"), and whether files on them go too. Files cross only on an action, never on their own.",
      this.checks("Actions sent to the partner", "Do not also map a received action onto one of these: it would travel straight back.", this.options("mine", "actions"), o.actions, "outbound.actions"),
      h("div", { class: "check" }, att, h("label", { for: attId, text: "Send my attachments with the actions I send" })));
  }

  escalationSection() {
    const e = this.model.escalation;
    const flagField = select([...(this.lists.mine.customFields || []).map((o) => ({ value: o.id, label: o.name })),
      ...this.model.customFields.filter((d) => d.name).map((d) => ({ value: d.name, label: `${d.name} (defined below)` }))],
    { value: e.flag.field || "", empty: "No flag" });
    flagField.addEventListener("change", () => { e.flag.field = flagField.value; });
    const flagValue = h("input", { type: "text", value: e.flag.value || "", autocomplete: "off" });
    flagValue.addEventListener("input", () => { e.flag.value = flagValue.value; });
    this.targets.set("escalation", { show: () => {}, focus: () => this.form.querySelector("[data-section='escalation'] input")?.focus(), clear: () => {} });
    return this.section("escalation", "Escalation rule: which of your tickets go to the partner",
      "Only the source side sends tickets. A ticket goes to the partner when it matches every criterion you set; a rule with no criterion sends nothing.",
      this.checks(`${this.queueNoun()}s`, `Tickets in any of these ${this.queueNoun()}s.`, this.options("mine", "queues"), e.queues, "escalation.queues"),
      this.checks("Statuses", "Tickets in any of these statuses.", this.options("mine", "statuses"), e.statuses, "escalation.statuses"),
      this.checks("Ticket types", "Tickets of any of these types.", this.options("mine", "ticketTypes"), e.ticketTypes, "escalation.ticketTypes"),
      h("div", { class: "two-col" },
        this.field("escalation.flag.field", "Flag field", "Optionally, a custom field that must hold the value below.", flagField),
        this.field("escalation.flag.value", "Flag value", "Compared without regard to case (True and true match).", flagValue)));
  }

  queueNoun() {
    const k = this.lists.platform.mine;
    if (k === "connectwise") return "Service board";
    if (k === "halo") return "Team";
    return "Queue";
  }

  // timeSection edits how time the partner logs lands on my tickets: source
  // side only, between platforms that log and record time.
  timeSection() {
    const mine = this.lists.platform.mine;
    const partner = this.lists.platform.partner;
    if (this.target || !timeReceivers.has(mine) || !timeSenders.has(partner)) return null;
    const t = this.model.timeEntries;
    const autotask = mine === "autotask";
    const who = autotask ? "resource" : "member";
    const on = h("input", { type: "checkbox", checked: t.enabled });
    on.id = uid("chk");
    on.addEventListener("change", () => { t.enabled = on.checked; });
    this.targets.set("timeEntries.enabled", { show: (msg) => this.timeErr(msg), focus: () => on.focus(), clear: () => this.timeErr("") });
    const member = h("input", { type: "text", value: t.defaultMember || "", autocomplete: "off" });
    member.addEventListener("input", () => { t.defaultMember = member.value.trim(); });
    const work = select(this.options("mine", "workTypes"), { value: t.defaultWorkType || "", empty: autotask ? "Choose a billing code…" : "No default" });
    work.addEventListener("change", () => { t.defaultWorkType = work.value; });
    const role = autotask ? h("input", { type: "text", value: t.role || "", autocomplete: "off" }) : null;
    if (role) role.addEventListener("input", () => { t.role = role.value.trim(); });
    this.timeError = h("span", { class: "field-error", hidden: true });
    const partnerWorks = Boolean(this.lists.partner.workTypes);
    return this.section("timeEntries", "Time entries: the partner's time on my tickets",
      `Time your partner logs on their ticket (start and end or duration, and its note) becomes a time entry on your ticket in ${this.platformName("mine")}, once, however often it is delivered. It is credited to the ${who} mapped to its author, or to the default ${who}.`,
      h("div", { class: "check", dataset: { field: "timeEntries.enabled" } }, on, h("label", { for: on.id, text: "Bring the partner's time onto my tickets" })), this.timeError,
      h("div", { class: "two-col" },
        this.field("timeEntries.defaultMember", `Default ${who} id`, `Your ${who} credited with time whose author has no row below; the author's name then heads the entry's note.`, member),
        this.field("timeEntries.defaultWorkType", autotask ? "Default billing code" : "Default work type (optional)", autotask ? "Autotask bills every ticket time entry at a work-type billing code." : "The work type of time whose work type has no row below.", work)),
      role ? this.field("timeEntries.role", "Role id (optional)", "The Autotask role the time is worked in.", role) : null,
      this.pairTable("timeEntries.memberMappings", "Time entry authors", t.memberMappings,
        [`Partner worker (${this.platformName("partner")} id or e-mail address)`, `My ${who} id`], null),
      partnerWorks ? this.pairTable("timeEntries.workTypeMappings", "Time entry work types", t.workTypeMappings,
        [`Partner work type (${this.platformName("partner")})`, `My work type (${this.platformName("mine")})`],
        { partner: this.options("partner", "workTypes"), mine: this.options("mine", "workTypes") }) : null);
  }

  timeErr(msg) {
    this.timeError.textContent = msg ? sentence(msg) : "";
    this.timeError.hidden = !msg;
  }

  // pairTable is a table of partner → mine rows, bound to rows; with lists
  // its cells are picklists, without them text.
  pairTable(key, title, rows, heads, lists) {
    const cell = (label, side, r) => {
      if (lists) return this.rowSelect(label, lists[side], r[side], (v) => { r[side] = v; });
      const id = uid("txt");
      const input = h("input", { type: "text", id, value: r[side] || "", autocomplete: "off" });
      input.addEventListener("input", () => { r[side] = input.value.trim(); });
      return h("span", {}, h("label", { for: id, class: "visually-hidden", text: label }), input);
    };
    return h("div", {}, h("h3", { text: title }),
      ...this.rowTable(key, title, heads, rows, (r, i) => [
        [heads[0], cell(`${title}, row ${i + 1}: partner`, "partner", r)],
        [heads[1], cell(`${title}, row ${i + 1}: mine`, "mine", r)],
      ], { add: `Add a row to ${title.toLowerCase()}` }));
  }

  boardSection() {
    if (!(this.target && this.lists.platform.mine === "connectwise")) return null;
    const m = this.model;
    const b = select(this.options("mine", "queues"), { value: m.board || "", empty: "Choose a service board" });
    b.addEventListener("change", () => { m.board = b.value; this.draw(); });
    return this.section("board", "ConnectWise service board",
      "The board tickets created on your side are assigned to. The integration's API member needs access to it, and the board needs a default team and statuses. Your status choices above are the statuses of this board.",
      this.field("board", "Service board", null, b));
  }

  customFieldSection() {
    const rows = this.model.customFields;
    const body = h("tbody", {});
    const types = ["text", "number", "date", "boolean", "picklist"].map((t) => ({ value: t, label: t }));
    const draw = () => {
      clear(body);
      rows.forEach((d, i) => {
        const nid = uid("cf");
        const tid = uid("cf");
        const vid = uid("cf");
        const name = h("input", { type: "text", id: nid, value: d.name || "", autocomplete: "off" });
        name.addEventListener("input", () => { d.name = name.value.trim(); });
        const type = select(types, { value: d.type || "text", id: tid });
        if (!d.type) d.type = "text";
        const values = h("input", { type: "text", id: vid, value: (d.values || []).join(", "), autocomplete: "off", disabled: d.type !== "picklist" });
        type.addEventListener("change", () => { d.type = type.value; values.disabled = d.type !== "picklist"; if (values.disabled) { values.value = ""; d.values = []; } });
        values.addEventListener("input", () => { d.values = values.value.split(",").map((s) => s.trim()).filter(Boolean); });
        const err = h("span", { class: "field-error", hidden: true });
        const tr = h("tr", {},
          h("td", { "data-label": "Name" }, h("label", { for: nid, class: "visually-hidden", text: `Custom field ${i + 1}: name` }), name, err),
          h("td", { "data-label": "Type" }, h("label", { for: tid, class: "visually-hidden", text: `Custom field ${i + 1}: type` }), type),
          h("td", { "data-label": "Picklist values" }, h("label", { for: vid, class: "visually-hidden", text: `Custom field ${i + 1}: picklist values, separated by commas` }), values),
          h("td", {}, h("button", { type: "button", class: "link", onclick: () => { rows.splice(i, 1); draw(); } }, `Remove field ${i + 1}`)));
        tr._err = err;
        body.appendChild(tr);
      });
      if (!rows.length) body.appendChild(h("tr", {}, h("td", { colspan: "4", class: "muted", text: "No custom fields defined here. Fields your platform reports are already available in field mappings." })));
    };
    draw();
    this.tables.customFields = body;
    const add = h("button", { type: "button", class: "secondary", onclick: () => { rows.push({ name: "", type: "text" }); draw(); } }, "Add custom field");
    return this.section("customFields", "Custom fields",
      "Extra fields of your platform that field mappings and the escalation flag may use, in addition to those your platform reports. Picklist fields list their values, separated by commas.",
      h("div", { class: "table-wrap" }, h("table", { class: "stack", "aria-label": "Custom fields" },
        h("thead", {}, h("tr", {}, ["Name", "Type", "Picklist values"].map((t) => h("th", { scope: "col", text: t })), h("th", { scope: "col" }, h("span", { class: "visually-hidden", text: "Row actions" })))),
        body)),
      h("div", { class: "actions" }, add));
  }

  // payload is what PUT sends; rows left entirely empty are dropped, and
  // each sent row's JSON path is bound to its table row so a problem the
  // API names lands on it.
  payload() {
    const m = this.model;
    const out = { version: m.version || 0 };
    const rowsOf = (key, keep, all = m[key]) => {
      const body = this.tables[key];
      const trs = body ? Array.from(body.querySelectorAll("tr")).filter((tr) => tr._err) : [];
      const sent = [];
      all.forEach((r, i) => {
        if (!keep(r)) return;
        const path = `${key}[${sent.length}]`;
        const tr = trs[i];
        if (tr) {
          this.targets.set(path, {
            show: (msg) => { tr.classList.add("row-error"); tr._err.textContent = sentence(msg); tr._err.hidden = false; },
            focus: () => tr.querySelector("select, input")?.focus(),
            clear: () => { tr.classList.remove("row-error"); tr._err.hidden = true; tr._err.textContent = ""; },
          });
        }
        sent.push(r);
      });
      return sent;
    };
    const pair = (r) => r.partner || r.mine;
    out.statusMappings = rowsOf("statusMappings", pair).map(({ partner, mine }) => ({ partner, mine }));
    out.priorityMappings = rowsOf("priorityMappings", pair).map(({ partner, mine }) => ({ partner, mine }));
    out.categoryMappings = rowsOf("categoryMappings", pair).map(({ partner, mine }) => ({ partner, mine }));
    if (this.target) out.ticketTypeMappings = rowsOf("ticketTypeMappings", pair).map(({ partner, mine }) => ({ partner, mine }));
    out.fieldMappings = rowsOf("fieldMappings", pair).map(({ partner, mine }) => ({ partner, mine }));
    out.actionMappings = rowsOf("actionMappings", pair).map(({ partner, mine, visibility }) => (visibility ? { partner, mine, visibility } : { partner, mine }));
    out.customFields = rowsOf("customFields", (d) => d.name || (d.values && d.values.length)).map((d) => (d.type === "picklist" ? { name: d.name, type: d.type, values: d.values || [] } : { name: d.name, type: d.type }));
    if (this.target) {
      if (m.defaultStatus) out.defaultStatus = m.defaultStatus;
      if (m.useTicketTypeDefaultStatus) out.useTicketTypeDefaultStatus = true;
      if (m.defaultTicketType) out.defaultTicketType = m.defaultTicketType;
      if (m.account) out.account = m.account;
      if (m.board) out.board = m.board;
    }
    if (m.defaultAction) out.defaultAction = m.defaultAction;
    out.outbound = { attachments: Boolean(m.outbound.attachments), actions: m.outbound.actions.slice() };
    if (!this.target) {
      const e = m.escalation;
      const rule = {};
      if (e.queues.length) rule.queues = e.queues.slice();
      if (e.statuses.length) rule.statuses = e.statuses.slice();
      if (e.ticketTypes.length) rule.ticketTypes = e.ticketTypes.slice();
      if (e.flag.field || e.flag.value) rule.flag = { field: e.flag.field, value: e.flag.value };
      out.escalation = rule;
    }
    const t = m.timeEntries;
    const timeSet = t.defaultMember || t.defaultWorkType || t.role || t.memberMappings.some(pair) || t.workTypeMappings.some(pair);
    if (t.enabled || this.hadTime || timeSet) {
      const te = { enabled: Boolean(t.enabled) };
      for (const k of ["defaultMember", "defaultWorkType", "role"]) if (t[k]) te[k] = t[k];
      for (const k of ["memberMappings", "workTypeMappings"]) {
        const sent = rowsOf(`timeEntries.${k}`, pair, t[k]).map(({ partner, mine }) => ({ partner, mine }));
        if (sent.length) te[k] = sent;
      }
      out.timeEntries = te;
    }
    for (const k of Object.keys(m)) {
      if (!EDITED.has(k) && m[k] !== undefined) out[k] = clone(m[k]);
    }
    for (const k of Object.keys(out)) {
      if (Array.isArray(out[k]) && !out[k].length) delete out[k];
    }
    return out;
  }

  clearProblems() {
    for (const t of this.targets.values()) t.clear();
    clear(this.summary);
    clear(this.status);
  }

  // target finds where a problem path is shown: the row or field itself, or
  // the nearest enclosing one (outbound.actions[2] → outbound.actions).
  targetFor(path) {
    let p = path;
    while (p) {
      if (this.targets.has(p)) return this.targets.get(p);
      const cut = Math.max(p.lastIndexOf("."), p.lastIndexOf("["));
      p = cut > 0 ? p.slice(0, cut) : "";
    }
    return null;
  }

  async save() {
    const body = this.payload();
    this.clearProblems();
    try {
      const saved = await api.saveConfig(this.conn.id, body);
      this.load(saved);
      this.draw();
      this.status.appendChild(notice("ok", `Configuration saved (version ${saved.version})`,
        `Changes from your partner now land in ${this.platformName("mine")} by these rules.`));
      announce(`Configuration saved, version ${saved.version}`);
      this.status.scrollIntoView({ block: "nearest" });
    } catch (e) {
      if (e.code === "version_conflict") {
        const reload = h("button", { type: "button" }, "Reload the saved configuration");
        reload.addEventListener("click", () => busy(reload, async () => {
          try {
            const fresh = await api.config(this.conn.id);
            this.load(fresh);
            this.draw();
            this.status.appendChild(notice("info", `Reloaded version ${fresh.version}`, "Re-apply your changes, then save again."));
          } catch (err) {
            this.status.appendChild(notice("bad", "The configuration could not be reloaded", err.message));
          }
        }));
        this.summary.appendChild(notice("warn", "Someone else saved this configuration first",
          e.message,
          h("p", { text: "Your changes on this page are not saved. Reloading shows what was saved; it discards the changes here." }),
          h("div", { class: "actions" }, reload)));
        reload.focus();
        return;
      }
      if (e.code === "invalid_configuration" && e.problems.length) {
        const items = [];
        let first = null;
        for (const pr of e.problems) {
          const t = pr.path ? this.targetFor(pr.path) : null;
          if (t) {
            t.show(pr.message);
            first = first || t;
          }
          items.push(h("li", { text: `${describe(pr.path)}: ${pr.message}` }));
        }
        this.summary.appendChild(notice("bad", `The configuration was not saved: ${e.problems.length === 1 ? "1 problem" : `${e.problems.length} problems`}`,
          h("ul", {}, items), h("p", { class: "help", text: "Each problem is also marked on its row or field." })));
        if (first) first.focus();
        return;
      }
      this.summary.appendChild(notice("bad", "The configuration was not saved", e.message));
    }
  }
}

// describe names a JSON path for people: statusMappings[1] → "Status
// mappings, row 2".
function describe(path) {
  if (!path) return "Configuration";
  const m = path.match(/^([A-Za-z]+)(?:\[(\d+)\])?(.*)$/);
  if (!m) return path;
  const title = titles[m[1]] || m[1];
  if (m[2] !== undefined) return `${title}, row ${Number(m[2]) + 1}${m[3] ? ` (${m[3].replace(/^\./, "")})` : ""}`;
  return m[3] ? `${title} (${m[3].replace(/^\./, "")})` : title;
}
