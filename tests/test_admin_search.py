"""The admin's post search goes through the site's Japanese search index: it finds words in
titles, excerpts and bodies of posts in any state, and never scans the bodies with LIKE."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from .factories import PostFactory

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:blog_post_changelist")


def listed(client, query: str) -> tuple[set[str], list[str]]:
    """The titles the list shows for ?q=, and the SQL it ran."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(CHANGELIST, {"q": query})
    assert response.status_code == 200
    titles = {post.title for post in response.context["cl"].result_list}
    return titles, [query["sql"] for query in queries.captured_queries]


def test_admin_search_finds_a_japanese_word_in_a_body_through_the_index(staff_client):
    """A word only a draft's body has is found; the SQL reads the index (the search document),
    and no statement compares the posts' bodies with LIKE."""
    PostFactory(title="下書きの記事", draft=True, body="量子コンピューターの試作機が動いた。")
    PostFactory(title="関係のない記事", body="天気の話です。")
    titles, sql = listed(staff_client, "量子コンピューター")
    assert titles == {"下書きの記事"}
    assert any("blog_postsearchdocument" in statement for statement in sql)
    body_like = re.compile(r'"blog_post"\."body"[^,]*LIKE', re.IGNORECASE)
    assert not any(body_like.search(statement) for statement in sql)


def test_admin_search_checks_longer_terms_on_the_text(staff_client):
    """東京都庁 is not a post that has 東京都 and 京都庁 apart: the stored text confirms it, as on
    the site; every term of a query must match."""
    PostFactory(title="一続き", body="東京都庁の展望室。")
    PostFactory(title="別々", body="東京都と京都庁の話。")
    assert listed(staff_client, "東京都庁")[0] == {"一続き"}
    assert listed(staff_client, "東京都")[0] == {"一続き", "別々"}
    assert listed(staff_client, "東京都 展望室")[0] == {"一続き"}


def test_admin_search_reads_titles_and_excerpts_and_nothing_for_punctuation(staff_client):
    """A title word and an excerpt word are found; a query of punctuation alone finds no post
    (rather than every post)."""
    PostFactory(title="生成AIの論考", body="本文。")
    PostFactory(title="別の記事", excerpt="宇宙開発の抜粋。", body="本文。")
    assert listed(staff_client, "生成ai")[0] == {"生成AIの論考"}
    assert listed(staff_client, "宇宙開発")[0] == {"別の記事"}
    assert listed(staff_client, "!!!")[0] == set()
