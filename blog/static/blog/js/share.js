// The share box's copy-link button (templates/blog/_share.html): the site's only script.
// Without it the button stays hidden; the service links are plain links and need nothing.
(function () {
  "use strict";
  var COPIED = "リンクをコピーしました";
  var FAILED = "コピーできませんでした。アドレスバーのURLをコピーしてください";

  // For browsers (or insecure origins) without the asynchronous Clipboard API: copy from a
  // selected, off-screen text field.
  function copyBySelection(text) {
    var field = document.createElement("textarea");
    field.value = text;
    field.setAttribute("readonly", "");
    field.className = "visually-hidden";
    document.body.appendChild(field);
    field.select();
    var copied = false;
    try {
      copied = document.execCommand("copy");
    } catch (error) {
      copied = false;
    }
    document.body.removeChild(field);
    return copied ? Promise.resolve() : Promise.reject(new Error("copy refused"));
  }

  function copy(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text).catch(function () {
        return copyBySelection(text);
      });
    }
    return copyBySelection(text);
  }

  function announce(status, message) {
    // Emptied first, so that the same words said twice are announced twice.
    status.textContent = "";
    window.setTimeout(function () {
      status.textContent = message;
    }, 50);
  }

  document.querySelectorAll(".share").forEach(function (box) {
    var button = box.querySelector(".share-copy");
    var status = box.querySelector(".share-status");
    if (!button || !status) {
      return;
    }
    button.closest(".share-copy-item").hidden = false;
    button.addEventListener("click", function () {
      copy(button.dataset.url).then(
        function () {
          announce(status, COPIED);
        },
        function () {
          announce(status, FAILED);
        }
      );
    });
  });
})();
