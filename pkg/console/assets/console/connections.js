// Connections: create one (Source or Target, contract name) and share its
// verification code, accept a partner's code, and manage the pending and
// active lists.
import { h, add, clear, field, notice, confirmDialog, copyButton, when, busy, announce, uid } from "./dom.js";
import { api } from "./api.js";

const roles = {
  source: {
    label: "Source",
    help: "My organisation is where tickets originate — typically a customer. It chooses which of its tickets go to the partner.",
  },
  target: {
    label: "Target",
    help: "My organisation receives tickets — typically a provider, such as the MSP supporting the customer.",
  },
};

export async function render(root, ctx, _params, current) {
  add(root, 
    h("h1", { text: "Connections" }),
    h("p", { class: "lead", text: "A connection links your organisation to a partner organisation you sync tickets with. One side creates the connection and shares its verification code; the other accepts it, and the relationship becomes active." }),
  );
  const addCard = h("section", { class: "card", "aria-labelledby": "add-title" });
  const pendingCard = h("section", { class: "card", "aria-labelledby": "pending-title" });
  const activeCard = h("section", { class: "card", "aria-labelledby": "active-title" });
  add(root, addCard, pendingCard, activeCard);

  const refresh = async () => {
    let list;
    try {
      list = await api.connections();
    } catch (e) {
      clear(pendingCard).appendChild(notice("bad", "Your connections could not be loaded", e.message));
      clear(activeCard);
      return;
    }
    if (!current()) return;
    showPending(pendingCard, list.pending || [], refresh);
    showActive(activeCard, list.active || [], refresh);
  };
  showAdd(addCard, refresh);
  await refresh();
}

function roleBadge(role) {
  return h("span", { class: `badge ${role}`, text: roles[role] ? roles[role].label : role });
}

function showAdd(card, refresh) {
  card.appendChild(h("h2", { id: "add-title", text: "Add a connection" }));
  const methodName = uid("method");
  const method = (value, title, text, checked) => {
    const id = uid("m");
    return h("label", { class: "choice", for: id },
      h("input", { type: "radio", name: methodName, id, value, checked }),
      h("span", {}, h("strong", { text: title }), h("span", { class: "help", text })));
  };
  const methods = h("fieldset", {},
    h("legend", { class: "label", text: "Connection method" }),
    h("div", { class: "choices" },
      method("create", "Create a connection", "Set your organisation's role and a contract name; Tandem gives you a verification code to share with the partner. The code expires after seven days.", true),
      method("accept", "Accept a connection", "Enter the verification code the other organisation shared with you.", false)));
  const body = h("div", {});
  add(card, methods, body);
  const draw = () => {
    const m = methods.querySelector("input:checked").value;
    clear(body).appendChild(m === "create" ? createForm(refresh) : acceptForm(refresh));
  };
  methods.addEventListener("change", draw);
  draw();
}

function createForm(refresh) {
  const roleName = uid("role");
  const roleChoice = (value, checked) => {
    const id = uid("r");
    return h("label", { class: "choice", for: id },
      h("input", { type: "radio", name: roleName, id, value, checked }),
      h("span", {}, h("strong", { text: roles[value].label }), h("span", { class: "help", text: roles[value].help })));
  };
  const roleSet = h("fieldset", {},
    h("legend", { class: "label", text: "My organisation is the" }),
    h("p", { class: "help", text: "The source organisation is where ticket data originates. Your role sets how fields and direction behave later." }),
    h("div", { class: "choices" }, roleChoice("source", true), roleChoice("target", false)));
  const name = h("input", { type: "text", name: "contractName", autocomplete: "off", maxlength: "200" });
  const nf = field({ label: "Contract name", help: "How both organisations will recognise this relationship, e.g. \"Acme managed service\".", input: name, name: "contractName" });
  const out = h("div", { "aria-live": "polite" });
  const submit = h("button", { type: "submit" }, "Create connection");
  const form = h("form", { novalidate: true, "aria-label": "Create a connection" }, roleSet, nf.wrap, h("div", { class: "actions" }, submit), out);
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    nf.setError("");
    clear(out);
    if (!name.value.trim()) {
      nf.setError("Enter a contract name.");
      name.focus();
      return;
    }
    const role = roleSet.querySelector("input:checked").value;
    busy(submit, async () => {
      try {
        const created = await api.createConnection(role, name.value.trim());
        name.value = "";
        out.appendChild(codePanel(created, "Connection created"));
        announce("Connection created. Share the verification code with your partner.");
        out.querySelector("button").focus();
        await refresh();
      } catch (err) {
        out.appendChild(notice("bad", "The connection was not created", err.message));
      }
    });
  });
  return form;
}

// codePanel shows a new verification code once, with copy and expiry.
function codePanel(created, title) {
  const codeEl = h("span", { class: "code mono", id: "verification-code", text: created.verificationCode });
  return notice("ok", title,
    h("p", { text: `Share this verification code with your partner for "${created.contractName}". It is shown only now, works once, and expires ${when(created.expiresAt)}.` }),
    h("div", { class: "code-box" }, codeEl, copyButton(created.verificationCode, "Copy code", codeEl)),
    h("p", { class: "help", text: "Your partner accepts it under Connections > Accept a connection. If it is lost or expires, make a new code from the pending list." }));
}

function acceptForm(refresh) {
  const code = h("input", { type: "text", name: "verificationCode", autocomplete: "off", spellcheck: "false", placeholder: "ABCD-EFGH-JKLM-NPQR" });
  const cf = field({ label: "Verification code", help: "The code the other organisation shared with you. Codes work once and expire seven days after they were made.", input: code, name: "verificationCode" });
  const out = h("div", { "aria-live": "polite" });
  const submit = h("button", { type: "submit" }, "Accept connection");
  const form = h("form", { novalidate: true, "aria-label": "Accept a connection" }, cf.wrap, h("div", { class: "actions" }, submit), out);
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    cf.setError("");
    clear(out);
    if (!code.value.trim()) {
      cf.setError("Paste the verification code your partner shared.");
      code.focus();
      return;
    }
    busy(submit, async () => {
      try {
        const v = await api.acceptConnection(code.value.trim());
        code.value = "";
        out.appendChild(notice("ok", "Connection active",
          `You are now connected with ${v.partnerName || v.partnerOrgId} for "${v.contractName}". Your organisation is the ${roles[v.role] ? roles[v.role].label.toLowerCase() : v.role}.`,
          h("p", {}, h("a", { href: `#/config/${encodeURIComponent(v.id)}` }, "Set up its integration configuration"))));
        announce("Connection accepted");
        await refresh();
      } catch (err) {
        cf.setError(err.message);
        code.focus();
      }
    });
  });
  return form;
}

function showPending(card, pending, refresh) {
  clear(card).appendChild(h("h2", { id: "pending-title", text: "Pending connections" }));
  if (!pending.length) {
    card.appendChild(h("p", { class: "muted", text: "No pending connections. A connection you create waits here until your partner accepts its code." }));
    return;
  }
  const out = h("div", { "aria-live": "polite" });
  const rows = pending.map((c) => {
    const newCode = h("button", { type: "button", class: "secondary" }, "New code");
    newCode.addEventListener("click", async () => {
      const ok = await confirmDialog({ title: "Make a new code?", body: `The current code for "${c.contractName}" stops working at once. Share the new one with your partner.`, confirm: "Make a new code", danger: false });
      if (!ok) return;
      try {
        const created = await api.newCode(c.id);
        clear(out).appendChild(codePanel(created, "New verification code"));
        out.querySelector("button").focus();
      } catch (e) {
        clear(out).appendChild(notice("bad", "No new code was made", e.message));
      }
    });
    const cancel = h("button", { type: "button", class: "danger" }, "Cancel");
    cancel.addEventListener("click", async () => {
      const ok = await confirmDialog({ title: "Cancel this connection?", body: `"${c.contractName}" is withdrawn and its code stops working.`, confirm: "Cancel connection" });
      if (!ok) return;
      try {
        await api.endConnection(c.id);
        announce("Connection cancelled");
        await refresh();
      } catch (e) {
        clear(out).appendChild(notice("bad", "The connection was not cancelled", e.message));
      }
    });
    return h("tr", { dataset: { connection: c.id } },
      h("td", { "data-label": "Contract", text: c.contractName }),
      h("td", { "data-label": "My role" }, roleBadge(c.role)),
      h("td", { "data-label": "Created", text: when(c.createdAt) }),
      h("td", { "data-label": "Code expires", text: c.expiresAt ? when(c.expiresAt) : "—" }),
      h("td", { "data-label": "Actions" }, h("div", { class: "actions" }, newCode, cancel)));
  });
  add(card, table(["Contract", "My role", "Created", "Code expires", "Actions"], rows, "Pending connections"), out);
}

function showActive(card, active, refresh) {
  clear(card).appendChild(h("h2", { id: "active-title", text: "Active connections" }));
  if (!active.length) {
    card.appendChild(h("p", { class: "muted", text: "No active connections yet." }));
    return;
  }
  const out = h("div", { "aria-live": "polite" });
  const rows = active.map((c) => {
    const end = h("button", { type: "button", class: "danger" }, "Disconnect");
    end.addEventListener("click", async () => {
      const ok = await confirmDialog({
        title: "Disconnect from this partner?",
        body: `Tickets stop syncing with ${c.partnerName || c.partnerOrgId} for "${c.contractName}". Both organisations see the connection end; a new connection needs a new code.`,
        confirm: "Disconnect",
      });
      if (!ok) return;
      try {
        await api.endConnection(c.id);
        announce("Disconnected");
        await refresh();
      } catch (e) {
        clear(out).appendChild(notice("bad", "The connection was not ended", e.message));
      }
    });
    return h("tr", { dataset: { connection: c.id } },
      h("td", { "data-label": "Contract", text: c.contractName }),
      h("td", { "data-label": "Partner", text: c.partnerName || c.partnerOrgId }),
      h("td", { "data-label": "My role" }, roleBadge(c.role)),
      h("td", { "data-label": "Active since", text: when(c.acceptedAt || c.createdAt) }),
      h("td", { "data-label": "Actions" }, h("div", { class: "actions" },
        h("a", { class: "button secondary", href: `#/config/${encodeURIComponent(c.id)}` }, "Configure"),
        h("a", { class: "button secondary", href: `#/history/${encodeURIComponent(c.id)}` }, "History"),
        end)));
  });
  add(card, table(["Contract", "Partner", "My role", "Active since", "Actions"], rows, "Active connections"), out);
}

function table(headers, rows, label) {
  return h("div", { class: "table-wrap" },
    h("table", { class: "stack", "aria-label": label },
      h("thead", {}, h("tr", {}, headers.map((t) => h("th", { scope: "col", text: t })))),
      h("tbody", {}, rows)));
}
