// The header's "Solicitações" menu and "Entrar"/"Sair".
//
// Which of the two shows comes from the kbdesk_signed_in cookie, read here:
// no request to the API on page load. The menu is a <details>, so it opens
// and closes without this script; the script adds what a menu should also do
// (close on Escape, on a click elsewhere, when focus leaves it).

import { API, CSRF_HEADERS, forgetSignIn, isSignedIn, pageConfig, postJson } from "./common.js";

const config = pageConfig("kb-header-config");
const t = config.strings;
const menu = document.querySelector("[data-kb-menu]");
const status = document.getElementById("kb-header-status");

function showAccount() {
  const signedIn = isSignedIn();
  for (const link of document.querySelectorAll("[data-kb-sign-in]")) {
    link.hidden = signedIn;
    link.href = signInHref(link.href);
  }
  for (const button of document.querySelectorAll("[data-kb-sign-out]")) button.hidden = !signedIn;
}

/** "Entrar" brings the customer back to the page they were reading, except from home and from the sign-in page itself. */
function signInHref(href) {
  const url = new URL(href);
  const here = location.pathname;
  if (here !== config.siteRoot.pathname && here !== url.pathname) {
    url.searchParams.set("next", here + location.search);
  }
  return url.href;
}

function markCurrentList() {
  const here = new URL(location.href);
  const organization = here.searchParams.get("escopo") === "organizacao";
  for (const link of menu.querySelectorAll("[data-kb-scope]")) {
    const current = new URL(link.href).pathname === here.pathname && (link.dataset.kbScope === "organization") === organization;
    if (current) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
}

async function signOut(event) {
  const button = event.currentTarget;
  button.disabled = true;
  status.textContent = "";
  try {
    const { response } = await postJson(`${API}/auth/logout`, "{}", { headers: CSRF_HEADERS });
    // 401: the session had already ended; either way the customer is now signed out.
    if (response.status === 204 || response.status === 401) {
      forgetSignIn();
      location.assign(config.siteRoot.href);
      return;
    }
    status.textContent = t.header_sign_out_error;
  } catch (error) {
    console.warn("kbdesk sign-out:", error);
    status.textContent = t.header_sign_out_error;
  }
  button.disabled = false;
}

function closeMenu({ focus = false } = {}) {
  if (!menu.open) return;
  menu.open = false;
  if (focus) menu.querySelector("summary").focus();
}

menu.addEventListener("keydown", (event) => {
  if (event.key === "Escape") closeMenu({ focus: true });
});
menu.addEventListener("focusout", (event) => {
  if (event.relatedTarget && !menu.contains(event.relatedTarget)) closeMenu();
});
document.addEventListener("click", (event) => {
  if (!menu.contains(event.target)) closeMenu();
});
for (const button of document.querySelectorAll("[data-kb-sign-out]")) button.addEventListener("click", signOut);
// The requests page changes its list without reloading; the menu follows.
window.addEventListener("kbdesk:navigate", markCurrentList);
window.addEventListener("popstate", markCurrentList);
// Coming back with the back button shows a page from the cache: the cookie may have changed since.
window.addEventListener("pageshow", showAccount);

showAccount();
markCurrentList();
