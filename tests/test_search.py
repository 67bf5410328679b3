"""Search for Japanese: every query length, width and case folding, filters, only published."""

import re
from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.urls import reverse

from blog.models import PostSearchDocument, Tag
from blog.search import document_fields, index_terms, parse_query, search
from blog.search.backends import candidate_sql

from .factories import AuthorFactory, CategoryFactory, PostFactory

pytestmark = pytest.mark.django_db


def found(query, **filters) -> list[str]:
    return [post.title for post in search(query, **filters)[:100]]


@pytest.fixture(params=["sparse", "dense", "dense-titles-walked"])
def plan(request, monkeypatch):
    """Each way a query runs: ranking every index candidate ("sparse"); reading posts newest
    first because the term is in more posts than CANDIDATE_LIMIT ("dense"), with the title
    hits listed from the title index, or walked too when the titles have the term that often."""
    limit = {"sparse": None, "dense": 1, "dense-titles-walked": 0}[request.param]
    if limit is not None:
        monkeypatch.setattr("blog.search.results.CANDIDATE_LIMIT", limit)
        monkeypatch.setattr("blog.search.results.WALK_FIRST_BATCH", 2)
    return request.param


@pytest.fixture
def corpus():
    """Posts shaped like the desk's: Japanese with Latin names, one with 東京 and 京都 apart."""
    return {
        "infra": PostFactory(
            title="AIインフラの新時代", body="FoxconnとOpenAIの提携で電力と投資が動く。"
        ),
        "tokyo": PostFactory(title="東京と京都の話", body="東京に住み、京都で働く。"),
        "tokyo_to": PostFactory(title="都の予算", body="東京都の電力計画を読む。"),
        "english": PostFactory(
            title="Why RSS still matters", body="An open feed is worth keeping."
        ),
        "draft": PostFactory(title="下書きの提携", body="提携と投資の下書き。", draft=True),
        "scheduled": PostFactory(title="予約の提携", body="提携の予約記事。", scheduled=True),
    }


def test_index_terms_are_cjk_unigrams_bigrams_trigrams_and_latin_words():
    """A Japanese sentence is indexed by characters, pairs and triples, Latin by words."""
    assert index_terms("ＡＩ提携") == ["ai", "提", "携", "提携", "ai提"]
    assert index_terms("産業界") == ["産", "業", "界", "産業", "業界", "産業界"]
    assert index_terms("言語Mojo") == ["言", "語", "言語", "mojo", "語mojo"]
    assert index_terms("OpenAI と GPU-5") == ["openai", "と", "gpu", "5"]


def test_a_document_stores_each_index_term_once_in_byte_order():
    """Stored terms are unique and sorted as PostgreSQL's tsvector sorts them (UTF-8 bytes),
    so building the vector never sorts a post's thousands of repeated terms."""
    tokens = document_fields("提携", "", "<p>提携と提携。OpenAI、ＡＩ提携</p>")["tokens"].split()
    assert tokens == sorted(set(tokens), key=lambda term: term.encode())
    assert tokens.count("提携") == 1 and {"openai", "ai", "ai提", "と"} <= set(tokens)


@pytest.mark.parametrize(
    ("query", "titles"),
    [
        ("電", ["AIインフラの新時代", "都の予算"]),  # one character
        ("提携", ["AIインフラの新時代"]),  # two characters, drafts and scheduled excluded
        ("東京都", ["都の予算"]),  # three: not the post that has 東京 and 京都 apart
        ("AIインフラ", ["AIインフラの新時代"]),  # mixed Latin and Japanese
        ("ＡＩ", ["AIインフラの新時代"]),  # full-width Latin
        ("ｲﾝﾌﾗ", ["AIインフラの新時代"]),  # half-width katakana
        ("openai", ["AIインフラの新時代"]),  # case-insensitive
        ("Open", ["Why RSS still matters"]),  # a whole word: not the "Open" of OpenAI
        ("feeds", []),  # a query's plural is not its singular
        ("feed", ["Why RSS still matters"]),
        (
            "京都 東京",
            ["東京と京都の話", "都の予算"],
        ),  # several terms: all must match (東京都 ⊃ 京都)
        ("京都 働く", ["東京と京都の話"]),
        ('"open feed"', ["Why RSS still matters"]),  # a quoted phrase
        ('"feed open"', []),
        ("存在しない語", []),
    ],
)
def test_each_query_kind_finds_the_right_posts(corpus, plan, query, titles):
    """1, 2 and 3+ characters, mixed, width/case folded, several terms, phrases."""
    assert sorted(found(query)) == sorted(titles)


def test_title_matches_rank_above_body_matches_then_newer_first(plan):
    """A title hit comes first; among equals the newer post does."""
    old = PostFactory(
        title="古い記事", body="投資の話。", published_at=datetime(2024, 1, 1, tzinfo=UTC)
    )
    new = PostFactory(
        title="新しい記事", body="投資の話。", published_at=datetime(2025, 1, 1, tzinfo=UTC)
    )
    titled = PostFactory(
        title="投資の基本", body="本文。", published_at=datetime(2023, 1, 1, tzinfo=UTC)
    )
    assert search("投資")[:20] == [titled, new, old] == list(search("投資"))
    assert search("投資")[2] == old


def test_filters_by_category_tag_author_and_year(plan):
    """Filters narrow the results and can be combined."""
    dev, hanako = CategoryFactory(name="開発"), AuthorFactory(name="山田 花子")
    a = PostFactory(title="検索A", body="検索。", categories=[dev], authors=[hanako], tags=["Django"],
                    published_at=datetime(2025, 5, 1, tzinfo=UTC))  # fmt: skip
    PostFactory(title="検索B", body="検索。", published_at=datetime(2024, 5, 1, tzinfo=UTC))
    assert found("検索", category=dev.slug) == [a.title]
    assert found("検索", tag="django") == [a.title]
    assert found("検索", author=hanako.slug) == [a.title]
    assert found("検索", year=2025) == [a.title]
    assert found("検索", category="nope") == []


@pytest.mark.parametrize("menus", [False, True], ids=["slugs-looked-up", "slugs-from-menus"])
def test_filters_resolve_slugs_alike_from_the_menus_or_the_database(plan, menus):
    """The search page resolves its filters from the menus it shows: the same posts as a
    lookup of each slug, a parent category takes in its sub-categories' posts, and a slug
    that no published post uses (a draft's tag, an unknown one) finds nothing."""
    from blog.models import filter_menus

    parent = CategoryFactory(name="技術")
    child = CategoryFactory(name="機械学習", parent=parent)
    hanako = AuthorFactory(name="山田 花子")
    a = PostFactory(
        title="検索A", body="検索。", categories=[child], authors=[hanako], tags=["Django"]
    )
    PostFactory(title="検索B", body="検索。", tags=["Rust"])
    PostFactory(title="検索C", body="検索。", tags=["秘密"], draft=True)
    given = {"menus": filter_menus()} if menus else {}
    assert found("検索", category=parent.slug, **given) == [a.title]
    assert found("検索", category=child.slug, tag="django", author=hanako.slug, **given) == [
        a.title
    ]
    assert found("検索", tag="rust", **given) == ["検索B"]
    secret = Tag.objects.get(name="秘密").slug
    assert found("検索", tag=secret, **given) == [] == found("検索", author="nope", **given)


def test_document_follows_saves_and_deletes():
    """Editing a post re-indexes it at once; deleting it removes it from results."""
    post = PostFactory(title="旧題", body="古い本文。")
    assert found("古い") == ["旧題"]
    post.body = "新しい本文。"
    post.save()
    assert found("古い") == [] and found("新しい") == ["旧題"]
    post.delete()
    assert found("新しい") == [] and not PostSearchDocument.objects.exists()


def test_rebuild_command_recreates_documents():
    """rebuild_search_index restores documents written around save() (bulk loads)."""
    PostFactory(title="再構築", body="索引を作り直す。")
    PostSearchDocument.objects.all().delete()
    assert found("索引") == []
    out = StringIO()
    call_command("rebuild_search_index", stdout=out)
    assert "1 post" in out.getvalue() and found("索引") == ["再構築"]


def test_snippet_highlights_matches_and_escapes_html(client):
    """The result snippet marks the match and shows markup as text."""
    PostFactory(title="安全", body="本文に `<script>alert(1)</script>` と投資の話。")
    page = client.get(reverse("blog:search"), {"q": "投資"}).content.decode()
    assert "<mark>投資</mark>" in page
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page


def test_snippet_marks_the_match_after_letters_that_fold_longer():
    """Case folding that lengthens a letter ("ß" → "ss") does not shift the highlight."""
    from blog.search import snippet

    html = str(snippet("Straße und Maße: AIの投資。", parse_query("投資 ai")))
    assert "<mark>投資</mark>" in html and "<mark>AI</mark>" in html


def test_search_page_handles_empty_long_and_odd_queries(client, corpus):
    """No query shows the form; long and odd input gets a normal page; filters stay in the URL."""
    empty = client.get(reverse("blog:search"))
    assert empty.status_code == 200 and "件の記事が見つかりました" not in empty.content.decode()
    for q in ["x" * 500, "%", "_", "'", '"', "\\", "*", "AND OR NOT", ":*", "&|!()"]:
        assert client.get(reverse("blog:search"), {"q": q}).status_code == 200, q
    assert client.get(reverse("blog:search") + "?q=%FF%FE&year=abcd&tag=%01").status_code == 200
    # A NUL byte is refused site-wide (site_config/middleware.py; tests/test_security.py).
    assert client.get(reverse("blog:search") + "?q=%FF%FE&tag=%00").status_code == 400
    year = str(corpus["infra"].published_at.year)
    page = client.get(reverse("blog:search"), {"q": "提携", "year": year}).content.decode()
    assert f'<option value="{year}" selected>' in page  # the filter stays selected
    assert (
        "1件の記事が見つかりました"
        in client.get(reverse("blog:search"), {"q": "提携"}).content.decode()
    )


def test_about_n_results_above_a_thousand(monkeypatch, client):
    """Above the exact-count limit the page says "about" instead of counting every row."""
    monkeypatch.setattr("blog.search.results.EXACT_COUNT_LIMIT", 3)
    PostFactory.create_batch(5, body="共通の語。")
    assert search("共通").count_text == "約3件以上"
    assert "約3件以上" in client.get(reverse("blog:search"), {"q": "共通"}).content.decode()


def _common_term_posts(count: int, titled: int = 2) -> list:
    """`count` posts with 共通語 in the body, the first `titled` also in the title, an hour
    apart (index 0 the newest)."""
    now = datetime(2026, 1, 1, tzinfo=UTC)
    return [
        PostFactory(
            title=f"共通語{i}" if i < titled else f"記事{i}",
            body="共通語の話。",
            published_at=now - timedelta(hours=i),
        )
        for i in range(count)
    ]


def test_common_term_pages_walk_newest_first_after_title_hits(monkeypatch, client):
    """Past CANDIDATE_LIMIT the pages still rank title hits first, then newest, with no
    post twice or missing, and the last page is exact."""
    monkeypatch.setattr("blog.search.results.CANDIDATE_LIMIT", 5)
    monkeypatch.setattr("blog.search.results.WALK_FIRST_BATCH", 3)
    posts = _common_term_posts(45, titled=2)
    expected = [p.title for p in posts[:2]] + [p.title for p in posts[2:]]
    pages = []
    for number in (1, 2, 3):
        response = client.get(reverse("blog:search"), {"q": "共通語", "page": number})
        pages += [post.title for post in response.context["posts"]]
    assert pages == expected
    results = search("共通語")
    assert results.count_text == "約1,000件以上"  # more candidates than can be ranked cheaply
    results[0:100]  # reading to the end makes the count exact
    assert results.count_text == "45件"


def test_common_term_in_a_small_category_is_counted_exactly(monkeypatch):
    """A common term filtered to a small category is checked against that category's posts."""
    monkeypatch.setattr("blog.search.results.CANDIDATE_LIMIT", 5)
    dev = CategoryFactory(name="開発")
    _common_term_posts(8)
    PostFactory(title="カテゴリ内", body="共通語とAIインフラ。", categories=[dev])
    PostFactory(title="語なし", body="別の話。", categories=[dev])
    results = search("共通語", category=dev.slug)
    assert [post.title for post in results[0:20]] == ["カテゴリ内"]
    assert results.count_text == "1件"
    assert [p.title for p in search("AIインフラ 共通語", category=dev.slug)[0:20]] == ["カテゴリ内"]


def test_reading_to_the_end_makes_the_pages_exact(monkeypatch, client):
    """When a common term's walk reads every post before the page is full, the page says the
    exact count, offers no next page, and the pages past the end are 404s."""
    monkeypatch.setattr("blog.search.results.CANDIDATE_LIMIT", 2)
    _common_term_posts(3, titled=0)
    PostFactory.create_batch(3, body="共通語の下書き。", draft=True)  # candidates, not results
    page = client.get(reverse("blog:search"), {"q": "共通語"})
    assert "3件の記事が見つかりました" in page.content.decode()
    assert page.context["page_obj"].has_next() is False
    assert client.get(reverse("blog:search"), {"q": "共通語", "page": 2}).status_code == 404


def test_count_is_exact_or_says_about(monkeypatch):
    """Terms the index answers exactly are counted exactly; longer terms are checked in full
    up to CONFIRM_ALL_LIMIT candidates, and beyond it the count is an "about" estimate."""
    PostFactory.create_batch(3, body="東京都庁の話。")
    PostFactory(body="東京都と京都庁の話。")  # a candidate for 東京都庁, not a match
    assert search("東京都").count_text == "4件"
    assert search("東京都庁").count_text == "3件"
    monkeypatch.setattr("blog.search.results.CONFIRM_ALL_LIMIT", 2)
    results = search("東京都庁")
    assert results.count_text == "約4件" and len(results[0:20]) == 3


def test_filter_choices_are_cached_until_a_post_changes(client):
    """The filter menus cost no queries while nothing changes, and a new post's tag shows."""
    from django.core.cache import cache
    from django.test.utils import CaptureQueriesContext

    PostFactory(tags=["Django"])
    url = reverse("blog:search")
    client.get(url, {"q": "x"})
    # Other searches each time: a page cached whole (blog/pagecache.py) would make no query.
    with CaptureQueriesContext(connection) as cached:
        client.get(url, {"q": "y"})
    cache.clear()
    with CaptureQueriesContext(connection) as uncached:
        client.get(url, {"q": "z"})
    assert len(uncached) == len(cached) + 2  # the names (blog/models/counts.py), the years
    PostFactory(tags=["Rust"])
    assert "#Rust</option>" in client.get(url, {"q": "x"}).content.decode()


def test_the_tag_menu_offers_the_most_used_tags_and_the_chosen_one(client, monkeypatch):
    """The menu lists the most used tags by name (5,000 options made a 300 KB page); a rarer
    tag, chosen by a link, is offered too and filters like any other."""
    monkeypatch.setattr("blog.models.visibility.MENU_TAGS", 2)
    for n, tag in enumerate(["Rust", "Django", "AI"]):
        for _ in range(3 - n):
            PostFactory(title=f"記事{tag}", body="記事。", tags=[tag])
    PostFactory(title="珍しい", body="記事。", tags=["珍"])
    url = reverse("blog:search")
    page = client.get(url, {"q": "記事"}).content.decode()
    offered = re.findall(r'<option value="[^"]*"(?: selected)?>#([^<]*)</option>', page)
    assert offered == ["Django", "Rust"]
    rare = Tag.objects.get(name="珍").slug
    response = client.get(url, {"q": "記事", "tag": rare})
    assert [post.title for post in response.context["posts"]] == ["珍しい"]
    offered = re.findall(
        r'<option value="[^"]*"(?: selected)?>#([^<]*)</option>', response.content.decode()
    )
    assert offered == ["Django", "Rust", "珍"]


def test_filter_menus_escape_names_and_mark_the_chosen_one(client):
    """Every name in the menus is escaped, and the chosen filter is the one selected option."""
    PostFactory(tags=['<b>"x"&y</b>', "Django"], categories=[CategoryFactory(name="<i>カ</i>")])
    page = client.get(reverse("blog:search"), {"q": "x", "tag": "django"}).content.decode()
    assert "<b>" not in page and "<i>" not in page
    assert "#&lt;b&gt;&quot;x&quot;&amp;y&lt;/b&gt;</option>" in page
    assert "&lt;i&gt;カ&lt;/i&gt;</option>" in page
    assert page.count(" selected>") == 1
    assert '<option value="django" selected>#Django</option>' in page


def _plan(sql, params) -> str:
    with transaction.atomic(), connection.cursor() as cursor:
        # As on a table too big to read whole (the test's has a few rows on one page).
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + sql, params)
        return "\n".join(row[0] for row in cursor.fetchall())


@pytest.mark.postgres
@pytest.mark.parametrize("query", ["電", "提携", "東京都", "AIインフラ", "open"])
@pytest.mark.parametrize(
    ("column", "index"),
    [("tokens", "blog_search_vector_gin"), ("title_tokens", "blog_search_title_gin")],
)
def test_postgresql_plan_uses_the_gin_index(corpus, query, column, index):
    """Candidates for every query length come from a GIN index, never a scan of documents."""
    plan = _plan(*candidate_sql(parse_query(query), column, 1001))
    assert f"Bitmap Index Scan on {index}" in plan and "Seq Scan" not in plan


@pytest.mark.postgres
def test_postgresql_walk_reads_the_date_index_and_checks_each_post(corpus, monkeypatch):
    """A common term's walk goes down the posts' date index and checks each post's document
    as it comes (a subplan): as a join, the planner took the substring to be rare and read
    every document, then sorted the matches (1.6 s for 開発 at 100,000 posts)."""
    from django.test.utils import CaptureQueriesContext

    monkeypatch.setattr("blog.search.results.CANDIDATE_LIMIT", 0)  # walk, whatever the term
    with CaptureQueriesContext(connection) as captured:
        assert sorted(post.title for post in search("東京")[0:20]) == ["東京と京都の話", "都の予算"]
    walks = [q["sql"] for q in captured if "LIKE" in q["sql"] and "ORDER BY" in q["sql"]]
    assert walks
    for sql in walks:
        plan = _plan(sql, None)  # the SQL as run, its values in place
        assert "SubPlan" in plan and "Index Scan" in plan and "Sort" not in plan, plan


TEXTS = [
    "AIインフラの新時代", "OpenAIインフラ", "日本AIの話", "AI化する現場", "言語Mojoliciousを試す",
    "言語Mojo", "GPU-5とgpuサーバー", "東京と京都", "東京都", "ＡＩ提携", "Rust製のAI", "mojo言語",
    "plain aim", "GPUs言語", "言語GPUsの", "The GPUs",
]  # fmt: skip
QUERIES = ["AIインフラ", "AI", "ai化", "言語Mojo", "Mojo言語", "gpu", "GPUサーバー", "東京都", "京都", "AI提携", "製", "言語GPU", "GPU言語"]  # fmt: skip


@pytest.mark.parametrize("query", QUERIES)
def test_row_check_pattern_agrees_with_the_index(query):
    """The per-row check a walk uses on SQLite (a regular expression on the text) accepts a
    text exactly when the text's index terms have every term of the query."""
    import re

    from blog.search.terms import lexeme_pattern, normalize, word_forms

    for text in TEXTS:
        terms = set(index_terms(text))
        for term in parse_query(query):
            for lexeme, inflected in term.lexemes:
                in_index = bool(terms & set(word_forms(lexeme, inflected)))
                pattern = re.compile(lexeme_pattern(lexeme, inflected), re.IGNORECASE)
                assert bool(pattern.search(normalize(text))) == in_index, (text, lexeme)


@pytest.mark.postgres
def test_postgresql_keeps_no_statistics_on_the_vectors():
    """The vectors have no planner statistics, so a common term's candidates are still read
    from the GIN index (with them the planner scanned every document: migration 0004)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT attname, attstattarget FROM pg_attribute "
            "WHERE attrelid = 'blog_postsearchdocument'::regclass "
            "AND attname IN ('search_vector', 'title_vector') ORDER BY attname"
        )
        assert cursor.fetchall() == [("search_vector", 0), ("title_vector", 0)]


def test_a_very_long_word_is_saved_and_the_rest_of_the_post_found():
    """A pasted hash or base64 blob (no spaces, thousands of letters) is not an index term: the
    post still saves on both databases and its other words are found."""
    PostFactory(title="長い語", body="データ " + "A" * 3000 + " と提携。")
    assert found("提携") == ["長い語"]
    assert "a" * 3000 not in index_terms("A" * 3000)


def test_kana_punctuation_separates_words_on_both_databases():
    """The middle dot and voicing marks are separators for us as for FTS5: a name written with
    ・ is found whole and by its parts, and a query of punctuation alone finds nothing."""
    PostFactory(title="時計", body="アップル・ウォッチの新型。")
    PostFactory(title="別", body="アップルとウォッチ。")
    assert found("アップル・ウォッチ") == ["時計"]
    assert found("ル・ウ") == ["時計"]
    assert sorted(found("ウォッチ")) == ["別", "時計"]
    assert found("・") == [] and found("゛") == []
    assert "・" not in "".join(index_terms("アップル・ウォッチ"))


def test_parse_query_limits_terms_and_length():
    """A pasted essay becomes a bounded query."""
    assert len(parse_query(" ".join(f"語{i}" for i in range(50)))) == 8
    assert parse_query("   ") == [] and parse_query("!!! ???") == []


def test_opensearch_description_lets_browsers_add_the_search(client):
    """Every page links an OpenSearch description whose template points at /search/."""
    from xml.etree import ElementTree

    assert (
        'rel="search" type="application/opensearchdescription+xml"'
        in client.get("/").content.decode()
    )
    response = client.get(reverse("blog:opensearch"))
    assert response["Content-Type"].startswith("application/opensearchdescription+xml")
    root = ElementTree.fromstring(response.content)
    ns = {"os": "http://a9.com/-/spec/opensearch/1.1/"}
    urls = [u.get("template") for u in root.findall("os:Url", ns)]
    assert "http://testserver/search/?q={searchTerms}" in urls


def test_rebuild_works_in_batches_and_replaces_stale_documents():
    """A batched rebuild writes every post once and overwrites outdated documents."""
    from blog.search import rebuild_search_index

    posts = PostFactory.create_batch(5, body="一括で作り直す。")
    PostSearchDocument.objects.filter(post=posts[0]).update(tokens="", text="")
    assert len(found("一括")) == 4
    assert rebuild_search_index(batch_size=2) == 5
    assert len(found("一括")) == 5 and PostSearchDocument.objects.count() == 5


def test_only_terms_the_index_answers_exactly_skip_the_substring_check():
    """One to three CJK characters, a word, or a word touching one CJK character are exact in
    the index; longer or spaced terms are checked on the text, and found only where whole."""
    terms = parse_query('電 提携 東京都 AI AI化 化AI AIインフラ "open feed"')
    assert [t.exact for t in terms] == [True, True, True, True, True, True, False, False]
    assert parse_query("東京都庁")[0].exact is False
    PostFactory(title="別々", body="AIの話と、化学の話。")
    PostFactory(title="一続き", body="業務のAI化が進む。")
    assert found("AI化") == ["一続き"] and found("ai化") == ["一続き"]


def test_a_rare_triple_of_common_pairs_is_one_index_term(plan):
    """産業界 is found from its own index term, not by reading every post that has 産業 and
    業界 (both common): the posts with only the pairs are not candidates at all."""
    PostFactory.create_batch(3, title="対", body="産業の話と業界の話。")
    PostFactory(title="産業界の記事", body="産業界が動く。")
    assert parse_query("産業界")[0].lexemes == (("産業界", False),)
    assert found("産業界") == ["産業界の記事"]
    if plan == "sparse":  # the other plans are made to walk, however few the candidates
        assert search("産業界").count_text == "1件"
