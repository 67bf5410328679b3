// Images dropped or pasted onto a post's Markdown body: the editor is asked for the alt text
// (required; a small dialog, Esc cancels), the file is uploaded to the image library
// (ImageAdmin's upload URL, in the textarea's data-image-upload-url; CSRF-protected, the
// library's checks) and `![alt](url)` is inserted where the cursor was.
(function () {
  "use strict";

  const csrfToken = window.blogAdminCsrfToken; // blog/admin/csrf.js, loaded first

  function imageFiles(list) {
    return Array.from(list || []).filter((file) => file.type.startsWith("image/"));
  }

  // Brackets and backslashes in the alt text would end the Markdown's [ ]; newlines too.
  function markdownAlt(alt) {
    return alt.replace(/\s+/g, " ").replace(/([\\[\]])/g, "\\$1");
  }

  function element(tag, props, children) {
    const node = document.createElement(tag);
    Object.assign(node, props || {});
    (children || []).forEach((child) => node.append(child));
    return node;
  }

  let counter = 0;

  // The alt-text dialog for one file. `attempt(alt)` uploads and resolves to the server's
  // answer; the dialog stays open on a refusal (its message shown), and the returned promise
  // resolves to the accepted answer, or to null when the editor cancels (the button, Esc).
  function askAlt(file, attempt) {
    counter += 1;
    const id = "image-alt-" + counter;
    const input = element("input", { type: "text", id: id, required: true, maxLength: 300 });
    input.setAttribute("aria-describedby", id + "-help " + id + "-error");
    const error = element("p", { className: "error", id: id + "-error" });
    error.setAttribute("role", "alert");
    const label = "アップロードして挿入";
    const insert = element("button", { type: "submit", className: "default", textContent: label });
    const cancel = element("button", { type: "button", textContent: "キャンセル" });
    const title = element("h2", { id: id + "-title", textContent: "画像の代替テキスト" });
    const form = element("form", { method: "dialog", noValidate: true }, [
      title,
      element("p", { textContent: "ファイル：" + (file.name || "貼り付けた画像") }),
      element("label", { htmlFor: id, textContent: "代替テキスト（必須）" }),
      input,
      element("p", {
        className: "help",
        id: id + "-help",
        textContent: "画像を見られない読者に、画像が伝える内容を短く書いてください。",
      }),
      error,
      element("div", { className: "buttons" }, [cancel, insert]),
    ]);
    const dialog = element("dialog", { className: "image-alt-dialog" }, [form]);
    dialog.setAttribute("aria-labelledby", id + "-title");
    document.body.append(dialog);

    return new Promise((resolve) => {
      let busy = false;
      const finish = (value) => {
        if (dialog.open) {
          dialog.close();
        }
        dialog.remove();
        resolve(value);
      };
      cancel.addEventListener("click", () => finish(null));
      // Esc: the browser sends "cancel" to a modal dialog; an upload under way is not cut.
      dialog.addEventListener("cancel", (event) => {
        event.preventDefault();
        if (!busy) {
          finish(null);
        }
      });
      form.addEventListener("submit", async (event) => {
        event.preventDefault();
        const alt = input.value.trim();
        if (!alt) {
          error.textContent = "代替テキストを入力してください。";
          input.focus();
          return;
        }
        error.textContent = "";
        busy = insert.disabled = true;
        insert.textContent = "アップロード中…";
        const result = await attempt(alt);
        busy = insert.disabled = false;
        insert.textContent = label;
        if (result.error) {
          error.textContent = result.error;
          input.focus();
          return;
        }
        finish({ alt: alt, url: result.url });
      });
      dialog.showModal();
      input.focus();
    });
  }

  function insertAt(textarea, start, end, text) {
    const before = textarea.value.slice(0, start);
    const after = textarea.value.slice(end);
    // On a line of its own: Markdown shows it as the paragraph it is.
    const lead = before && !before.endsWith("\n") ? "\n\n" : "";
    const tail = after && !after.startsWith("\n") ? "\n\n" : "";
    textarea.value = before + lead + text + tail + after;
    const cursor = (before + lead + text).length;
    textarea.setSelectionRange(cursor, cursor);
    textarea.focus();
    // The preview and the counter (editor.js) follow the text as when one types.
    textarea.dispatchEvent(new Event("input", { bubbles: true }));
  }

  async function upload(textarea, file, alt) {
    const body = new FormData();
    body.append("file", file, file.name || "pasted-image");
    body.append("alt", alt);
    let response;
    try {
      response = await fetch(textarea.dataset.imageUploadUrl, {
        method: "POST",
        body: body,
        credentials: "same-origin",
        headers: { "X-CSRFToken": csrfToken(textarea.form) },
      });
    } catch (failure) {
      return { error: "アップロードできませんでした。通信を確かめてください。" };
    }
    let data = {};
    try {
      data = await response.json();
    } catch (failure) {
      data = {};
    }
    if (!response.ok) {
      const message = response.status === 413 ? "画像が大きすぎます。" : null;
      return { error: data.error || message || "アップロードできませんでした（" + response.status + "）。" };
    }
    return data;
  }

  async function handleFiles(textarea, files) {
    // Where the cursor was when the image came: the dialog takes the focus away.
    let start = textarea.selectionStart;
    let end = textarea.selectionEnd;
    const maxBytes = Number(textarea.dataset.imageMaxBytes) || Infinity;
    const tooBig = "画像が大きすぎます（" + Math.floor(maxBytes / 1024 / 1024) + " MB まで）。";
    for (const file of files) {
      const attempt = (alt) =>
        file.size > maxBytes ? Promise.resolve({ error: tooBig }) : upload(textarea, file, alt);
      const accepted = await askAlt(file, attempt);
      if (!accepted) {
        textarea.focus();
        return; // cancelled: nothing is inserted
      }
      insertAt(textarea, start, end, "![" + markdownAlt(accepted.alt) + "](" + accepted.url + ")");
      start = end = textarea.selectionStart;
    }
  }

  function hasFiles(event) {
    const types = event.dataTransfer && event.dataTransfer.types;
    return types && Array.from(types).includes("Files");
  }

  function build(textarea) {
    textarea.addEventListener("dragover", (event) => {
      if (hasFiles(event)) {
        event.preventDefault();
        textarea.classList.add("image-drop-target");
      }
    });
    textarea.addEventListener("dragleave", () => textarea.classList.remove("image-drop-target"));
    textarea.addEventListener("drop", (event) => {
      textarea.classList.remove("image-drop-target");
      const files = imageFiles(event.dataTransfer && event.dataTransfer.files);
      if (files.length) {
        event.preventDefault();
        handleFiles(textarea, files);
      }
    });
    textarea.addEventListener("paste", (event) => {
      const files = imageFiles(event.clipboardData && event.clipboardData.files);
      if (files.length) {
        event.preventDefault();
        handleFiles(textarea, files);
      }
    });
  }

  function init() {
    document.querySelectorAll("textarea[data-image-upload-url]").forEach(build);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
