"""A post's language: detected at save from its text (or the editor's choice), and followed by
the page's lang, og:locale and JSON-LD inLanguage."""

import json
import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from blog.content.language import (
    JA_THRESHOLD,
    cjk_share,
    detect_language,
    og_locale,
    post_language,
    prose_text,
)
from blog.content.markdown import render_markdown
from blog.models import Post
from blog.models.derived import derivation_key

from .factories import PostFactory

ENGLISH_BODY = (
    "We met Taro Yamada (山田太郎) in Tokyo (東京) to talk about how his team moved its services "
    "to Rust. He explained that the hardest part was not the language but the build pipeline, "
    "which had grown over ten years of shell scripts.\n"
)

# The table of blog/content/language.py: (text, its language).
CASES = [
    pytest.param(
        "GPUクラスタをKubernetesで運用する\nKubernetes 1.31 で導入された Sidecar Containers を"
        "使うと、Pod の起動順序を制御できる。initContainers に restartPolicy: Always を指定します。",
        "ja",
        id="japanese-thick-with-english-terms",
    ),
    pytest.param("Rustの非同期ランタイム比較: Tokio vs async-std", "ja", id="japanese-latin-title"),
    pytest.param("日本語の全文検索はなぜ難しいのか", "ja", id="plain-japanese"),
    pytest.param("An interview with 山田太郎 about Rust", "en", id="english-title-japanese-name"),
    pytest.param(
        "An interview with 山田太郎 about Rust\n" + ENGLISH_BODY, "en", id="english-post-quoting"
    ),
    pytest.param(
        "Kaizen in software teams\nThe Japanese word kaizen (改善) means continuous improvement. "
        "Toyota's 改善活動 became a model for lean manufacturing.",
        "en",
        id="english-about-japanese-terms",
    ),
    pytest.param("ＡＩ導入の現状", "ja", id="full-width-latin"),
    pytest.param("Five Habits for Securing an Editorial CMS", "en", id="plain-english"),
]


@pytest.mark.parametrize(("text", "language"), CASES)
def test_detection_table(text, language):
    """Each case of the documented table is told apart, on the side of the threshold it claims."""
    assert detect_language(text) == language
    assert (cjk_share(text) >= JA_THRESHOLD) == (language == "ja")


def test_text_without_letters_is_japanese():
    """An empty draft, or one of digits and symbols only, is the site's language."""
    assert cjk_share("2025 — 100%") is None
    assert detect_language("") == detect_language("2025 — 100%") == "ja"


def test_code_and_urls_are_not_counted():
    """A short Japanese text beside a long English code block and a long URL is still Japanese:
    code and URLs are Latin whatever language the prose is in."""
    code = "\n".join(f"    result_{i} = compute_something_long(argument_{i})" for i in range(40))
    source = (
        "設定の手順を説明します。\n\n```python\n" + code + "\n```\n\n"
        "詳細は https://example.com/very/long/english/path/about/configuration を参照。"
        "`kubectl apply --filename deployment.yaml` を実行。\n"
    )
    body_html = render_markdown(source).html
    assert detect_language(prose_text(body_html)) == "ja"
    # The same text with its code counted would have been English: the rule is what saves it.
    assert detect_language(source) == "en"


def test_override_wins_over_the_text():
    """The editor's choice is the language whatever the text says; an empty one is detected."""
    body_html = render_markdown(ENGLISH_BODY).html
    assert post_language("", "Interview", body_html) == "en"
    assert post_language(None, "Interview", body_html) == "en"
    assert post_language("ja", "Interview", body_html) == "ja"
    assert post_language("en", "日本語の記事", render_markdown("日本語の本文。").html) == "en"


def test_og_locale():
    """Open Graph locales of the two languages; NULL (not derived yet) is Japanese."""
    assert [og_locale(x) for x in ("ja", "en", None, "")] == ["ja_JP", "en_US", "ja_JP", "ja_JP"]


@pytest.mark.django_db
def test_save_detects_and_a_changed_override_derives_again():
    """A save stores the detected language; changing only the override changes the derivation
    key, so the next save derives again and stores the editor's choice (and back)."""
    post = PostFactory(title="An interview about Rust", body=ENGLISH_BODY, excerpt="")
    post.refresh_from_db()
    assert post.language == "en"
    key = post.derived_from
    post.language_override = "ja"
    assert derivation_key(post) != key
    post.save()
    post.refresh_from_db()
    assert post.language == "ja" and post.derived_from != key
    post.language_override = ""
    post.save()
    post.refresh_from_db()
    assert post.language == "en"


@pytest.mark.django_db
def test_a_status_change_keeps_the_language():
    """A save that changes no input (unpublish) keeps the derived language as it was."""
    post = PostFactory(title="An interview about Rust", body=ENGLISH_BODY)
    Post.objects.filter(pk=post.pk).update(language="xx")  # a marker: derive() never writes it
    post = Post.objects.get(pk=post.pk)
    post.status = Post.Status.DRAFT
    post.save()
    assert Post.objects.get(pk=post.pk).language == "xx"


def _page(client, post) -> str:
    response = client.get(post.get_absolute_url())
    assert response.status_code == 200
    return response.content.decode()


def _head(page: str) -> tuple[str, str, str]:
    """(<html lang>, og:locale, JSON-LD inLanguage) of a page."""
    lang = re.search(r'<html lang="([^"]*)"', page).group(1)
    locale = re.search(r'<meta property="og:locale" content="([^"]*)"', page).group(1)
    data = re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.S).group(1)
    return lang, locale, json.loads(data)["inLanguage"]


@pytest.mark.django_db
def test_an_english_post_page_is_english_and_a_japanese_one_japanese(client):
    """The page's lang, og:locale and inLanguage follow each post's language; the Japanese
    site header and footer of the English page say they are Japanese."""
    english = PostFactory(title="An interview about Rust", body=ENGLISH_BODY, excerpt="")
    japanese = PostFactory(title="日本語の全文検索", body="日本語の本文です。")
    page = _page(client, english)
    assert _head(page) == ("en", "en_US", "en")
    assert '<header class="site-header" lang="ja">' in page
    assert '<footer class="site-footer" lang="ja">' in page
    page = _page(client, japanese)
    assert _head(page) == ("ja", "ja_JP", "ja")
    assert 'class="site-header" lang=' not in page


@pytest.mark.django_db
def test_the_override_reaches_the_page(client):
    """An English text an editor marked Japanese is served as Japanese."""
    post = PostFactory(title="An interview", body=ENGLISH_BODY, language_override="ja")
    assert _head(_page(client, post)) == ("ja", "ja_JP", "ja")


@pytest.mark.django_db
def test_a_post_not_derived_since_the_field_came_is_japanese(client):
    """A stored post whose language is NULL (saved before it existed) is served as ja."""
    post = PostFactory(title="An interview about Rust", body=ENGLISH_BODY)
    Post.objects.filter(pk=post.pk).update(language=None, title_html=None)
    page = _page(client, post)
    assert _head(page) == ("ja", "ja_JP", "ja")
    assert "<h1>An interview about Rust</h1>" in page  # the tag's fallback: the plain title


@pytest.mark.django_db
def test_a_preview_of_an_english_draft_is_english(staff_client):
    """The staff preview follows the draft's language too."""
    post = PostFactory(title="A draft about Rust", body=ENGLISH_BODY, draft=True)
    assert _head(_page(staff_client, post))[:2] == ("en", "en_US")


@pytest.mark.django_db
def test_an_english_post_in_a_list_says_so(client):
    """In a Japanese list, an English post's title and summary carry lang="en"; a Japanese
    post's carry nothing (they inherit ja)."""
    english = PostFactory(title="An interview about Rust", body=ENGLISH_BODY, excerpt="")
    PostFactory(title="日本語の記事", excerpt="日本語の抜粋。")
    page = client.get(reverse("blog:post_list")).content.decode()
    assert f'<h2 lang="en"><a href="{english.get_absolute_url()}">' in page
    assert '<p class="summary" lang="en">We met Taro Yamada' in page
    assert page.count('lang="en"') == 2


@pytest.mark.django_db
def test_derive_language_fills_posts_saved_before_the_field(client):
    """manage.py derive_language gives NULL-language posts their language, marked title and
    marked headings from what they store, leaves derived posts alone, and changes nothing run
    again; the English one's page is then English."""
    english = PostFactory(title="An interview about Rust", body="## Notes\n\n" + ENGLISH_BODY)
    japanese = PostFactory(title="提携企業のインフラ事例", body="## 導入の背景\n\n本文です。\n")
    kept = PostFactory(title="An English post", body=ENGLISH_BODY, language_override="ja")
    expected = {p.pk: Post.objects.values("language", "title_html", "body_html").get(pk=p.pk)
                for p in (english, japanese)}  # fmt: skip
    plain = {"language": None, "title_html": None}
    Post.objects.filter(pk__in=expected).update(**plain)
    Post.objects.filter(pk=japanese.pk).update(body_html=japanese.body_html.replace("<wbr>", ""))
    out = StringIO()
    call_command("derive_language", stdout=out)
    assert "2 件" in out.getvalue()
    for pk, fields in expected.items():
        assert Post.objects.values(*fields).get(pk=pk) == fields
    assert Post.objects.get(pk=kept.pk).language == "ja"
    call_command("derive_language", stdout=StringIO())
    assert Post.objects.get(pk=japanese.pk).body_html == expected[japanese.pk]["body_html"]
    assert _head(_page(client, english)) == ("en", "en_US", "en")
