// The requests page: the customer's tickets or their organization's, filtered and paged.
//
// Every filter lives in the URL (?escopo=, ?status=, ?criado_por=, ?tipo=,
// ?produto=, ?q=), so a reload or the back button shows the same list. The
// API pages with opaque cursors: the current one is in the URL too, and the
// ones before it in the history entry, so "Página anterior" knows its way back.

import {
  API, capitalize, catalogNames, format, getCatalog, getJson, goSignIn, node, pageConfig, statusBadge, timeElement,
} from "./common.js";
import { addressOf, readParams, showAddress } from "./url-state.js";

const config = pageConfig("rq-config");
const t = config.strings;
const siteRoot = config.siteRoot;
const PAGE_SIZE = 20;
const ORGANIZATION = "organizacao";
const PARAMS = { scope: "escopo", status: "status", createdBy: "criado_por", requestType: "tipo", product: "produto", q: "q", cursor: "cursor" };
const PEOPLE_KEY = "kbdesk:requesters"; // requesters seen in this tab, offered under "Criado por"

const el = {
  tabs: [...document.querySelectorAll(".kb-tabs__link")],
  filters: document.getElementById("rq-filters"),
  q: document.getElementById("rq-q"),
  status: document.getElementById("rq-status"),
  createdByField: document.getElementById("rq-created-by-field"),
  createdBy: document.getElementById("rq-created-by"),
  createdByError: document.getElementById("rq-error-created_by"),
  people: document.getElementById("rq-people"),
  requestType: document.getElementById("rq-request-type"),
  product: document.getElementById("rq-product"),
  clear: document.getElementById("rq-clear"),
  statusLine: document.getElementById("rq-status-line"),
  error: document.getElementById("rq-error"),
  results: document.getElementById("rq-results"),
  table: document.getElementById("rq-table"),
  caption: document.getElementById("rq-caption"),
  rows: document.getElementById("rq-rows"),
  empty: document.getElementById("rq-empty"),
  emptyTitle: document.getElementById("rq-empty-title"),
  emptyClear: document.getElementById("rq-empty-clear"),
  pager: document.getElementById("rq-pager"),
  prev: document.getElementById("rq-prev"),
  next: document.getElementById("rq-next"),
  pageLabel: document.getElementById("rq-page"),
};

let names = { products: {}, requestTypes: {}, statuses: {} };
let state = null;
let previous = []; // the cursors of the pages before this one ("" is the first page)
let nextCursor = null;
let renderCount = 0;
const people = new Map(loadPeople());

// The state and the URL

/** The list the address asks for; a status, request type or product the catalog does not know is no filter. */
function readState(url) {
  const asked = readParams(url, PARAMS);
  const known = (value, table) => (value && value in table ? value : "");
  const scope = asked.scope === ORGANIZATION ? "organization" : "mine";
  return {
    scope,
    status: known(asked.status, names.statuses),
    requestType: known(asked.requestType, names.requestTypes),
    product: known(asked.product, names.products),
    createdBy: scope === "organization" ? asked.createdBy.trim() : "",
    q: asked.q.trim(),
    cursor: asked.cursor,
  };
}

/** The customer's own tickets are the plain address: only the organization's list is named in it. */
function stateUrl(s) {
  return addressOf({ ...s, scope: s.scope === "organization" ? ORGANIZATION : "" }, PARAMS);
}

/** Change the list: a new history entry (or the same one replaced), then draw it. */
function commit(changes, { push = true, before = [] } = {}) {
  state = { ...state, ...changes };
  previous = before;
  showAddress(stateUrl(state), { push, entry: { previous } });
  window.dispatchEvent(new Event("kbdesk:navigate"));
  return render();
}

/** Another page of the same list; `before` is the way back to the first page. */
function turnPage(cursor, before) {
  state = { ...state, cursor };
  previous = before;
  showAddress(stateUrl(state), { entry: { previous } });
  render({ focusStatus: true });
}

/** A filter changed: the list starts again from its first page. */
function filter(changes) {
  return commit({ ...changes, cursor: "" });
}

function hasFilters(s) {
  return Boolean(s.status || s.requestType || s.product || s.createdBy || s.q);
}

// Loading

function query(s) {
  const q = new URLSearchParams({ scope: s.scope, limit: String(PAGE_SIZE) });
  if (s.status) q.set("status", s.status);
  if (s.requestType) q.set("request_type", s.requestType);
  if (s.product) q.set("product", s.product);
  if (s.createdBy) q.set("created_by", s.createdBy);
  if (s.q) q.set("q", s.q);
  if (s.cursor) q.set("cursor", s.cursor);
  return q;
}

async function render({ focusStatus = false } = {}) {
  const current = ++renderCount;
  syncControls();
  el.results.setAttribute("aria-busy", "true");
  el.statusLine.textContent = t.requests_loading;
  el.error.textContent = "";
  let response;
  let answer;
  try {
    ({ response, answer } = await getJson(`${API}/tickets?${query(state)}`));
  } catch (error) {
    if (current !== renderCount) return;
    return failed(error);
  }
  if (current !== renderCount) return; // a newer list was asked for meanwhile
  if (response.status === 401) return goSignIn(siteRoot);
  if (response.status === 400 && answer?.error?.fields?.cursor !== undefined && state.cursor) {
    // A cursor from another visit or another person: the list starts over.
    return commit({ cursor: "" }, { push: false });
  }
  const fields = answer?.error?.fields || {};
  if ((response.status === 400 || response.status === 422) && fields.created_by) {
    el.createdBy.setAttribute("aria-invalid", "true");
    el.createdByError.textContent = capitalize(fields.created_by);
    return draw([], null, { message: answer.error.message });
  }
  if (!response.ok || !Array.isArray(answer?.items)) return failed(new Error(`${response.status} tickets`));
  draw(answer.items, answer.next_cursor || null);
  if (focusStatus) el.statusLine.focus();
}

function failed(error) {
  console.warn("kbdesk tickets:", error);
  el.results.setAttribute("aria-busy", "false");
  el.statusLine.textContent = "";
  el.error.textContent = t.requests_error;
}

// Drawing

function draw(items, cursor, { message = "" } = {}) {
  nextCursor = cursor;
  const organization = state.scope === "organization";
  el.table.classList.toggle("kb-requests__table--organization", organization);
  el.rows.replaceChildren(...items.map((ticket) => row(ticket, organization)));
  el.table.hidden = items.length === 0;
  el.empty.hidden = items.length !== 0;
  const filtered = hasFilters(state);
  el.emptyTitle.textContent = filtered ? t.requests_empty_filtered : t.requests_empty;
  el.emptyClear.hidden = !filtered;
  el.statusLine.textContent = items.length === 1 ? t.requests_count_one : format(t.requests_count_other, { count: items.length });
  el.error.textContent = message;
  el.pager.hidden = !cursor && previous.length === 0;
  el.prev.disabled = previous.length === 0;
  el.next.disabled = !cursor;
  el.pageLabel.textContent = format(t.requests_page, { page: previous.length + 1 });
  if (organization) rememberPeople(items);
  el.results.setAttribute("aria-busy", "false");
}

function row(ticket, organization) {
  const tr = document.createElement("tr");
  tr.setAttribute("role", "row");
  tr.dataset.number = ticket.number;
  const link = node("a", "kb-requests__subject", ticket.subject);
  link.href = ticketUrl(ticket.number);
  const requester = cell(t.requests_requester, ticket.requester?.name || ticket.requester?.email || "");
  requester.dataset.column = "requester";
  if (ticket.requester?.email) requester.title = ticket.requester.email;
  tr.append(
    cell(t.requests_number, ticket.number, "kb-requests__number"),
    cell(t.requests_subject, link),
    cell(t.requests_request_type, names.requestTypes[ticket.request_type] || ticket.request_type),
    cell(t.requests_product, names.products[ticket.product] || ticket.product),
    ...(organization ? [requester] : []),
    cell(t.requests_status, statusBadge(ticket.status, names.statuses[ticket.status])),
    cell(t.requests_date, timeElement(ticket.created_at)),
  );
  return tr;
}

/** A table cell; on phones the table becomes cards and `label` names the value. */
function cell(label, content, className = "") {
  const td = node("td", className);
  td.setAttribute("role", "cell");
  td.dataset.label = label;
  if (content instanceof Node) td.append(content);
  else td.textContent = content;
  return td;
}

function ticketUrl(number) {
  const url = new URL("chamados/chamado/", siteRoot);
  url.searchParams.set("numero", number);
  return url.href;
}

function syncControls() {
  const organization = state.scope === "organization";
  for (const tab of el.tabs) {
    if ((tab.dataset.scope === "organization") === organization) tab.setAttribute("aria-current", "page");
    else tab.removeAttribute("aria-current");
  }
  el.caption.textContent = organization ? t.requests_organization : t.requests_mine;
  el.createdByField.hidden = !organization;
  el.table.querySelector('th[data-column="requester"]').hidden = !organization;
  el.status.value = state.status;
  el.requestType.value = state.requestType;
  el.product.value = state.product;
  el.q.value = state.q;
  el.createdBy.value = state.createdBy;
  el.createdBy.removeAttribute("aria-invalid");
  el.createdByError.textContent = "";
  el.clear.hidden = !hasFilters(state);
}

// Requesters seen, offered under "Criado por"

function loadPeople() {
  try {
    return JSON.parse(sessionStorage.getItem(PEOPLE_KEY) || "[]");
  } catch {
    return [];
  }
}

function rememberPeople(items) {
  for (const ticket of items) {
    if (ticket.requester?.email) people.set(ticket.requester.email, ticket.requester.name || "");
  }
  const options = [...people].sort(([a], [b]) => a.localeCompare(b)).map(([email, name]) => {
    const option = document.createElement("option");
    option.value = email;
    if (name) option.label = name;
    return option;
  });
  el.people.replaceChildren(...options);
  try {
    sessionStorage.setItem(PEOPLE_KEY, JSON.stringify([...people]));
  } catch {
    // storage may be full or off; the suggestions are a convenience
  }
}

// Start

async function start() {
  let catalog;
  try {
    catalog = await getCatalog();
  } catch (error) {
    return failed(error);
  }
  names = catalogNames(catalog);
  el.status.append(...catalog.statuses.map((s) => new Option(s.name, s.id)));
  el.requestType.append(...catalog.request_types.map((r) => new Option(r.name, r.id)));
  el.product.append(...catalog.products.map((p) => new Option(p.name, p.id)));
  rememberPeople([]);

  state = readState(new URL(location.href));
  const kept = history.state?.previous;
  if (state.cursor && !Array.isArray(kept)) {
    // A cursor without the way back to it (an address typed or shared): start from the first page.
    state.cursor = "";
  }
  previous = state.cursor ? kept : [];
  showAddress(stateUrl(state), { push: false, entry: { previous } });
  render();
}

// Wiring

for (const tab of el.tabs) {
  tab.addEventListener("click", (event) => {
    if (event.ctrlKey || event.metaKey || event.shiftKey || event.button !== 0 || !state) return; // a new tab or window
    event.preventDefault();
    const scope = tab.dataset.scope;
    if (scope === state.scope) return;
    filter({ scope, createdBy: scope === "organization" ? state.createdBy : "" });
  });
}
for (const [control, name] of [[el.status, "status"], [el.requestType, "requestType"], [el.product, "product"]]) {
  control.addEventListener("change", () => state && filter({ [name]: control.value }));
}
el.filters.addEventListener("submit", (event) => {
  event.preventDefault();
  if (!state) return;
  filter({ q: el.q.value.trim(), createdBy: state.scope === "organization" ? el.createdBy.value.trim() : "" });
});
el.createdBy.addEventListener("change", () => {
  // Picking a suggestion or leaving the field applies it, as the selects do.
  const value = el.createdBy.value.trim();
  if (state && value !== state.createdBy) filter({ createdBy: value, q: el.q.value.trim() });
});
for (const button of [el.clear, el.emptyClear]) {
  button.addEventListener("click", () => {
    filter({ status: "", requestType: "", product: "", createdBy: "", q: "" });
    el.q.focus();
  });
}
el.next.addEventListener("click", () => {
  if (nextCursor) turnPage(nextCursor, [...previous, state.cursor]);
});
el.prev.addEventListener("click", () => {
  if (previous.length) turnPage(previous.at(-1), previous.slice(0, -1));
});
window.addEventListener("popstate", (event) => {
  if (!state) return;
  state = readState(new URL(location.href));
  previous = Array.isArray(event.state?.previous) ? event.state.previous : [];
  if (state.cursor && !event.state) state.cursor = "";
  render();
});

start();
