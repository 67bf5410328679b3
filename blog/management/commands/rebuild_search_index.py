from django.core.management.base import BaseCommand

from blog.search import rebuild_search_index


class Command(BaseCommand):
    help = "Rebuild the stored search document of every post (after a bulk load, say)."

    def handle(self, *args, **options):
        count = rebuild_search_index()
        self.stdout.write(self.style.SUCCESS(f"Rebuilt the search documents of {count} post(s)."))
