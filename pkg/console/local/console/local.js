// Local sign-in, for make dev only. The local runner's API accepts the dev
// bearer "Authorization: Bearer dev:<organisation>" in place of a Cognito
// token; no deployed API does, and this module is served only by the local
// runner (it is not part of the assets the stack uploads).
//
// The organisation id is kept in sessionStorage: it is not a secret (anyone
// on the machine can type any id), it keeps a reload signed in, and it is
// per tab, so two tabs can be two organisations side by side.
import { h, add, field, notice } from "/console/dom.js";

const key = "tandem.devOrg";
const valid = /^[A-Za-z0-9_-]{1,64}$/;

export function session(ctx, route) {
  const s = {
    expired: false,
    signedIn: () => Boolean(sessionStorage.getItem(key)) && !s.expired,
    token: () => {
      const org = sessionStorage.getItem(key);
      return org ? `dev:${org}` : null;
    },
    identity: () => {
      const org = sessionStorage.getItem(key) || "";
      return { org, name: org };
    },
    signOut: () => {
      sessionStorage.removeItem(key);
      window.location.hash = "#/settings";
      route();
    },
    signInPage: (root) => {
      const signIn = (org) => {
        sessionStorage.setItem(key, org);
        s.expired = false;
        if (!window.location.hash || window.location.hash === "#/") window.location.hash = "#/settings";
        route();
      };
      const listId = "known-orgs";
      const input = h("input", { type: "text", name: "organisation", list: listId, autocomplete: "off", spellcheck: "false", required: true });
      const f = field({
        label: "Organisation",
        help: "Pick a demo organisation or type any organisation id (letters, digits, - and _). Each id is a separate organisation with its own settings and connections.",
        input,
        name: "organisation",
      });
      const known = ctx.config.organisations || [];
      const form = h("form", { novalidate: true, "aria-labelledby": "signin-title" },
        f.wrap,
        h("datalist", { id: listId }, known.map((o) => h("option", { value: o }))),
        h("div", { class: "actions" }, h("button", { type: "submit" }, "Sign in")),
      );
      form.addEventListener("submit", (e) => {
        e.preventDefault();
        const org = input.value.trim();
        if (!valid.test(org)) {
          f.setError("Enter an organisation id of 1 to 64 letters, digits, - or _.");
          input.focus();
          return;
        }
        signIn(org);
      });
      add(root, 
        h("h1", { id: "signin-title", text: "Sign in (local mode)" }),
        s.expired ? notice("warn", "The API did not accept the sign-in", "Sign in again.") : null,
        notice("info", "Local development only",
          "This sign-in exists only under make dev. It sends Authorization: Bearer dev:<organisation>, which only the local runner accepts. A deployed Tandem signs in with Cognito managed login."),
        h("div", { class: "card" }, form),
        known.length ? h("div", { class: "card" },
          h("h2", { text: "Demo organisations" }),
          h("p", { class: "muted", text: "make dev DEMO=1 connects these two: a customer on simulated Autotask and its MSP on simulated Halo." }),
          h("div", { class: "actions" }, known.map((o) => h("button", { type: "button", class: "secondary", onclick: () => signIn(o) }, `Sign in as ${o}`))),
        ) : null,
      );
      input.focus();
    },
  };
  return s;
}
