// The console's only way to Tandem: the /v1 API on the console's own origin,
// with the signed-in organisation's bearer token.

import { notice } from "./dom.js";

let bearer = () => null;
let onUnauthenticated = () => {};

// useToken sets where the Authorization header comes from (memory only)
// and what to do when the API says the sign-in is no longer valid.
export function useToken(get, unauthenticated) {
  bearer = get;
  onUnauthenticated = unauthenticated;
}

// ApiError carries the API's own error code and message, which are written
// for people ("…: reload it, re-apply your changes and save again").
export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
    // problems are the rows a 422 names: [{path, message}].
    this.problems = status === 422 ? problems(message) : [];
  }
}

// call sends one request and returns the decoded JSON (null for 204).
export async function call(method, path, body) {
  const headers = { Accept: "application/json" };
  const token = bearer();
  if (token) headers.Authorization = `Bearer ${token}`;
  let payload;
  if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    payload = JSON.stringify(body);
  }
  let resp;
  try {
    resp = await fetch(path, { method, headers, body: payload, credentials: "omit", cache: "no-store" });
  } catch {
    throw new ApiError(0, "network", "Tandem could not be reached. Check your connection and try again.");
  }
  if (resp.status === 204) return null;
  let data = null;
  const text = await resp.text();
  if (text) {
    try { data = JSON.parse(text); } catch { data = null; }
  }
  if (!resp.ok) {
    const err = data && data.error ? data.error : {};
    const message = err.message || fallback(resp.status);
    const e = new ApiError(resp.status, err.code || `http_${resp.status}`, message);
    if (resp.status === 401) onUnauthenticated(e);
    throw e;
  }
  return data;
}

function fallback(status) {
  if (status === 401) return "Your sign-in has ended. Sign in again.";
  if (status === 403) return "Your account may not do this.";
  if (status === 429) return "Too many requests just now. Wait a minute and try again.";
  if (status >= 500) return "Tandem had a problem answering. Try again; if it persists, contact support.";
  return `The request failed (HTTP ${status}).`;
}

// problems splits a validation message into the rows it names. The API
// answers "statusMappings[1]: partner status \"1\" is already mapped …" for
// one problem and "3 invalid fields: a: …; b[0]: …" for several; a path is
// a JSON path such as statusMappings[3], outbound.actions[0] or apiUrl.
const pathRe = "[A-Za-z][A-Za-z0-9]*(?:\\[\\d+\\])?(?:\\.[A-Za-z][A-Za-z0-9]*(?:\\[\\d+\\])?)*";
export function problems(message) {
  let rest = String(message || "").replace(/^invalid configuration: /, "");
  rest = rest.replace(/^\d+ invalid fields: /, "");
  const parts = rest.split(new RegExp(`; (?=${pathRe}: )`));
  const out = [];
  const head = new RegExp(`^(${pathRe}): ([\\s\\S]*)$`);
  for (const p of parts) {
    const m = p.match(head);
    if (m) out.push({ path: m[1], message: m[2] });
    else out.push({ path: "", message: p });
  }
  return out;
}

// Routes, named once.
export const api = {
  platform: () => call("GET", "/v1/settings/platform"),
  savePlatform: (platform, credentials) => call("PUT", "/v1/settings/platform", { platform, credentials }),
  testPlatform: () => call("POST", "/v1/settings/platform/test"),
  deletePlatform: () => call("DELETE", "/v1/settings/platform"),
  installWebhook: () => call("POST", "/v1/settings/platform/webhooks"),
  usage: () => call("GET", "/v1/settings/platform/usage"),
  startOAuth: (platform, subdomain) => call("POST", `/v1/settings/platform/oauth/${encodeURIComponent(platform)}/start`, { subdomain }),
  connections: () => call("GET", "/v1/connections"),
  createConnection: (role, contractName) => call("POST", "/v1/connections", { role, contractName }),
  acceptConnection: (verificationCode) => call("POST", "/v1/connections/accept", { verificationCode }),
  newCode: (id) => call("POST", `/v1/connections/${encodeURIComponent(id)}/code`),
  endConnection: (id) => call("DELETE", `/v1/connections/${encodeURIComponent(id)}`),
  config: (id) => call("GET", `/v1/connections/${encodeURIComponent(id)}/config`),
  saveConfig: (id, cfg) => call("PUT", `/v1/connections/${encodeURIComponent(id)}/config`, cfg),
  options: (id, kind, side, board) => {
    const q = new URLSearchParams();
    if (side === "partner") q.set("side", "partner");
    if (board) q.set("board", board);
    const qs = q.toString();
    return call("GET", `/v1/connections/${encodeURIComponent(id)}/options/${encodeURIComponent(kind)}${qs ? `?${qs}` : ""}`);
  },
  attention: (id) => call("GET", `/v1/connections/${encodeURIComponent(id)}/attention`),
  log: (id, ticket, limit = 500) => {
    const q = new URLSearchParams({ limit: String(limit) });
    if (ticket) q.set("ticket", ticket);
    return call("GET", `/v1/connections/${encodeURIComponent(id)}/log?${q}`);
  },
};

// activeConnections lists the caller's active connections, or shows in root
// why they could not be loaded and answers null.
export async function activeConnections(root) {
  try {
    return (await api.connections()).active || [];
  } catch (e) {
    root.appendChild(notice("bad", "Your connections could not be loaded", e.message));
    return null;
  }
}
