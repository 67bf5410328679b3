/* Writing comfort for the post form: a live preview beside the Markdown body and, under it,
   "文字数 1,234（和文）・ 56 語（欧文）・ 約 3 分".

   The server renders the preview with the renderer a saved post uses (blog.content.markdown, sanitised
   by nh3) and counts the text as Post.reading_time does (blog/admin/editor.py), so what the
   editor sees is what readers get. No library, no CDN: plain DOM and fetch. */
"use strict";

(function () {
  const DEBOUNCE_MS = 400;
  const NUMBER = new Intl.NumberFormat("ja-JP");

  function previewUrl(textarea) {
    // MarkdownPreviewAdminMixin.get_form() sets data-preview-url; without it, the preview URL
    // is a sibling of the form's own: .../<id>/change/ or .../add/ -> .../preview/.
    if (textarea.dataset.previewUrl) {
      return textarea.dataset.previewUrl;
    }
    const path = window.location.pathname;
    if (/\/(?:change|add)\/$/.test(path)) {
      return path.replace(/(?:change|add)\/$/, "preview/");
    }
    return null;
  }

  const csrfToken = window.blogAdminCsrfToken; // blog/admin/csrf.js, loaded first

  function countLine(data) {
    return (
      `文字数 ${NUMBER.format(data.cjk_chars)}（和文）・ ` +
      `${NUMBER.format(data.latin_words)} 語（欧文）・ 約 ${NUMBER.format(data.minutes)} 分`
    );
  }

  // The HTML comes sanitised from the server (nh3 allow-list: no <script>, no on* attributes,
  // no javascript: URLs). Assigning innerHTML would not run a <script>, but it WOULD run an
  // event handler such as <img onerror>, so as a second line of defence the HTML is parsed in
  // an inert document (DOMParser: no script runs, no image loads, no handler fires there),
  // anything executable is removed, and only then are the nodes moved into the page.
  const EXECUTABLE = "script, style, iframe, frame, object, embed, link, meta, base, form";
  const SCRIPT_URL = /^\s*(?:javascript|vbscript|data):/i;

  function safeFragment(html) {
    const doc = new DOMParser().parseFromString(html, "text/html");
    doc.body.querySelectorAll(EXECUTABLE).forEach((node) => node.remove());
    doc.body.querySelectorAll("*").forEach((element) => {
      for (const attr of Array.from(element.attributes)) {
        const name = attr.name.toLowerCase();
        const url = ["href", "src", "xlink:href", "action", "formaction"].includes(name);
        if (name.startsWith("on") || name === "srcdoc" || (url && SCRIPT_URL.test(attr.value))) {
          element.removeAttribute(attr.name);
        }
      }
    });
    const fragment = document.createDocumentFragment();
    fragment.append(...Array.from(doc.body.childNodes, (node) => document.adoptNode(node)));
    return fragment;
  }

  function build(textarea) {
    const url = previewUrl(textarea);
    if (!url) {
      return;
    }
    const form = textarea.form;
    const maxChars = Number(textarea.dataset.previewMaxChars) || Infinity;

    const layout = document.createElement("div");
    layout.className = "markdown-editor-layout";
    const editorPane = document.createElement("div");
    editorPane.className = "markdown-editor-pane";
    const stats = document.createElement("div");
    stats.className = "markdown-stats";
    stats.id = `${textarea.id || "markdown"}_stats`;

    const previewPane = document.createElement("section");
    previewPane.className = "markdown-preview-pane";
    previewPane.setAttribute("aria-label", "プレビュー");
    const header = document.createElement("div");
    header.className = "markdown-preview-header";
    const title = document.createElement("span");
    title.textContent = "プレビュー";
    const status = document.createElement("span");
    status.className = "markdown-preview-status";
    status.setAttribute("role", "status");
    header.append(title, status);
    const preview = document.createElement("div");
    preview.className = "markdown-preview";
    preview.lang = "ja";
    previewPane.append(header, preview);

    textarea.parentNode.insertBefore(layout, textarea);
    editorPane.append(textarea, stats);
    layout.append(editorPane, previewPane);
    const described = textarea.getAttribute("aria-describedby");
    textarea.setAttribute("aria-describedby", described ? `${described} ${stats.id}` : stats.id);

    let timer = null;
    let controller = null;

    function fail(message) {
      status.textContent = message;
      layout.classList.add("is-error");
      preview.classList.remove("is-stale");
    }

    async function refresh() {
      const source = textarea.value;
      if (source.length > maxChars) {
        fail(`本文が ${NUMBER.format(maxChars)} 文字を超えるためプレビューできません。`);
        return;
      }
      // Only the latest request matters: a slower, older answer must not overwrite it.
      if (controller) {
        controller.abort();
      }
      const mine = new AbortController();
      controller = mine;
      preview.classList.add("is-stale");
      let response;
      try {
        response = await fetch(url, {
          method: "POST",
          credentials: "same-origin",
          headers: {
            "X-CSRFToken": csrfToken(form),
            "X-Requested-With": "XMLHttpRequest",
            Accept: "application/json",
          },
          body: new URLSearchParams({ body: source }),
          signal: mine.signal,
        });
      } catch (error) {
        if (error.name !== "AbortError") {
          fail("プレビューを取得できませんでした（接続エラー）。");
        }
        return;
      }
      let data = null;
      try {
        data = await response.json();
      } catch (error) {
        data = null; // Django's own 400/403/500 pages are HTML
      }
      if (mine.signal.aborted) {
        return;
      }
      if (!response.ok || !data || data.error) {
        const reason =
          (data && data.error) ||
          (response.status === 400 || response.status === 413
            ? "本文が大きすぎてプレビューできません。"
            : `プレビューを取得できませんでした（HTTP ${response.status}）。`);
        fail(reason);
        return;
      }
      preview.replaceChildren(safeFragment(data.html));
      preview.classList.remove("is-stale");
      layout.classList.remove("is-error");
      status.textContent = "";
      stats.textContent = countLine(data);
      syncScroll();
    }

    function schedule() {
      clearTimeout(timer);
      timer = setTimeout(refresh, DEBOUNCE_MS);
    }

    // Keep the preview roughly at the same place in the text as the editor.
    function syncScroll() {
      const room = textarea.scrollHeight - textarea.clientHeight;
      if (room > 0 && window.getComputedStyle(layout).gridTemplateColumns.includes(" ")) {
        const ratio = textarea.scrollTop / room;
        preview.scrollTop = ratio * (preview.scrollHeight - preview.clientHeight);
      }
    }

    textarea.addEventListener("input", schedule);
    textarea.addEventListener("scroll", syncScroll, { passive: true });
    refresh();
  }

  function init() {
    document.querySelectorAll("textarea.markdown-editor").forEach(build);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
