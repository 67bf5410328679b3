"""Make the social cards that are missing or stale (blog/images/cards.py).

A post's card is made when its save commits; this command covers what changes a card
without a save: a renamed category, a new site name, a new design (cards.DESIGN), a media
directory restored without its cards. Run it after a deploy; it draws only the cards whose
content-addressed name differs from the stored one, so a second run draws nothing.
`--site` rewrites the site's own card, the static file blog/static/blog/card.png, from the
current settings (commit it, then collectstatic).
"""

import time

from django.core.management.base import BaseCommand

from blog.images import cards
from blog.models import Post

BATCH = 500


class Command(BaseCommand):
    help = "記事のソーシャルカード（OGP画像）のうち、ないもの・古いものを作り直します。"

    def add_arguments(self, parser):
        parser.add_argument(
            "--site", action="store_true", help="サイト全体のカード（静的ファイル）も作り直す"
        )

    def handle(self, *args, site=False, **options):
        if site:
            cards.SITE_CARD_PATH.write_bytes(cards.render_site_card())
            self.stdout.write(f"サイトのカード：{cards.SITE_CARD_PATH}")
        started, made, checked = time.perf_counter(), 0, 0
        pks = list(Post.objects.order_by("pk").values_list("pk", flat=True))
        for start in range(0, len(pks), BATCH):
            batch = pks[start : start + BATCH]
            # One query checks a batch; only the stale cards are drawn and written.
            made += cards.refresh_cards(dict.fromkeys(batch))
            checked += len(batch)
        elapsed = (time.perf_counter() - started) * 1000
        per_card = f"、1枚 {elapsed / made:.0f} ms" if made else ""
        self.stdout.write(
            self.style.SUCCESS(
                f"{checked} 件の記事を確認し、{made} 枚のカードを作りました{per_card}。"
            )
        )
