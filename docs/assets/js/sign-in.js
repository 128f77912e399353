// The sign-in page: ask for a link by e-mail, or use the link that was sent.
//
// A link's token is read once and taken out of the address bar at once, so it
// stays out of the history, bookmarks and screenshots. Nothing is posted until
// the button is pressed: a mail scanner that opens the link signs nobody in.

import { API, CSRF_HEADERS, format, isSignedIn, pageConfig, postJson, safeNext, waitWords } from "./common.js";
import { fieldErrors } from "./form-errors.js";

const config = pageConfig("si-config");
const t = config.strings;

const el = {
  already: document.getElementById("si-already"),
  summary: document.getElementById("si-summary"),
  confirm: document.getElementById("si-confirm"),
  verify: document.getElementById("si-verify"),
  form: document.getElementById("si-form"),
  email: document.getElementById("si-email"),
  send: document.getElementById("si-send"),
  sent: document.getElementById("si-sent"),
  sentText: document.getElementById("si-sent-text"),
  again: document.getElementById("si-again"),
};
const errors = fieldErrors({
  fields: { email: el.email },
  errorId: (name) => `si-error-${name}`,
  summary: el.summary,
  fallback: t.signin_error,
});

const params = new URL(location.href).searchParams;
const token = params.get("token");
// Where the link's owner returns after signing in, and what a new link carries:
// only a path of this site, whatever the address says.
const asked = safeNext(params.get("next"), null);
const next = asked && new URL(asked, location.origin).pathname !== location.pathname ? asked : null; // never back here
const afterSignIn = next || new URL("chamados/", config.siteRoot).pathname;
let busy = false;

function forgetToken() {
  const url = new URL(location.href);
  url.searchParams.delete("token");
  history.replaceState(history.state, "", url.href);
}

function show(panel) {
  for (const candidate of [el.confirm, el.form, el.sent]) candidate.hidden = candidate !== panel;
}

// Using the link

async function verify() {
  if (busy) return;
  setBusy(el.verify, true, t.signin_verifying);
  el.summary.textContent = "";
  try {
    const { response } = await postJson(`${API}/auth/verify`, JSON.stringify({ token }), { headers: CSRF_HEADERS });
    if (response.status === 200) {
      location.replace(afterSignIn); // back from the next page does not land on a used link
      return;
    }
    if (response.status === 401 || response.status === 422 || response.status === 400) {
      // A link that no longer works: the way forward is a new one.
      showForm(t.signin_expired);
    } else if (response.status === 429) {
      tell(format(t.signin_rate_limited, { time: waitWords(response.headers.get("Retry-After"), t) }));
    } else {
      tell(t.signin_error);
    }
  } catch (error) {
    console.warn("kbdesk sign-in:", error);
    tell(t.signin_network_error);
  } finally {
    setBusy(el.verify, false, t.signin_button);
  }
}

// Asking for a link

function showForm(message = "") {
  show(el.form);
  el.summary.textContent = message;
  el.email.focus();
}

async function requestLink(event) {
  event.preventDefault();
  if (busy) return;
  setBusy(el.send, true, t.signin_sending);
  errors.clearErrors();
  const email = el.email.value.trim();
  const body = next ? { email, next } : { email };
  try {
    const { response, answer } = await postJson(`${API}/auth/login`, JSON.stringify(body), { headers: CSRF_HEADERS });
    if (response.status === 202) return showSent(email);
    if (response.status === 429) {
      tell(format(t.signin_rate_limited, { time: waitWords(response.headers.get("Retry-After"), t) }));
      return;
    }
    errors.showErrors(answer?.error || {});
  } catch (error) {
    console.warn("kbdesk sign-in:", error);
    tell(t.signin_network_error);
  } finally {
    setBusy(el.send, false, t.signin_send);
  }
}

function showSent(email) {
  el.sentText.textContent = format(t.signin_sent, { email });
  show(el.sent);
  el.sent.focus();
}

// Helpers

function tell(message) {
  el.summary.textContent = message;
  el.summary.focus();
}

function setBusy(button, value, label) {
  busy = value;
  button.disabled = value;
  button.textContent = label;
}

// Wiring

el.verify.addEventListener("click", verify);
el.form.addEventListener("submit", requestLink);
el.email.addEventListener("input", () => errors.clearError("email"));
el.again.addEventListener("click", () => {
  el.email.value = "";
  showForm();
});

if (token !== null) {
  forgetToken();
  show(el.confirm);
  el.verify.focus();
} else {
  el.already.hidden = !isSignedIn();
  show(el.form);
}
