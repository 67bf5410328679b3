"""Give posts saved before their language existed (language NULL) their language, phrase-marked
title and phrase-marked body headings, from what they store, without saving them again.

    python manage.py derive_language

Pages treat a NULL language as Japanese and show such a post's plain title, so this is not
required: each post gets them at its next save anyway (a deploy with new code derives again).
It is for an English archive that should be served as English now. Unlike a save it renders
nothing (0.5 ms a post, not 45: the stored, sanitised body_html is marked as it is), records
no revision, pings no hub and draws no card; the rows are written with one UPDATE a batch,
which moves the site's stamp, so no cached page keeps the old markup.
"""

from django.core.management.base import BaseCommand
from django.db import transaction

from blog.content.language import post_language
from blog.content.phrases import mark_headings, title_html
from blog.models import Post

BATCH = 500
FIELDS = ["title", "body_html", "language_override"]


class Command(BaseCommand):
    help = "言語が未設定の記事に、保存し直さずに言語と見出しの改行位置を設定します。"

    def handle(self, *args, **options):
        done, last = 0, 0
        while True:
            # Locked from the read to the write: an editor's save in between waits, then
            # derives its own (and is not overwritten by this batch's older text).
            with transaction.atomic():
                batch = list(
                    Post.objects.select_for_update()
                    .filter(language__isnull=True, pk__gt=last)
                    .order_by("pk")
                    .only(*FIELDS)[:BATCH]
                )
                if not batch:
                    break
                for post in batch:
                    post.language = post_language(
                        post.language_override, post.title, post.body_html
                    )
                    post.title_html = title_html(post.title, post.language)
                    post.body_html = mark_headings(post.body_html)
                Post.objects.bulk_update(batch, ["language", "title_html", "body_html"])
            done, last = done + len(batch), batch[-1].pk
        self.stdout.write(f"{done} 件の記事に言語を設定しました。")
