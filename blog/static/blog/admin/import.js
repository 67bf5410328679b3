/* The admin's import pages (blog/admin/imports.py). No inline script: the
   Content-Security-Policy allows scripts from the site's static files only.

   The job's page: ask the step URL for the next chunk of files, again and again, moving the
   <progress> bar, until the job is no longer running; then load the page again for its
   results. Each request does a few seconds of work, so none runs long however many files
   there are. Without this script, the form's button asks for one chunk at a time.

   The upload form: refuse before sending what the server would refuse (too many files for
   one request, too many bytes), and keep a second click from sending the upload twice. */
(function () {
  "use strict";

  function stepper(form) {
    const bar = document.getElementById("import-progress");
    const count = document.getElementById("import-count");
    const status = document.getElementById("import-status");
    const state = document.getElementById("import-state");
    const button = document.getElementById("import-continue");
    const token = form.querySelector("input[name=csrfmiddlewaretoken]").value;
    if (button) button.hidden = true;

    function show(data) {
      bar.max = Math.max(data.total, 1);
      bar.value = data.done;
      count.textContent = data.done + " / " + data.total;
      if (state) state.textContent = data.state_label;
    }

    function later(delay, message) {
      status.textContent = message || "";
      window.setTimeout(step, delay);
    }

    function step() {
      fetch(form.action, {
        method: "POST",
        credentials: "same-origin",
        headers: { "X-CSRFToken": token, "Accept": "application/json" },
      }).then(function (response) {
        // A session that ran out answers with the login page; a deleted job or a lost
        // permission with a 4xx: asking again would not help.
        if (response.redirected || (response.status >= 400 && response.status < 500)) {
          status.textContent = "続けられません（" + (response.redirected ? "ログインが切れました" :
            "HTTP " + response.status) + "）。ページを再読み込みしてください。";
          return null;
        }
        if (!response.ok) {
          throw new Error("HTTP " + response.status);
        }
        return response.json();
      }).then(function (data) {
        if (data === null) return;
        show(data);
        if (data.finished) {
          status.textContent = "完了しました。結果を表示します…";
          window.location.assign(data.url);
        } else if (data.busy) {
          later(1000, "別の画面で処理中です。待っています…");
        } else {
          later(0, "");
        }
      }).catch(function (error) {
        if (button) button.hidden = false;
        later(5000, "通信に失敗しました（" + error.message + "）。5 秒後にもう一度試します。");
      });
    }

    step();
  }

  function uploadGuard(form) {
    const input = form.querySelector("input[type=file]");
    const error = document.getElementById("import-upload-error");
    const submit = document.getElementById("import-upload-submit");
    const maxFiles = Number(form.dataset.maxFiles);
    const maxBytes = Number(form.dataset.maxBytes);
    form.addEventListener("submit", function (event) {
      const files = Array.from(input.files || []);
      const bytes = files.reduce(function (sum, file) { return sum + file.size; }, 0);
      let message = "";
      if (files.length > maxFiles) {
        message = "一度に送れるファイルは " + maxFiles + " 件までです（" + files.length +
          " 件選ばれています）。それより多いときは zip にまとめてください。";
      } else if (bytes > maxBytes) {
        message = "アップロードが大きすぎます（" + (bytes / 1048576).toFixed(1) + " MB、上限 " +
          (maxBytes / 1048576) + " MB）。";
      }
      if (message) {
        event.preventDefault();
        error.textContent = message;
        error.hidden = false;
        return;
      }
      submit.disabled = true;
      submit.value = "アップロード中…";
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    const step = document.querySelector("form[data-import-step]");
    if (step) stepper(step);
    const upload = document.getElementById("import-upload-form");
    if (upload) uploadGuard(upload);
  });
})();
