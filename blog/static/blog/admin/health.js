/* The post form's health findings, at the top of the form, each with a link to its passage:
   「本文へ」 selects the quoted text in the body and scrolls the body to it.

   The findings quote the passage they are about in 「…」 (blog/content/health/findings.py); a
   quote that starts with … is the end of a passage. A finding with no quote, or whose passage
   is not in the body as typed now, gets no link. Plain DOM; no library. */
"use strict";

(function () {
  const QUOTE = /「(?:…)?([^「」]{2,}?)(?:…)?」/g;

  function passages(message) {
    return Array.from(message.matchAll(QUOTE), (match) => match[1].trim()).filter(Boolean);
  }

  function scrollBodyTo(body, start, end) {
    // The textarea scrolls to a line: measure the height of the text before the passage in a
    // copy of the textarea that wraps the same way.
    const mirror = document.createElement("div");
    const style = window.getComputedStyle(body);
    for (const name of ["width", "font", "letterSpacing", "lineHeight", "padding", "border",
      "boxSizing", "whiteSpace", "overflowWrap", "wordBreak", "tabSize"]) {
      mirror.style[name] = style[name];
    }
    mirror.style.whiteSpace = "pre-wrap";
    mirror.style.position = "absolute";
    mirror.style.visibility = "hidden";
    mirror.textContent = body.value.slice(0, start);
    document.body.appendChild(mirror);
    const top = mirror.scrollHeight;
    mirror.remove();
    body.scrollIntoView({ block: "center" });
    body.focus({ preventScroll: true });
    body.setSelectionRange(start, end);
    body.scrollTop = Math.max(0, top - body.clientHeight / 3);
  }

  function link(body, text) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "health-find";
    button.textContent = "本文へ";
    button.title = `本文の「${text}」へ移動します`;
    button.addEventListener("click", () => {
      const start = body.value.indexOf(text);
      if (start < 0) {
        button.textContent = "本文に見つかりません";
        return;
      }
      scrollBodyTo(body, start, start + text.length);
    });
    return button;
  }

  document.addEventListener("DOMContentLoaded", () => {
    const body = document.getElementById("id_body");
    if (!body) {
      return;
    }
    for (const item of document.querySelectorAll(".health-findings li")) {
      const found = passages(item.textContent).filter((text) => body.value.includes(text));
      if (found.length) {
        item.append(" ", link(body, found[0]));
      }
    }
  });
})();
