// Small helpers shared by the site's pages: the API on this origin, the
// sign-in state, and building elements whose text is always set as text.

export const API = "/api"; // the site and the API share one origin

/** The header every state-changing request carries: the API refuses a session cookie without it. */
export const CSRF_HEADERS = { "X-Requested-With": "kbdesk" };

const SIGNED_IN_COOKIE = "kbdesk_signed_in";

/**
 * The JSON a page's template hands to its script (strings, the site's root). The home page
 * names no root: it sits at the root, so its own address is the root.
 */
export function pageConfig(id) {
  const config = JSON.parse(document.getElementById(id).textContent);
  return { ...config, siteRoot: new URL(config.siteRoot ?? ".", location.href) };
}

/** GET a route of the API: the answer and its JSON body (null when it has none). */
export async function getJson(url) {
  const response = await fetch(url, { headers: { Accept: "application/json" } });
  const answer = await response.json().catch(() => null);
  return { response, answer };
}

/** GET a JSON document the page cannot do without (the catalog, a listing of articles); throws when it cannot. */
export async function fetchJson(url, what = url) {
  const response = await fetch(url, { headers: { Accept: "application/json" } });
  if (!response.ok) throw new Error(`${response.status} ${what}`);
  return response.json();
}

/** What the forms and lists need from the API (products, request types, statuses, limits); throws when it cannot. */
export function getCatalog() {
  return fetchJson(`${API}/catalog`, "catalog");
}

/** The catalog's labels by id, for showing a ticket's product, request type and status. */
export function catalogNames(catalog) {
  const byId = (list) => Object.fromEntries(list.map((item) => [item.id, item.name]));
  return { products: byId(catalog.products), requestTypes: byId(catalog.request_types), statuses: byId(catalog.statuses) };
}

/** POST a JSON text; the answer's body too when it is JSON (the API's errors are). */
export async function postJson(url, body, { headers = {}, signal } = {}) {
  const response = await fetch(url, {
    method: "POST",
    headers: { "Content-Type": "application/json", ...headers },
    body,
    signal,
  });
  const answer = await response.json().catch(() => null);
  return { response, answer };
}

// Sign-in state. The session cookie itself is HttpOnly; this second cookie only
// tells pages which header links to show, without asking the API on every page.

export function isSignedIn() {
  return document.cookie.split(";").some((pair) => pair.trim().startsWith(`${SIGNED_IN_COOKIE}=`));
}

/** Forget a sign-in the API no longer knows (an expired session), so the header offers "Entrar" again. */
export function forgetSignIn() {
  document.cookie = `${SIGNED_IN_COOKIE}=; Max-Age=0; Path=/; SameSite=Lax`;
}

/** The sign-in page, asked to bring the customer back to where they are now. */
function signInUrl(siteRoot, back = location.pathname + location.search) {
  const url = new URL("entrar/", siteRoot);
  url.searchParams.set("next", back);
  return url.href;
}

/** Leave for the sign-in page; `replace`, so the back button does not return to a page that sends back here. */
export function goSignIn(siteRoot) {
  forgetSignIn();
  location.replace(signInUrl(siteRoot));
}

/**
 * Where to go after signing in: only a path of this site. "//host" and "/\host"
 * are other sites to a browser, and a full URL could be anywhere.
 */
export function safeNext(next, fallback) {
  if (typeof next !== "string" || !next.startsWith("/") || next.startsWith("//") || next.includes("\\")) return fallback;
  let url;
  try {
    url = new URL(next, location.origin);
  } catch {
    return fallback;
  }
  return url.origin === location.origin ? url.pathname + url.search + url.hash : fallback;
}

// Elements and text

export function node(tag, className, text) {
  const element = document.createElement(tag);
  if (className) element.className = className;
  if (text !== undefined && text !== null) element.textContent = text;
  return element;
}

export function format(template, values) {
  return template.replace(/\{(\w+)\}/g, (match, key) => (key in values ? String(values[key]) : match));
}

export function formatSize(bytes) {
  const number = new Intl.NumberFormat(document.documentElement.lang, { maximumFractionDigits: 1 });
  if (bytes < 1024 * 1024) return `${number.format(Math.max(1, Math.round(bytes / 1024)))} KB`;
  return `${number.format(bytes / (1024 * 1024))} MB`;
}

/** A <time> element showing the moment in the reader's language and time zone. */
export function timeElement(iso, { withTime = true } = {}) {
  const when = new Date(iso);
  const element = document.createElement("time");
  element.dateTime = iso;
  if (Number.isNaN(when.getTime())) {
    element.textContent = iso;
    return element;
  }
  const options = withTime ? { dateStyle: "short", timeStyle: "short" } : { dateStyle: "short" };
  element.textContent = new Intl.DateTimeFormat(document.documentElement.lang, options).format(when);
  element.title = new Intl.DateTimeFormat(document.documentElement.lang, { dateStyle: "long", timeStyle: "short" }).format(when);
  return element;
}

/** A status as a badge: the colour comes from the status id, the words from the catalog. */
export function statusBadge(status, name) {
  const badge = node("span", `kb-status-badge kb-status-badge--${status.replace(/[^a-z_]/g, "")}`, name || status);
  badge.dataset.status = status;
  return badge;
}

export function capitalize(text) {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** "Retry-After" seconds in words: "1 minuto", "15 minutos". */
export function waitWords(seconds, t) {
  const minutes = Math.max(1, Math.ceil((Number(seconds) || 60) / 60));
  return minutes === 1 ? t.wait_one_minute : format(t.wait_minutes, { count: minutes });
}

// crypto.randomUUID exists only in secure contexts (https, localhost); a LAN address over
// plain http still has getRandomValues.
export function newKey() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}
