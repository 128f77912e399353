// The ticket page: one ticket, its conversation with support, and the reply form.
//
// Everything the customer or support wrote is set as text, never as HTML. A
// reply's files go through the same upload as the ticket form's. A reply that
// meets an ended session is kept in this tab while the customer signs in again.

import { attachmentField } from "./attachments.js";
import {
  API, CSRF_HEADERS, catalogNames, format, formatSize, getCatalog, getJson, goSignIn, node, pageConfig, postJson, statusBadge,
  timeElement,
} from "./common.js";
import { fieldErrors, showSending } from "./form-errors.js";

const config = pageConfig("tk-config");
const t = config.strings;
const siteRoot = config.siteRoot;
// PC-1001: a prefix of capital letters or digits, a dash, the sequence (any case is accepted and raised).
const NUMBER = /^[A-Z][A-Z0-9]{0,9}-\d{1,12}$/;
const DRAFT_KEY = "kbdesk:draft:";

const el = {
  loading: document.getElementById("tk-loading"),
  error: document.getElementById("tk-error"),
  notFound: document.getElementById("tk-not-found"),
  ticket: document.getElementById("tk-ticket"),
  number: document.getElementById("tk-number"),
  subject: document.getElementById("tk-subject"),
  status: document.getElementById("tk-status"),
  description: document.getElementById("tk-description"),
  attachmentsBox: document.getElementById("tk-attachments-box"),
  attachments: document.getElementById("tk-attachments"),
  noComments: document.getElementById("tk-no-comments"),
  comments: document.getElementById("tk-comments"),
  requestType: document.getElementById("tk-request-type"),
  product: document.getElementById("tk-product"),
  requester: document.getElementById("tk-requester"),
  organization: document.getElementById("tk-organization"),
  created: document.getElementById("tk-created"),
  updated: document.getElementById("tk-updated"),
  sent: document.getElementById("tk-sent"),
  closed: document.getElementById("tk-closed"),
  closedText: document.getElementById("tk-closed-text"),
  form: document.getElementById("tk-form"),
  body: document.getElementById("tk-body"),
  limits: document.getElementById("tk-limits"),
  files: document.getElementById("tk-files"),
  summary: document.getElementById("tk-summary"),
  submit: document.getElementById("tk-submit"),
};

// The API's field names, in the order the form shows them: the first invalid one gets focus.
const FIELDS = { body: el.body, attachments: el.files };
const errors = fieldErrors({
  fields: FIELDS,
  errorId: (name) => `tk-error-${name}`,
  summary: el.summary,
  fallback: t.ticket_send_error,
});

const number = (new URL(location.href).searchParams.get("numero") || "").trim().toUpperCase();
const ticketPath = `${API}/tickets/${encodeURIComponent(number)}`;
let names = { products: {}, requestTypes: {}, statuses: {} };
let sending = false;

const files = attachmentField({
  input: el.files,
  dropzone: document.getElementById("tk-dropzone"),
  list: document.getElementById("tk-file-list"),
  t: { ...t, form_file_too_many: t.ticket_file_too_many },
  showError: (message) => errors.showError("attachments", message),
  clearError: () => errors.clearError("attachments"),
});

// Loading

async function start() {
  if (!NUMBER.test(number)) return showNotFound();
  let catalog;
  let found;
  try {
    [catalog, found] = await Promise.all([getCatalog(), getJson(ticketPath)]);
  } catch (error) {
    return failed(error);
  }
  if (found.response.status === 401) return goSignIn(siteRoot);
  if (found.response.status === 404) return showNotFound();
  if (!found.response.ok) return failed(new Error(`${found.response.status} ticket`));
  const { limits } = catalog;
  names = catalogNames(catalog);
  el.limits.textContent = format(t.ticket_reply_attachments_limits, {
    count: limits.max_attachments,
    size: formatSize(limits.max_attachment_bytes),
  });
  files.setLimits(limits);
  el.body.value = takeDraft();
  el.submit.disabled = false;
  show(found.answer);
}

/** The ticket as it is now (after a reply: its new status and the conversation with the reply). */
async function reload() {
  const { response, answer } = await getJson(ticketPath);
  if (!response.ok) throw new Error(`${response.status} ticket`);
  show(answer);
}

function failed(error) {
  console.warn("kbdesk ticket:", error);
  el.loading.textContent = "";
  el.error.textContent = t.ticket_error;
}

function showNotFound() {
  el.loading.textContent = "";
  el.ticket.hidden = true;
  el.notFound.hidden = false;
  document.title = `${t.ticket_not_found_title} - ${config.siteName}`;
  el.notFound.focus();
}

// Drawing

function show(ticket) {
  document.title = `${ticket.number}: ${ticket.subject} - ${config.siteName}`;
  el.number.textContent = ticket.number;
  el.subject.textContent = ticket.subject;
  el.status.replaceChildren(statusBadge(ticket.status, names.statuses[ticket.status]));
  el.requestType.textContent = names.requestTypes[ticket.request_type] || ticket.request_type;
  el.product.textContent = names.products[ticket.product] || ticket.product;
  el.requester.replaceChildren(...person(ticket.requester));
  el.organization.textContent = ticket.organization || t.ticket_none;
  el.created.replaceChildren(timeElement(ticket.created_at));
  el.updated.replaceChildren(timeElement(ticket.updated_at));
  el.description.textContent = ticket.description;
  el.attachments.replaceChildren(...(ticket.attachments || []).map(attachmentItem));
  el.attachmentsBox.hidden = !(ticket.attachments || []).length;
  const comments = ticket.comments || [];
  el.comments.replaceChildren(...comments.map(commentItem));
  el.noComments.hidden = comments.length > 0;
  const closed = ticket.status === "closed";
  el.closedText.textContent = format(t.ticket_closed, { number: ticket.number });
  el.closed.hidden = !closed;
  el.form.hidden = closed;
  el.loading.textContent = "";
  el.ticket.hidden = false;
}

/** A name with its e-mail beside it; only the e-mail when there is no name. */
function person({ name, email }) {
  if (!name) return [node("span", "kb-person__email", email)];
  return [node("span", "kb-person__name", name), node("span", "kb-person__email", email)];
}

function attachmentItem(attachment) {
  const item = node("li", "kb-attachment");
  const link = node("a", "kb-attachment__link", attachment.filename);
  if (attachment.download_url) link.href = attachment.download_url;
  item.append(link, node("span", "kb-attachment__size", formatSize(attachment.size)));
  return item;
}

function commentItem(comment) {
  const role = comment.author?.role === "agent" ? "agent" : "customer";
  const item = node("li", `kb-comment kb-comment--${role}`);
  item.id = `comentario-${comment.id}`;
  item.tabIndex = -1;
  const head = node("p", "kb-comment__head");
  head.append(
    node("span", "kb-comment__author", comment.author?.name || comment.author?.email || ""),
    node("span", `kb-comment__role kb-comment__role--${role}`, role === "agent" ? t.ticket_role_agent : t.ticket_role_customer),
    timeElement(comment.created_at),
  );
  if (comment.author?.email && comment.author?.name) head.querySelector(".kb-comment__author").title = comment.author.email;
  item.append(head, node("div", "kb-comment__body kb-text", comment.body));
  if (comment.attachments?.length) {
    const list = node("ul", "kb-attachments");
    list.setAttribute("aria-label", t.ticket_attachments);
    list.append(...comment.attachments.map(attachmentItem));
    item.append(list);
  }
  return item;
}

// Replying

async function submit(event) {
  event.preventDefault();
  if (sending) return;
  setSending(true); // before any await: one click, one message
  errors.clearErrors();
  el.sent.textContent = "";
  try {
    const uploadIds = await files.uploadIds(); // files still on their way are waited for
    const body = JSON.stringify({ body: el.body.value, attachments: uploadIds });
    const { response, answer } = await postJson(`${ticketPath}/comments`, body, { headers: CSRF_HEADERS });
    if (response.status === 201) return await sent(answer);
    if (response.status === 401) {
      keepDraft();
      return goSignIn(siteRoot);
    }
    if (response.status === 404) return showNotFound();
    errors.showErrors(answer?.error || { message: t.ticket_send_error });
    if (answer?.error?.fields?.ticket) await reload().catch(() => {}); // closed meanwhile: show it closed
  } catch (error) {
    console.warn("kbdesk reply:", error);
    errors.showErrors({ message: t.ticket_send_network_error });
  } finally {
    setSending(false);
  }
}

async function sent(comment) {
  el.body.value = "";
  files.clear();
  try {
    await reload();
  } catch (error) {
    // The reply is stored; only the refresh failed, so it is shown as the API returned it.
    console.warn("kbdesk ticket:", error);
    el.comments.append(commentItem(comment));
    el.noComments.hidden = true;
  }
  el.sent.textContent = t.ticket_sent;
  const shown = document.getElementById(`comentario-${comment.id}`);
  if (shown) shown.focus();
}

function setSending(value) {
  sending = value;
  showSending(el.form, el.submit, value, value ? t.ticket_sending : t.ticket_send);
}

// A reply written while the session ended survives the trip through the sign-in page.

function keepDraft() {
  try {
    if (el.body.value.trim()) sessionStorage.setItem(DRAFT_KEY + number, el.body.value);
  } catch {
    // storage off: the reply is lost, as it would be without this
  }
}

function takeDraft() {
  try {
    const draft = sessionStorage.getItem(DRAFT_KEY + number) || "";
    sessionStorage.removeItem(DRAFT_KEY + number);
    return draft;
  } catch {
    return "";
  }
}

// Wiring

el.form.addEventListener("submit", submit);
el.form.addEventListener("input", (event) => errors.clearError(event.target.name));

start();
