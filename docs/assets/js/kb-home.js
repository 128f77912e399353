// The home page: search box, product and type filters, cards and paging.
//
// The state lives in the URL (?q=, ?produto=, ?tipo=, ?pagina=) so a search
// can be shared and the back button works. An empty query pages through the
// build's static listings; the Pagefind index is loaded only once the search
// box is used.

import { loadSearch } from "./search-engine.js";

const config = JSON.parse(document.getElementById("kb-config").textContent);
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
const siteRoot = new URL(".", location.href);
const fromRoot = (path) => new URL(path, siteRoot).href;

let state = readState(new URL(location.href));
let engine = null;
let renderCount = 0;
let ranked = { key: null, answer: null };

function readState(url) {
  const p = url.searchParams;
  const product = p.get(PARAMS.product) || "";
  const type = p.get(PARAMS.type) || "";
  const page = Number.parseInt(p.get(PARAMS.page) || "1", 10);
  return {
    q: (p.get(PARAMS.q) || "").trim(),
    product: product in productNames ? product : "",
    type: TYPES.has(type) ? type : "",
    page: Number.isFinite(page) && page > 0 ? page : 1,
  };
}

function stateUrl(s) {
  const url = new URL(location.href);
  url.search = "";
  if (s.q) url.searchParams.set(PARAMS.q, s.q);
  if (s.product) url.searchParams.set(PARAMS.product, s.product);
  if (s.type) url.searchParams.set(PARAMS.type, s.type);
  if (s.page > 1) url.searchParams.set(PARAMS.page, String(s.page));
  return url.href;
}

function commit(changes, { push = true } = {}) {
  state = { ...state, ...changes };
  const url = stateUrl(state);
  if (url !== location.href) history[push ? "pushState" : "replaceState"](null, "", url);
  return render();
}

async function fetchJson(path) {
  const response = await fetch(fromRoot(path));
  if (!response.ok) throw new Error(`${response.status} ${path}`);
  return response.json();
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
    listing = await fetchJson(`_kb/listing/${product}/${type}/${state.page}.json`);
  } catch {
    listing = await fetchJson(`_kb/listing/${product}/${type}/1.json`);
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

function node(tag, className, text) {
  const element = document.createElement(tag);
  element.className = className;
  if (text !== undefined) element.textContent = text;
  return element;
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
