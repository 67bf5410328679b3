"""The editor of `make soak`: logs in to the admin over HTTP and, once a second, edits a post
through its change form (and publishes a draft every few rounds), as a person would.

    python scripts/soak_editor.py BASE_URL USER PASSWORD SECONDS POST_ID [POST_ID ...]

Prints one JSON line: every edit it made ({post id: [body, ...]}), how many saves were
accepted, refused (a stale version) or failed, and the slowest save. Only the standard
library: it is a client, not part of the site.
"""

import http.cookiejar
import json
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from html.parser import HTMLParser


class FormFields(HTMLParser):
    """The fields of a page's forms as a browser would submit them (no file inputs, no
    buttons, the inline formsets' empty templates left out)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.data, self.textarea, self.select = {}, None, None

    def handle_starttag(self, tag, attrs):
        attr = dict(attrs)
        name = attr.get("name") or ""
        if tag == "input" and name and "__prefix__" not in name:
            kind = attr.get("type", "text")
            if kind in ("submit", "file", "button", "image"):
                return
            if kind in ("checkbox", "radio") and "checked" not in attr:
                return
            self.data[name] = attr.get("value") or ("on" if kind == "checkbox" else "")
        elif tag == "textarea" and name and "__prefix__" not in name:
            self.textarea, self.data[name] = name, ""
        elif tag == "select" and name and "__prefix__" not in name:
            self.select, self.data[name] = name, ""
        elif tag == "option" and self.select and "selected" in attr:
            self.data[self.select] = attr.get("value", "")

    def handle_endtag(self, tag):
        if tag == "textarea":
            self.textarea = None
        elif tag == "select":
            self.select = None

    def handle_data(self, data):
        if self.textarea:
            self.data[self.textarea] += data


class Editor:
    def __init__(self, base: str):
        self.base = base.rstrip("/")
        self.jar = http.cookiejar.CookieJar()
        self.http = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def csrf(self) -> str:
        return next(c.value for c in self.jar if c.name == "csrftoken")

    def get(self, path: str) -> str:
        with self.http.open(self.base + path, timeout=30) as response:
            return response.read().decode()

    def post(self, path: str, data: dict) -> tuple[int, str, str]:
        body = urllib.parse.urlencode(data, doseq=True).encode()
        request = urllib.request.Request(  # noqa: S310 (the soak's own loopback server)
            self.base + path, body, headers={"Referer": self.base + path}
        )
        try:
            with self.http.open(request, timeout=30) as response:
                return response.status, response.geturl(), response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, path, error.read().decode()

    def login(self, user: str, password: str) -> None:
        self.get("/admin/login/")
        _, url, _ = self.post(
            "/admin/login/?next=/admin/",
            {"csrfmiddlewaretoken": self.csrf(), "username": user, "password": password},
        )
        if url.rstrip("/").endswith("/admin/login"):
            raise SystemExit("soak editor: the admin login failed")

    def form(self, post_id: int) -> dict:
        """The change form's fields as the browser would send them."""
        parser = FormFields()
        parser.feed(self.get(f"/admin/blog/post/{post_id}/change/"))
        # A textarea's first newline is not part of its value (HTML's parsing rule).
        return {
            k: v[1:] if v.startswith("\n") and k in ("body", "excerpt") else v
            for k, v in parser.data.items()
        }


def main(base, user, password, seconds, *post_ids):
    editor = Editor(base)
    editor.login(user, password)
    ids = [int(pk) for pk in post_ids]
    edits, accepted, refused, failed, slowest = {pk: [] for pk in ids}, 0, 0, 0, 0.0
    end, round_ = time.monotonic() + float(seconds), 0
    while time.monotonic() < end:
        started = time.monotonic()
        pk = ids[round_ % len(ids)]
        data = editor.form(pk)
        body = f"{data.get('body', '').rstrip()}\n\nソークテストの追記 {round_} です。\n"
        data.update(body=body, csrfmiddlewaretoken=editor.csrf(), _save="保存")
        if round_ % 5 == 4:
            data["status"] = "published"  # publish (again) through the form
            data.setdefault("published_at_0", time.strftime("%Y-%m-%d"))
            data.setdefault("published_at_1", time.strftime("%H:%M:%S"))
            data["confirm_health"] = "on"
        status, url, page = editor.post(f"/admin/blog/post/{pk}/change/", data)
        if status == 200 and "/change/" not in url:  # saved: redirected to the list
            accepted += 1
            edits[pk].append(body)
        elif "上書きを防ぐため保存していません" in page:
            refused += 1
        else:
            failed += 1
        slowest = max(slowest, time.monotonic() - started)
        round_ += 1
        time.sleep(max(0.0, 1.0 - (time.monotonic() - started)))
    print(json.dumps({"edits": edits, "accepted": accepted, "refused": refused, "failed": failed, "slowest_s": round(slowest, 3)}, ensure_ascii=False))  # fmt: skip


if __name__ == "__main__":
    main(*sys.argv[1:])
