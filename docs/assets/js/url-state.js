// A list's state in the address bar: the home page's search and filters, the
// requests page's filters and cursor.
//
// Kept in the URL so that a reload, a shared link or the back button shows the
// same list. Each page names its own parameters (`params`: a state key -> its
// name in the address, in the order the address lists them) and checks the
// values it reads; this module only moves them between the address and the history.

/** The address's value for each of the page's parameters ("" when it has none). */
export function readParams(url, params) {
  return Object.fromEntries(Object.entries(params).map(([key, name]) => [key, url.searchParams.get(name) || ""]));
}

/** This page's address holding `values`; empty values are left out, so the plain list keeps the plain address. */
export function addressOf(values, params) {
  const url = new URL(location.href);
  url.search = "";
  for (const [key, name] of Object.entries(params)) {
    if (values[key]) url.searchParams.set(name, values[key]);
  }
  return url.href;
}

/**
 * Show `url` in the address bar: a new history entry, so the back button returns to the list
 * before, when `push` asks for one and the address changes; otherwise the current entry is
 * replaced (typing in a search box should not fill the history). `entry` is what a later
 * popstate gets back (the requests page keeps its way back through the cursors there).
 */
export function showAddress(url, { push = true, entry = null } = {}) {
  if (push && url !== location.href) history.pushState(entry, "", url);
  else history.replaceState(entry, "", url);
}
