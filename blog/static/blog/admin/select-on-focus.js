/* Share-link fields (blog/admin/previews.py): focusing one selects the whole URL, ready to copy.
   Here rather than in an onfocus="" attribute: the Content-Security-Policy runs no inline script. */
"use strict";

document.addEventListener("focusin", (event) => {
  if (event.target instanceof HTMLInputElement && event.target.hasAttribute("data-select-on-focus")) {
    event.target.select();
  }
});
