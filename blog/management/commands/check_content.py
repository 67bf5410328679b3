"""Report every post's content health, or clean named posts.

    python manage.py check_content               # posts with findings, then a summary
    python manage.py check_content --json        # [{"post": slug, "findings": [...]}, ...]
    python manage.py check_content --clean SLUG [SLUG ...]

Findings are computed afresh (blog.content.health.check_post), not read from the stored ones, so the
report is right even for posts saved before a rule changed. --clean saves each post through
Post.save() (which renders the body again and stores the new health), recorded as a revision.
"""

import json

from django.core.management.base import BaseCommand, CommandError

from blog.content.health import Severity, check_post, clean_body, overall
from blog.models import Post
from blog.revisions import CLEANED, recorded

# What check_post reads: loading only these keeps a large table's bodies off the report's way.
CHECK_FIELDS = ["slug", "title", "excerpt", "body", "body_html", "reading_time_override"]


class Command(BaseCommand):
    help = "記事の健全性（生成マーカー、重複、途切れた結びなど）を報告し、--clean で修復します。"

    def add_arguments(self, parser):
        parser.add_argument(
            "--json", action="store_true", help="全記事の指摘を JSON の配列で出力する"
        )
        parser.add_argument(
            "--clean",
            nargs="+",
            metavar="SLUG",
            help="指定した記事から生成マーカー・重複・言い換えの繰り返しを取り除いて保存する",
        )

    def handle(self, *args, **options):
        if options["clean"]:
            self._clean(options["clean"])
        elif options["json"]:
            self._report_json()
        else:
            self._report(verbose=options["verbosity"] > 1)

    def _checked_posts(self):
        posts = Post.objects.only(*CHECK_FIELDS).order_by("slug")
        for post in posts.iterator(chunk_size=200):
            yield post, check_post(post)

    def _report_json(self):
        report = [
            {"post": post.slug, "findings": [finding.as_dict() for finding in findings]}
            for post, findings in self._checked_posts()
        ]
        self.stdout.write(json.dumps(report, ensure_ascii=False, indent=2))

    def _report(self, *, verbose: bool):
        totals = dict.fromkeys(Severity, 0)
        for post, findings in self._checked_posts():
            totals[overall(findings)] += 1
            if not findings:
                if verbose:
                    self.stdout.write(f"{post.slug}\n  ok")
                continue
            self.stdout.write(post.slug)
            for finding in findings:
                severity = finding.severity
                line = f"  {severity.symbol} {severity:<7} {finding.code}: {finding.message}"
                style = self.style.ERROR if severity == Severity.ERROR else self.style.WARNING
                self.stdout.write(style(line))
        counts = "、".join(
            f"{severity.label} {totals[severity]} 件" for severity in reversed(Severity)
        )
        summary = f"{sum(totals.values())} 件の記事: {counts}"
        self.stdout.write(self.style.ERROR(summary) if totals[Severity.ERROR] else summary)

    def _clean(self, slugs: list[str]):
        posts = {post.slug: post for post in Post.objects.filter(slug__in=slugs)}
        missing = []
        for slug in dict.fromkeys(slugs):  # each once, in the order given
            post = posts.get(slug)
            if post is None:
                missing.append(slug)
                continue
            before = check_post(post)
            cleaned = clean_body(post.body, post.title)
            if cleaned == post.body:
                self.stdout.write(f"{slug}: 変更なし（指摘 {len(before)} 件）")
                continue
            post.body = cleaned
            with recorded(f"{CLEANED}（check_content --clean）"):
                saved = post.save_unless_stale()
            if not saved:
                self.stdout.write(
                    self.style.WARNING(
                        f"{slug}: 他の編集者が保存したため変更していません。もう一度実行してください。"
                    )
                )
                continue
            self.stdout.write(
                self.style.SUCCESS(
                    f"{slug}: クリーンアップしました（指摘 {len(before)} 件 → "
                    f"{len(post.health_findings)} 件、{post.get_health_display()}）"
                )
            )
        if missing:
            raise CommandError(f"記事が見つかりません: {', '.join(missing)}")
