// The console's entry point: reads /console/config.json to learn how to
// sign in, then routes #/settings, #/connections, #/config/<id> and
// #/history to their pages. Hash routes need no server rewrites, so a
// static host serves the console as is.
import { h, add, clear, notice, announce } from "./dom.js";
import { useToken } from "./api.js";
import * as auth from "./auth.js";
import * as settingsPage from "./settings.js";
import * as connectionsPage from "./connections.js";
import * as configPage from "./config.js";
import * as historyPage from "./history.js";

const main = document.getElementById("main");
const nav = document.getElementById("nav");
const who = document.getElementById("who");
const whoOrg = document.getElementById("who-org");

const pages = {
  settings: { title: "Settings", page: settingsPage },
  connections: { title: "Connections", page: connectionsPage },
  config: { title: "Integration configuration", page: configPage },
  history: { title: "History", page: historyPage },
};

// ctx is what every page gets: the platform catalogue, the runtime config,
// who is signed in, and navigation.
const ctx = {
  config: null,
  platforms: [],
  org: "",
  orgName: "",
  navigate: (hash) => {
    if (window.location.hash === hash) route();
    else window.location.hash = hash;
  },
  platform: (kind) => ctx.platforms.find((p) => p.kind === kind) || { kind, name: kind, fields: [] },
};

let session = null;

async function boot() {
  try {
    const [cfg, cat] = await Promise.all([
      fetch("/console/config.json", { cache: "no-store" }).then((r) => r.json()),
      fetch("/console/platforms.json").then((r) => r.json()),
    ]);
    ctx.config = cfg;
    ctx.platforms = cat.platforms;
  } catch {
    clear(main).appendChild(notice("bad", "The console could not start", "Its configuration could not be loaded. Reload the page; if it persists, ask your operator."));
    return;
  }
  session = ctx.config.mode === "local" ? await localSession() : await cognitoSession();
  useToken(() => session.token(), () => {
    session.expired = true;
    route();
  });
  document.getElementById("sign-out").addEventListener("click", () => session.signOut());
  window.addEventListener("hashchange", route);
  route();
}

// localSession is make dev's sign-in: local.js is served only by the local
// runner, so a deployed console cannot load it.
async function localSession() {
  const local = await import("/console/local.js");
  return local.session(ctx, route);
}

async function cognitoSession() {
  auth.configure(ctx.config);
  let problem = "";
  try {
    await auth.completeSignIn();
  } catch (e) {
    problem = e.message;
  }
  const s = {
    expired: false,
    signedIn: () => Boolean(auth.idToken()) && !s.expired,
    token: () => auth.idToken(),
    identity: () => {
      const c = auth.claims(auth.idToken() || "");
      return { org: c["custom:org_id"] || "", name: c["custom:org_name"] || c["custom:org_id"] || c.email || "" };
    },
    signOut: () => auth.signOut(),
    refresh: () => auth.refreshIfDue().catch(() => { s.expired = true; }),
    signInPage: (root) => {
      const go = h("button", { type: "button" }, "Sign in");
      go.addEventListener("click", async () => {
        try {
          await auth.signIn();
        } catch (e) {
          root.appendChild(notice("bad", "Sign-in is not available", e.message));
        }
      });
      add(root, 
        h("h1", { text: "Sign in to Tandem" }),
        problem ? notice("bad", "Sign-in did not complete", problem) : null,
        s.expired ? notice("warn", "Your sign-in has ended", "Sign in again to continue; nothing you saved is lost.") : null,
        h("p", { class: "lead", text: "You sign in on your organisation's Tandem sign-in page. Changing or resetting your password and setting up your authenticator app (MFA is required) all happen there." }),
        h("div", { class: "actions" }, go),
      );
      problem = "";
    },
  };
  return s;
}

function currentRoute() {
  const raw = window.location.hash.replace(/^#\/?/, "");
  const [name, ...rest] = raw.split("/");
  return { name: pages[name] ? name : "settings", params: rest.map(decodeURIComponent) };
}

let seq = 0;

async function route() {
  seq += 1;
  const mine = seq;
  clear(main);
  if (!session.signedIn()) {
    nav.hidden = true;
    who.hidden = true;
    document.title = "Sign in · Tandem";
    session.signInPage(main);
    return;
  }
  if (session.refresh) await session.refresh();
  const id = session.identity();
  ctx.org = id.org;
  ctx.orgName = id.name;
  nav.hidden = false;
  who.hidden = false;
  whoOrg.textContent = `Signed in as ${id.name}`;
  const { name, params } = currentRoute();
  for (const a of nav.querySelectorAll("a[data-route]")) {
    if (a.dataset.route === name) a.setAttribute("aria-current", "page");
    else a.removeAttribute("aria-current");
  }
  const { title, page } = pages[name];
  document.title = `${title} · Tandem`;
  const root = h("div", { class: "page", dataset: { page: name } });
  main.appendChild(root);
  main.focus({ preventScroll: true });
  announce(`${title} page`);
  try {
    await page.render(root, ctx, params, () => mine === seq);
  } catch (e) {
    if (mine === seq) root.appendChild(notice("bad", "Something went wrong", e.message || String(e)));
  }
}

boot();
