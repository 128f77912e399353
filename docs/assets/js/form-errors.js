// What a form shows when the API refuses it, and while it is being sent.
//
// The API is the one judge of what a ticket, a reply or a sign-in may hold, so
// the forms show its answer as it is: each field's reason next to that field,
// the message in the summary, and the focus where the customer has to act.
// Each control names its error paragraph (`<errorId(field)>`) in its
// aria-describedby from the start, so showing an error is setting its text.

import { capitalize } from "./common.js";

/**
 * The error display of one form.
 *
 * fields:     the API's field names -> their controls, in the order the form shows them
 *             (the first invalid one gets the focus)
 * errorId:    the id of a field's error paragraph, from the field's name
 * summary:    the element that says what went wrong as a whole
 * fallback:   what the summary says when the API gives no message
 * focusField: how a field takes the focus (a group of radio buttons focuses one of them)
 */
export function fieldErrors({ fields, errorId, summary, fallback, focusField = (name) => fields[name].focus() }) {
  function showError(name, message) {
    const control = fields[name];
    if (!control) return; // the honeypot, or the body as a whole: the summary says it
    control.setAttribute("aria-invalid", "true");
    document.getElementById(errorId(name)).textContent = message;
  }

  function clearError(name) {
    if (!fields[name]) return;
    fields[name].removeAttribute("aria-invalid");
    document.getElementById(errorId(name)).textContent = "";
  }

  function clearErrors() {
    Object.keys(fields).forEach(clearError);
    summary.textContent = "";
  }

  /** The API's error: its reasons by field, and its message. A reason that names no field of the form (a closed ticket) is the summary's to say. */
  function showErrors(error) {
    const reasons = error.fields || {};
    for (const [name, reason] of Object.entries(reasons)) showError(name, capitalize(reason));
    summary.textContent = error.message || fallback;
    const first = Object.keys(fields).find((name) => name in reasons);
    if (first) focusField(first);
    else summary.focus();
  }

  return { showError, clearError, clearErrors, showErrors };
}

/** The form while it is sent: its button off and saying so, and the form busy for assistive technology. */
export function showSending(form, button, sending, label) {
  button.disabled = sending;
  button.textContent = label;
  form.setAttribute("aria-busy", String(sending));
}
