// The home page: search box, product and type filters, cards and paging.
//
// The state lives in the URL (?q=, ?produto=, ?tipo=, ?pagina=) so a search
// can be shared and the back button works. An empty query pages through the
// build's static listings; the Pagefind index is loaded only once the search
// box is used.

import { fetchJson, node, pageConfig } from "./common.js";
import { loadSearch } from "./search-engine.js";
import { addressOf, readParams, showAddress } from "./url-state.js";

const config = pageConfig("kb-config");
const t = config.strings;
const productNames = Object.fromEntries(config.products.map((p) => [p.id, p.name]));
const PARAMS = { q: "q", product: "produto", type: "tipo", page: "pagina" };
const TYPES = new Set(["manual", "article"]);
const TYPING_DELAY_MS = 80;

const el = {
  form: document.getElementById("kb-search-form"),
  input: document.getElementById("kb-q"),
  productField: document.getElementById("kb-product-field"),
  productSelect: document.getElementById("kb-product-select"),
  productLinks: [...document.querySelectorAll(".kb-filter__link")],
  typeButtons: [...document.querySelectorAll(".kb-type")],
  status: document.getElementById("kb-status"),
  notice: document.getElementById("kb-notice"),
  results: document.getElementById("kb-results"),
  prev: document.getElementById("kb-prev"),
  next: document.getElementById("kb-next"),
  pageLabel: document.getElementById("kb-page"),
};

// The home page sits at the site's root, wherever the site is hosted.
const siteRoot = config.siteRoot;
const fromRoot = (path) => new URL(path, siteRoot).href;

let state = readState(new URL(location.href));
let engine = null;
let renderCount = 0;
let ranked = { key: null, answer: null };

/** The search and filters the address asks for; an unknown product or type is no filter. */
function readState(url) {
  const asked = readParams(url, PARAMS);
  const page = Number.parseInt(asked.page || "1", 10);
  return {
    q: asked.q.trim(),
    product: asked.product in productNames ? asked.product : "",
    type: TYPES.has(asked.type) ? asked.type : "",
    page: Number.isFinite(page) && page > 0 ? page : 1,
  };
}

/** The first page is the plain address: no ?pagina=1. */
function stateUrl(s) {
  return addressOf({ ...s, page: s.page > 1 ? String(s.page) : "" }, PARAMS);
}

function commit(changes, { push = true } = {}) {
  state = { ...state, ...changes };
  showAddress(stateUrl(state), { push });
  return render();
}

/** One page of the static listings of articles the build writes (src/kbdesk/pages.py). */
function fetchListing(product, type, page) {
  const path = `_kb/listing/${product}/${type}/${page}.json`;
  return fetchJson(fromRoot(path), path);
}

function loadEngine() {
  engine ??= loadSearch(siteRoot);
  return engine;
}

async function render() {
  const current = ++renderCount;
  syncControls();
  el.results.setAttribute("aria-busy", "true");
  try {
    const page = state.q ? await searchPage() : await listingPage();
    if (current !== renderCount) return; // a newer render has started
    draw(page);
  } catch (error) {
    if (current !== renderCount) return;
    console.warn("kbdesk search:", error);
    el.status.textContent = t.search_error;
    el.results.setAttribute("aria-busy", "false");
  }
}

async function listingPage() {
  const product = state.product || "todos";
  const type = state.type || "todos";
  let listing;
  try {
    listing = await fetchListing(product, type, state.page);
  } catch {
    listing = await fetchListing(product, type, 1);
    state.page = 1;
  }
  return {
    cards: listing.cards.map((c) => ({ ...c, href: fromRoot(c.url) })),
    total: listing.total,
    pages: listing.pages,
    status: count(listing.total, "articles"),
    notice: "",
  };
}

async function searchPage() {
  const filters = {};
  if (state.product) filters.product = state.product;
  if (state.type) filters.type = state.type;
  const key = JSON.stringify([state.q, filters]);
  if (ranked.key !== key) {
    const search = await loadEngine();
    ranked = { key, answer: await search.search(state.q, filters) };
  }
  const { results, mode, shownQuery } = ranked.answer;
  const pages = Math.max(1, Math.ceil(results.length / config.perPage));
  const pageNumber = Math.min(state.page, pages);
  const slice = results.slice((pageNumber - 1) * config.perPage, pageNumber * config.perPage);
  const cards = (await Promise.all(slice.map((r) => r.data()))).map(resultCard);
  state.page = pageNumber;
  let notice = "";
  if (mode === "corrected") notice = `${t.did_you_mean}: “${shownQuery}”`;
  if (mode === "close") notice = t.close_results;
  if (mode === "guess") notice = t.guess_results.replace("{query}", shownQuery);
  return {
    cards,
    total: results.length,
    pages,
    status: results.length ? count(results.length, "results") : t.no_results,
    notice,
  };
}

function resultCard(data) {
  const product = data.meta.product || "";
  return {
    title: data.meta.title || "",
    href: data.url,
    product,
    product_name: data.meta.product_name || productNames[product] || product,
    type: data.meta.type || "",
    summary: data.meta.summary || "",
  };
}

function count(n, noun) {
  return n === 1 ? t[`${noun}_one`] : t[`${noun}_other`].replace("{count}", n.toLocaleString(document.documentElement.lang));
}

function draw({ cards, pages, status, notice }) {
  el.results.replaceChildren(...cards.map(cardElement));
  el.status.textContent = status;
  el.notice.textContent = notice;
  el.notice.hidden = !notice;
  el.pageLabel.textContent = t.page_of.replace("{page}", state.page).replace("{pages}", pages);
  el.prev.disabled = state.page <= 1;
  el.next.disabled = state.page >= pages;
  el.results.setAttribute("aria-busy", "false");
}

// Mirrors the card macro in overrides/kb/cards.html; text is always set as text.
function cardElement(c) {
  const item = node("li", "kb-card");
  const link = node("a", "kb-card__link");
  link.href = c.href;
  link.append(node("h3", "kb-card__title", c.title));
  const meta = node("p", "kb-card__meta");
  meta.append(node("span", "kb-card__product", c.product_name));
  if (c.type) meta.append(node("span", `kb-badge kb-badge--${c.type}`, t[c.type] || c.type));
  item.append(link, meta, node("p", "kb-card__summary", c.summary));
  return item;
}

function syncControls() {
  if (document.activeElement !== el.input) el.input.value = state.q;
  el.productField.value = state.product;
  el.productSelect.value = state.product;
  for (const link of el.productLinks) {
    if (link.dataset.product === state.product) link.setAttribute("aria-current", "true");
    else link.removeAttribute("aria-current");
  }
  for (const button of el.typeButtons) {
    button.setAttribute("aria-pressed", String(button.dataset.type === state.type));
  }
}

let typingTimer;
el.input.addEventListener("focus", () => loadEngine(), { once: true });
el.input.addEventListener("input", () => {
  clearTimeout(typingTimer);
  typingTimer = setTimeout(() => commit({ q: el.input.value.trim(), page: 1 }, { push: false }), TYPING_DELAY_MS);
});
el.form.addEventListener("submit", (event) => {
  event.preventDefault();
  clearTimeout(typingTimer);
  commit({ q: el.input.value.trim(), page: 1 });
});
for (const link of el.productLinks) {
  link.addEventListener("click", (event) => {
    event.preventDefault();
    commit({ product: link.dataset.product, page: 1 });
  });
}
el.productSelect.addEventListener("change", () => commit({ product: el.productSelect.value, page: 1 }));
for (const button of el.typeButtons) {
  button.addEventListener("click", () => commit({ type: button.dataset.type, page: 1 }));
}
for (const [button, step] of [[el.prev, -1], [el.next, 1]]) {
  button.addEventListener("click", async () => {
    await commit({ page: state.page + step });
    el.status.scrollIntoView({ block: "nearest" });
  });
}
window.addEventListener("popstate", () => {
  state = readState(new URL(location.href));
  render();
});

// The first page of all articles is already drawn; anything else in the URL is rendered now.
if (state.q || state.product || state.type || state.page > 1) render();
else syncControls();
el.results.dataset.enhanced = "true"; // the list now follows the URL
