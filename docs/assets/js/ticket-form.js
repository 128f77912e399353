// The "open a ticket" form: catalog, article suggestions, attachments, submission.
//
// The API is the one judge of what a ticket may hold: the form sends what the
// customer wrote and shows the API's answer next to each field. Only
// attachments are checked here first, because a refused file should never be
// uploaded. Every text that comes from the customer or the API is set as text.

import { attachmentField } from "./attachments.js";
import {
  API, CSRF_HEADERS, forgetSignIn, format, formatSize, getCatalog, getJson, isSignedIn, newKey, node, pageConfig, postJson,
} from "./common.js";
import { fieldErrors, showSending } from "./form-errors.js";
import { loadSearch } from "./search-engine.js";

const config = pageConfig("tf-config");
const t = config.strings;
const siteRoot = config.siteRoot;
const SUGGESTIONS = 5;
const MIN_QUERY = 3;
const TYPING_DELAY_MS = 250;

const el = {
  form: document.getElementById("tf-form"),
  product: document.getElementById("tf-product"),
  requestType: document.getElementById("tf-request-type"),
  types: document.getElementById("tf-types"),
  typeIcons: document.getElementById("tf-type-icons").content,
  subject: document.getElementById("tf-subject"),
  suggestions: document.getElementById("tf-suggestions"),
  suggestionList: document.getElementById("tf-suggestion-list"),
  description: document.getElementById("tf-description"),
  limits: document.getElementById("tf-limits"),
  dropzone: document.getElementById("tf-dropzone"),
  files: document.getElementById("tf-files"),
  fileList: document.getElementById("tf-file-list"),
  name: document.getElementById("tf-name"),
  email: document.getElementById("tf-email"),
  emailHint: document.getElementById("tf-email-hint"),
  website: document.getElementById("tf-website"),
  summary: document.getElementById("tf-summary"),
  submit: document.getElementById("tf-submit"),
  done: document.getElementById("tf-done"),
  doneNumber: document.getElementById("tf-done-number"),
  doneEmail: document.getElementById("tf-done-email"),
};

// The API's field names, in the order the form shows them: the first invalid one gets focus.
const FIELDS = {
  product: el.product,
  request_type: el.requestType,
  subject: el.subject,
  description: el.description,
  attachments: el.files,
  name: el.name,
  email: el.email,
};
const errors = fieldErrors({
  fields: FIELDS,
  errorId: (name) => `tf-error-${name}`,
  summary: el.summary,
  fallback: t.form_error,
  focusField,
});

let limits = null;
let engine = null;
let suggestCount = 0;
let typingTimer;
const files = attachmentField({
  input: el.files,
  dropzone: el.dropzone,
  list: el.fileList,
  t,
  showError: (message) => errors.showError("attachments", message),
  clearError: () => errors.clearError("attachments"),
});
let attempt = null; // the last submission that got no answer: a retry sends it with the same key
let sending = false;

// Catalog

async function start() {
  let catalog;
  try {
    catalog = await getCatalog();
  } catch (error) {
    console.warn("kbdesk catalog:", error);
    el.summary.textContent = t.form_catalog_error;
    return;
  }
  limits = catalog.limits;
  const params = new URL(location.href).searchParams;
  el.product.append(...catalog.products.map((p) => new Option(p.name, p.id)));
  el.product.value = catalog.products.some((p) => p.id === params.get("produto")) ? params.get("produto") : "";
  el.types.replaceChildren(...catalog.request_types.map(requestTypeCard));
  const chosen = el.types.querySelector(`input[value="${CSS.escape(params.get("tipo") || "")}"]`);
  if (chosen) chosen.checked = true;
  el.limits.textContent = format(t.form_attachments_limits, {
    count: limits.max_attachments,
    size: formatSize(limits.max_attachment_bytes),
  });
  files.setLimits(limits);
  el.submit.disabled = false;
}

// Signed in, the ticket is opened in the session's name whatever the field says: the field shows that name.
async function showSignedInRequester() {
  if (!isSignedIn()) return;
  try {
    const { response, answer } = await getJson(`${API}/me`);
    if (response.status === 401) return forgetSignIn();
    if (!response.ok || !answer?.email) return;
    el.email.value = answer.email;
    el.email.readOnly = true;
    el.emailHint.textContent = t.form_email_signed_in;
  } catch (error) {
    console.warn("kbdesk me:", error);
  }
}

// A radio button dressed as a card: named by the type, described by when to use it.
function requestTypeCard(type) {
  const id = `tf-type-${type.id}`;
  const card = node("label", "kb-choice");
  const input = document.createElement("input");
  Object.assign(input, { type: "radio", name: "request_type", value: type.id, className: "kb-choice__input" });
  input.setAttribute("aria-labelledby", `${id}-name`);
  input.setAttribute("aria-describedby", `${id}-description`);
  const icon = el.typeIcons.querySelector(`[data-type="${CSS.escape(type.id)}"]`)?.cloneNode(true);
  const name = node("span", "kb-choice__name", type.name);
  name.id = `${id}-name`;
  const description = node("span", "kb-choice__description", type.description);
  description.id = `${id}-description`;
  card.append(input, ...(icon ? [icon] : []), name, description);
  return card;
}

// Article suggestions

// Loaded only once the subject is used.
function loadEngine() {
  engine ??= loadSearch(siteRoot);
  return engine;
}

function suggestSoon() {
  clearTimeout(typingTimer);
  typingTimer = setTimeout(suggest, TYPING_DELAY_MS);
}

async function suggest() {
  const current = ++suggestCount;
  const query = el.subject.value.trim();
  if (query.length < MIN_QUERY) return showSuggestions([]);
  try {
    const search = await loadEngine();
    const filters = el.product.value ? { product: el.product.value } : {};
    const { results } = await search.search(query, filters);
    const pages = await Promise.all(results.slice(0, SUGGESTIONS).map((r) => r.data()));
    if (current === suggestCount) showSuggestions(pages);
  } catch (error) {
    console.warn("kbdesk suggestions:", error);
    if (current === suggestCount) showSuggestions([]);
  }
}

function showSuggestions(pages) {
  el.suggestionList.replaceChildren(...pages.map(suggestionItem));
  el.suggestions.hidden = pages.length === 0;
}

// Opens in a new tab, so what the customer has written stays in the form.
function suggestionItem(page) {
  const link = node("a", "kb-suggestions__link", page.meta.title || page.url);
  Object.assign(link, { href: page.url, target: "_blank", rel: "noopener" });
  link.append(node("span", "kb-visually-hidden", ` ${t.form_new_tab}`));
  const item = node("li", "kb-suggestions__item");
  item.append(link);
  if (page.meta.product_name) item.append(node("span", "kb-suggestions__product", page.meta.product_name));
  return item;
}

// Submission

async function submit(event) {
  event.preventDefault();
  if (sending || !limits) return;
  setSending(true); // before any await: one click, one submission
  errors.clearErrors();
  try {
    const uploadIds = await files.uploadIds(); // files still on their way are waited for
    const body = JSON.stringify(ticketBody(uploadIds));
    if (attempt?.body !== body) attempt = { key: newKey(), body };
    // The CSRF header too: a signed-in customer's browser sends the session cookie with the ticket.
    const headers = { "Idempotency-Key": attempt.key, ...CSRF_HEADERS };
    const { response, answer } = await postJson(`${API}/tickets`, attempt.body, { headers });
    if (response.status === 201) return showDone(answer);
    if (response.status < 500) attempt = null; // answered: sending again is a new submission
    errors.showErrors(answer?.error || { message: t.form_error });
  } catch (error) {
    console.warn("kbdesk ticket:", error);
    errors.showErrors({ message: t.form_network_error }); // the same key goes with the retry
  } finally {
    setSending(false);
  }
}

/** What the customer wrote; blank fields are left out, so the API says which ones are required. */
function ticketBody(uploadIds) {
  const body = {
    request_type: el.form.elements.request_type.value,
    product: el.product.value,
    subject: el.subject.value,
    description: el.description.value,
    name: el.name.value,
    email: el.email.value,
  };
  for (const [name, value] of Object.entries(body)) {
    if (!value.trim()) delete body[name];
  }
  body.attachments = uploadIds;
  body.website = el.website.value;
  return body;
}

function setSending(value) {
  sending = value;
  showSending(el.form, el.submit, value, value ? t.form_sending : t.form_submit);
}

// The request type is a group of radio buttons: the chosen one takes the focus, or the first.
function focusField(name) {
  if (name !== "request_type") return FIELDS[name].focus();
  (el.types.querySelector("input:checked") || el.types.querySelector("input")).focus();
}

function showDone(ticket) {
  el.doneNumber.textContent = ticket.number;
  // Signed in, the address is proven; otherwise the ticket waits for the link in its copy.
  const done = el.email.readOnly ? t.form_done_email : t.form_done_confirm;
  el.doneEmail.textContent = format(done, { email: ticket.requester.email });
  el.form.hidden = true;
  el.done.hidden = false;
  el.done.focus();
}

// Wiring

el.subject.addEventListener("focus", () => loadEngine().catch(() => {}), { once: true });
el.subject.addEventListener("input", suggestSoon);
el.product.addEventListener("change", suggestSoon);
el.form.addEventListener("input", (event) => errors.clearError(event.target.name));
el.form.addEventListener("submit", submit);

start();
showSignedInRequester();
