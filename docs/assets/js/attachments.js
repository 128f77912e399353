// Attachments for a form (a new ticket, a reply): a file picker and a drop
// zone, each file checked against the catalog's limits before it is sent, then
// uploaded straight to storage with its progress shown.
//
// Only the upload ids leave this module: the form names them when it is sent,
// and the API checks each file again on its side.

import { API, CSRF_HEADERS, format, formatSize, node, postJson } from "./common.js";

// Allowed types that browsers often leave blank, so that such a file is not refused.
const TYPES_BY_EXTENSION = { msg: "application/vnd.ms-outlook", eml: "message/rfc822", heic: "image/heic" };

/**
 * Wire a file input, its drop zone and the list that shows each file.
 *
 * `t` holds the form_file_* strings (a caller may override one, e.g. the limit's
 * wording); `showError`/`clearError` show a refusal next to the field.
 */
export function attachmentField({ input, dropzone, list, t, showError, clearError }) {
  let limits = null;
  const attachments = [];

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
    clearError();
    const refusals = [];
    for (const file of files) {
      const problem = refusal(file);
      if (problem) refusals.push(problem);
      else attach(file);
    }
    if (refusals.length) showError(refusals.join(" "));
  }

  function attach(file) {
    const attachment = { file, state: "uploading", uploadId: null, stop: new AbortController() };
    attachment.item = fileItem(attachment);
    attachments.push(attachment);
    list.append(attachment.item);
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
    const body = JSON.stringify(request);
    const { response, answer } = await postJson(`${API}/uploads`, body, { headers: CSRF_HEADERS, signal: stop.signal });
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
    input.focus(); // the button that had focus is gone
  }

  input.addEventListener("change", () => {
    addFiles([...input.files]);
    input.value = ""; // the same file can be chosen again after being removed
  });
  // Cancelling both everywhere makes the page a drop target: a file dropped beside
  // the zone is ignored instead of replacing the page, and what was typed with it.
  for (const type of ["dragover", "drop"]) window.addEventListener(type, (event) => event.preventDefault());
  dropzone.addEventListener("dragover", () => dropzone.classList.add("kb-dropzone--over"));
  dropzone.addEventListener("dragleave", (event) => {
    if (!dropzone.contains(event.relatedTarget)) dropzone.classList.remove("kb-dropzone--over");
  });
  dropzone.addEventListener("drop", (event) => {
    dropzone.classList.remove("kb-dropzone--over");
    addFiles([...event.dataTransfer.files]);
  });

  return {
    /** The catalog's limits; files are accepted only once they are known. */
    setLimits(value) {
      limits = value;
      input.accept = limits.allowed_types.join(",");
    },
    /** The ids of the uploaded files, once every file still on its way has arrived or failed. */
    async uploadIds() {
      await Promise.all(attachments.map((a) => a.upload));
      return attachments.filter((a) => a.state === "done").map((a) => a.uploadId);
    },
    /** Empty the list (after the form was sent). */
    clear() {
      for (const attachment of attachments.splice(0)) attachment.item.remove();
    },
  };
}
