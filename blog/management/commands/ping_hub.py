"""Tell the WebSub hub about the posts that went live in the last minutes: a scheduled post
goes live with no save, so no save can ping for it (blog/websub.py). Cron runs this."""

from django.core.management.base import BaseCommand, CommandError

from blog import websub


class Command(BaseCommand):
    help = "Ping the WebSub hub (WEBSUB_HUB_URL) with the feeds of posts that went live lately."

    def add_arguments(self, parser):
        parser.add_argument(
            "--minutes",
            type=int,
            default=10,
            help="posts whose publication time came in this many minutes (default 10); "
            "run it more often than that, e.g. every 5 minutes",
        )

    def handle(self, *args, minutes, **options):
        if not websub.hub_url():
            self.stdout.write("WEBSUB_HUB_URL is not set: nothing to do.")
            return
        posts = websub.went_live(minutes)
        if not posts:
            self.stdout.write(f"No post went live in the last {minutes} minutes.")
            return
        paths = websub.feed_urls(posts)
        if not websub.send(paths):  # here and now: the command reports what happened
            raise CommandError("the hub was not reached (see the log)")
        self.stdout.write(f"Pinged the hub: {len(posts)} posts, {len(paths)} feeds.")
