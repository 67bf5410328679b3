// The CSRF token for the admin's own fetch() calls (the Markdown preview in editor.js, image
// uploads in images.js), defined once. The form's own token first: it is there even with
// CSRF_USE_SESSIONS or CSRF_COOKIE_HTTPONLY; else the cookie.
window.blogAdminCsrfToken = function (form) {
  "use strict";
  const input = form && form.querySelector('input[name="csrfmiddlewaretoken"]');
  if (input && input.value) {
    return input.value;
  }
  const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
  return match ? decodeURIComponent(match[1]) : "";
};
