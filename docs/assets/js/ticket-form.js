// The "open a ticket" form: catalog, article suggestions, attachments, submission.
//
// The API is the one judge of what a ticket may hold: the form sends what the
// customer wrote and shows the API's answer next to each field. Only
// attachments are checked here first, because a refused file should never be
// uploaded. Every text that comes from the customer or the API is set as text.

import { loadSearch } from "./search-engine.js";

const config = JSON.parse(document.getElementById("tf-config").textContent);
const t = config.strings;
const siteRoot = new URL(config.siteRoot, location.href);
const API = "/api"; // the site and the API share one origin
const SUGGESTIONS = 5;
const MIN_QUERY = 3;
const TYPING_DELAY_MS = 250;
// Allowed types that browsers often leave blank, so that such a file is not refused.
const TYPES_BY_EXTENSION = { msg: "application/vnd.ms-outlook", eml: "message/rfc822", heic: "image/heic" };

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

let limits = null;
let engine = null;
let suggestCount = 0;
let typingTimer;
const attachments = [];
let attempt = null; // the last submission that got no answer: a retry sends it with the same key
let sending = false;

// Catalog

async function start() {
  let catalog;
  try {
    catalog = await getJson(`${API}/catalog`);
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
  el.files.accept = limits.allowed_types.join(",");
  el.submit.disabled = false;
}

async function getJson(url) {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${response.status} ${url}`);
  return response.json();
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

// Attachments

function contentType(file) {
  const extension = file.name.split(".").pop().toLowerCase();
  return file.type || TYPES_BY_EXTENSION[extension] || "application/octet-stream";
}

/** Why the file cannot be attached, or "" when it can. */
function refusal(file) {
  const name = file.name;
  if (!limits.allowed_types.includes(contentType(file))) return format(t.form_file_type, { name });
  if (file.size > limits.max_attachment_bytes) {
    return format(t.form_file_too_large, { name, size: formatSize(limits.max_attachment_bytes) });
  }
  if (file.size === 0) return format(t.form_file_empty, { name });
  const kept = attachments.filter((a) => a.state !== "failed").length;
  if (kept >= limits.max_attachments) return format(t.form_file_too_many, { name, count: limits.max_attachments });
  return "";
}

function addFiles(files) {
  if (!limits) return;
  clearError("attachments");
  const refusals = [];
  for (const file of files) {
    const problem = refusal(file);
    if (problem) refusals.push(problem);
    else attach(file);
  }
  if (refusals.length) showError("attachments", refusals.join(" "));
}

function attach(file) {
  const attachment = { file, state: "uploading", uploadId: null, stop: new AbortController() };
  attachment.item = fileItem(attachment);
  attachments.push(attachment);
  el.fileList.append(attachment.item);
  attachment.upload = upload(attachment).then(
    (uploadId) => {
      attachment.uploadId = uploadId;
      setFileState(attachment, "done", t.form_file_done);
    },
    (error) => {
      if (!attachment.stop.signal.aborted) setFileState(attachment, "failed", error.message);
    },
  );
}

// Ask for an upload form, then post the file to where it says (S3 on AWS, /_files/upload locally).
async function upload(attachment) {
  const { file, stop } = attachment;
  const request = { filename: file.name, content_type: contentType(file), size: file.size };
  const { response, answer } = await postJson(`${API}/uploads`, JSON.stringify(request), { signal: stop.signal });
  if (response.status !== 201) throw new Error(answer?.error?.message || t.form_file_failed);
  await postFile(answer.url, answer.fields, attachment);
  return answer.upload_id;
}

// XMLHttpRequest, not fetch: only it reports how much of a request body has been sent.
function postFile(url, fields, attachment) {
  return new Promise((resolve, reject) => {
    const form = new FormData();
    for (const [name, value] of Object.entries(fields)) form.append(name, value);
    form.append("file", attachment.file); // last: storage reads the fields before the file
    const request = new XMLHttpRequest();
    const failed = () => reject(new Error(t.form_file_failed));
    request.upload.addEventListener("progress", (event) => {
      if (event.lengthComputable) attachment.item.querySelector("progress").value = event.loaded / event.total;
    });
    request.addEventListener("load", () => (request.status < 300 ? resolve() : failed()));
    request.addEventListener("error", failed);
    request.addEventListener("abort", failed);
    attachment.stop.signal.addEventListener("abort", () => request.abort());
    request.open("POST", url);
    request.send(form);
  });
}

function fileItem(attachment) {
  const { name, size } = attachment.file;
  const item = node("li", "kb-file");
  item.dataset.state = attachment.state;
  const progress = document.createElement("progress");
  Object.assign(progress, { max: 1, value: 0, className: "kb-file__progress" });
  progress.setAttribute("aria-label", format(t.form_file_progress, { name }));
  const remove = node("button", "kb-file__remove", t.form_file_remove);
  remove.type = "button";
  remove.setAttribute("aria-label", format(t.form_file_remove_label, { name }));
  remove.addEventListener("click", () => detach(attachment));
  item.append(
    node("span", "kb-file__name", name),
    node("span", "kb-file__size", formatSize(size)),
    remove,
    progress,
    node("span", "kb-file__status", t.form_file_uploading),
  );
  return item;
}

function setFileState(attachment, state, text) {
  attachment.state = state;
  attachment.item.dataset.state = state;
  attachment.item.querySelector(".kb-file__status").textContent = text;
  if (state === "done") attachment.item.querySelector("progress").value = 1;
}

function detach(attachment) {
  attachment.stop.abort();
  attachments.splice(attachments.indexOf(attachment), 1);
  attachment.item.remove();
  el.files.focus(); // the button that had focus is gone
}

// Submission

async function submit(event) {
  event.preventDefault();
  if (sending || !limits) return;
  setSending(true); // before any await: one click, one submission
  clearErrors();
  try {
    await Promise.all(attachments.map((a) => a.upload)); // files still on their way are waited for
    const body = JSON.stringify(ticketBody());
    if (attempt?.body !== body) attempt = { key: newKey(), body };
    const headers = { "Idempotency-Key": attempt.key };
    const { response, answer } = await postJson(`${API}/tickets`, attempt.body, { headers });
    if (response.status === 201) return showDone(answer);
    if (response.status < 500) attempt = null; // answered: sending again is a new submission
    showErrors(answer?.error || { message: t.form_error });
  } catch (error) {
    console.warn("kbdesk ticket:", error);
    showErrors({ message: t.form_network_error }); // the same key goes with the retry
  } finally {
    setSending(false);
  }
}

/** What the customer wrote; blank fields are left out, so the API says which ones are required. */
function ticketBody() {
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
  body.attachments = attachments.filter((a) => a.state === "done").map((a) => a.uploadId);
  body.website = el.website.value;
  return body;
}

/** POST a JSON text; the answer's body too when it is JSON (the API's errors are). */
async function postJson(url, body, { headers = {}, signal } = {}) {
  const response = await fetch(url, {
    method: "POST",
    headers: { "Content-Type": "application/json", ...headers },
    body,
    signal,
  });
  const answer = await response.json().catch(() => null);
  return { response, answer };
}

function setSending(value) {
  sending = value;
  el.submit.disabled = value;
  el.submit.textContent = value ? t.form_sending : t.form_submit;
  el.form.setAttribute("aria-busy", String(value));
}

function showErrors(error) {
  const fields = error.fields || {};
  for (const [name, reason] of Object.entries(fields)) showError(name, capitalize(reason));
  el.summary.textContent = error.message || t.form_error;
  const first = Object.keys(FIELDS).find((name) => name in fields);
  if (first) focusField(first);
  else el.summary.focus();
}

function showError(name, message) {
  const control = FIELDS[name];
  if (!control) return; // the honeypot, or the body as a whole: the summary says it
  control.setAttribute("aria-invalid", "true");
  document.getElementById(`tf-error-${name}`).textContent = message;
}

function clearError(name) {
  if (!FIELDS[name]) return;
  FIELDS[name].removeAttribute("aria-invalid");
  document.getElementById(`tf-error-${name}`).textContent = "";
}

function clearErrors() {
  Object.keys(FIELDS).forEach(clearError);
  el.summary.textContent = "";
}

function focusField(name) {
  if (name !== "request_type") return FIELDS[name].focus();
  (el.types.querySelector("input:checked") || el.types.querySelector("input")).focus();
}

function showDone(ticket) {
  el.doneNumber.textContent = ticket.number;
  el.doneEmail.textContent = format(t.form_done_email, { email: ticket.requester.email });
  el.form.hidden = true;
  el.done.hidden = false;
  el.done.focus();
}

// Helpers

function node(tag, className, text) {
  const element = document.createElement(tag);
  element.className = className;
  if (text !== undefined) element.textContent = text;
  return element;
}

function format(template, values) {
  return template.replace(/\{(\w+)\}/g, (match, key) => (key in values ? String(values[key]) : match));
}

function formatSize(bytes) {
  const number = new Intl.NumberFormat(document.documentElement.lang, { maximumFractionDigits: 1 });
  if (bytes < 1024 * 1024) return `${number.format(Math.max(1, Math.round(bytes / 1024)))} KB`;
  return `${number.format(bytes / (1024 * 1024))} MB`;
}

// crypto.randomUUID exists only in secure contexts (https, localhost); a LAN address over
// plain http still has getRandomValues.
function newKey() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

function capitalize(text) {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

// Wiring

el.subject.addEventListener("focus", () => loadEngine().catch(() => {}), { once: true });
el.subject.addEventListener("input", suggestSoon);
el.product.addEventListener("change", suggestSoon);
el.form.addEventListener("input", (event) => clearError(event.target.name));
el.form.addEventListener("submit", submit);
el.files.addEventListener("change", () => {
  addFiles([...el.files.files]);
  el.files.value = ""; // the same file can be chosen again after being removed
});
// Cancelling both everywhere makes the page a drop target: a file dropped beside
// the zone is ignored instead of replacing the page, and what was typed with it.
for (const type of ["dragover", "drop"]) window.addEventListener(type, (event) => event.preventDefault());
el.dropzone.addEventListener("dragover", () => el.dropzone.classList.add("kb-dropzone--over"));
el.dropzone.addEventListener("dragleave", (event) => {
  if (!el.dropzone.contains(event.relatedTarget)) el.dropzone.classList.remove("kb-dropzone--over");
});
el.dropzone.addEventListener("drop", (event) => {
  el.dropzone.classList.remove("kb-dropzone--over");
  addFiles([...event.dataTransfer.files]);
});

start();
