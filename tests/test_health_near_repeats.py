"""Near-repeats and the title repeated as the first paragraph: what clean_body(body, title)
removes, what it leaves for the editor, and what check_text() says about both.

seed_generated.md is shaped like the seed (the FoxconnとOpenAI article as exported): the title
as the first paragraph, continuations that restart and are cut off, a deeper second half from
「だが、ただ見守るだけではもったいない。」, and one paraphrased sentence in it."""

import io
import re
import unicodedata
from difflib import SequenceMatcher

import pytest
from django.core.management import call_command
from django.urls import reverse

from blog.content.health import check_text, clean_body, overall
from blog.content.markdown import render_markdown
from blog.content.reading_time import reading_minutes

from .admin_forms import form_data
from .factories import PostFactory
from .health_texts import codes, fixture, paragraphs, sentences

TITLE = "九州の半導体工場と電力会社が提携、地方製造業の新時代か？"
EARLIER = (
    "設計者と現場の技術者が密接に連携する「共同設計」の進め方が、今後ますます重要になるはずだ。"
)
PARAPHRASE = "設計者と現場の技術者が密接に連携する「共同設計」の進め方は、今後ますます主流になる。"
FILLER = "別の段落はここで完結しています。\n\n次の段落もここで話を続けています。\n\n"


def findings(body, title="題", **kw):
    return check_text(title, "抜粋です。", body, **kw)


def near(body, title="題"):
    return [f.message for f in findings(body, title) if f.code == "near-repeat"]


def _key(text):
    """Letters and digits only, NFKC: the test's own normalisation, not the module's."""
    return re.sub(r"[\W_]", "", unicodedata.normalize("NFKC", text)).casefold()


# --- The seed-shaped draft ------------------------------------------------------------------


def test_seed_like_draft_cleans_to_one_article():
    """Markers, repeats, cut-offs, the title paragraph and the paraphrase go; nothing else."""
    cleaned = clean_body(fixture("seed_generated.md"), TITLE)
    assert cleaned == fixture("seed_reference.md")
    assert len(paragraphs(fixture("seed_generated.md"))) == 36 and len(paragraphs(cleaned)) == 15
    assert EARLIER in cleaned and PARAPHRASE not in cleaned
    assert not cleaned.startswith(TITLE)


def test_cleaned_seed_like_draft_is_healthy_and_stable():
    """The cleaned draft has no finding at all, and cleaning it again changes nothing."""
    cleaned = clean_body(fixture("seed_generated.md"), TITLE)
    assert [f.code for f in findings(cleaned, TITLE)] == []
    assert clean_body(cleaned, TITLE) == cleaned


def test_seed_like_draft_reports_the_title_and_the_paraphrase_before_clean_up():
    """Before clean-up: a title finding, and the paraphrase quoted twice with ¶ numbers."""
    found = {f.code: f.message for f in findings(fixture("seed_generated.md"), TITLE)}
    assert "title-repeated" in found and "九州の半導体工場" in found["title-repeated"]
    message = found["near-repeat"]
    assert "第8段落" in message and "第15段落" in message
    assert "重要になるはずだ。" in message and "主流になる。" in message
    assert "クリーンアップで後の方を削除します" in message


def test_near_repeat_quotes_are_found_in_the_body_as_the_form_finds_them():
    """Both quotes, read as the form's 本文へ links read them, are passages of the body."""
    draft = fixture("seed_generated.md")
    (message,) = near(draft, TITLE)
    quotes = re.findall(r"「(?:…)?([^「」]{2,}?)(?:…)?」", message)
    assert len(quotes) == 2 and all(quote in draft for quote in quotes)
    assert quotes == [
        "の進め方が、今後ますます重要になるはずだ。",
        "の進め方は、今後ますます主流になる。",
    ]


def test_clean_up_keeps_every_sentence_that_has_no_near_repeat():
    """Each sentence with no near-repeat (by the test's own difflib) is kept, once."""
    draft = fixture("seed_generated.md")
    cleaned = clean_body(draft, TITLE)
    whole = [s for s in dict.fromkeys(sentences(draft)) if s[-1] in "。！？」" and s != TITLE]
    alone = [
        s
        for s in whole
        if not any(
            o != s
            and not _key(o).startswith(_key(s))
            and SequenceMatcher(None, _key(s), _key(o)).ratio() >= 0.8
            for o in whole
        )
    ]
    assert len(alone) == len(whole) - 2  # only the paraphrased pair has a near-repeat
    assert all(cleaned.count(s) == 1 for s in alone)
    assert cleaned.count(EARLIER) == 1 and PARAPHRASE not in cleaned


def test_the_deeper_second_half_is_kept_whole_and_in_order():
    """From 「だが、ただ見守るだけでは…」 on, every paragraph is kept, in order."""
    reference = paragraphs(fixture("seed_reference.md"))
    cleaned = paragraphs(clean_body(fixture("seed_generated.md"), TITLE))
    start = next(n for n, p in enumerate(cleaned) if p.startswith("だが、ただ見守るだけでは"))
    assert cleaned[start:] == reference[start:] and len(cleaned) - start == 7


def test_clean_body_without_a_title_keeps_the_title_paragraph():
    """Callers that pass no title get the old behaviour for the first paragraph."""
    cleaned = clean_body(fixture("seed_generated.md"))
    assert paragraphs(cleaned)[0] == TITLE
    assert cleaned == TITLE + "\n\n" + fixture("seed_reference.md")


def test_reading_time_is_compared_again_on_the_cleaned_text():
    """A declared time is judged against the cleaned text, in both directions."""
    draft = fixture("seed_generated.md")
    cleaned = clean_body(draft, TITLE)
    draft_minutes = reading_minutes(render_markdown(draft).html)
    cleaned_minutes = reading_minutes(render_markdown(cleaned).html)
    assert (draft_minutes, cleaned_minutes) == (6, 3)

    def mismatch(body, declared):
        return "reading-time-mismatch" in [
            f.code for f in findings(body, TITLE, declared_minutes=declared)
        ]

    assert not mismatch(draft, 6) and mismatch(cleaned, 6)
    assert mismatch(draft, 2) and not mismatch(cleaned, 2)


# --- The title paragraph --------------------------------------------------------------------


@pytest.mark.parametrize(
    "first",
    [TITLE, "九州の半導体工場と電力会社が提携 地方製造業の新時代か?", f"# {TITLE}", f"**{TITLE}**"],
    ids=["same", "half-width-punctuation", "heading", "emphasis"],
)
def test_a_first_paragraph_repeating_the_title_goes(first):
    """Compared without punctuation, width, spaces and marks; a heading counts too."""
    body = f"{first}\n\n本文の最初の段落はここから始まります。\n"
    assert clean_body(body, TITLE) == "本文の最初の段落はここから始まります。\n"
    assert "title-repeated" in codes(body, title=TITLE)


def test_a_title_said_later_or_as_the_whole_body_stays():
    """Only the first block; and a body that is nothing but the title is not emptied."""
    later = f"本文の最初の段落はここから始まります。\n\n{TITLE}\n"
    assert clean_body(later, TITLE) == later and "title-repeated" not in codes(later, title=TITLE)
    alone = f"{TITLE}\n"
    assert clean_body(alone, TITLE) == alone and "title-repeated" not in codes(alone, title=TITLE)


# --- What a near-repeat is, and what becomes of it ------------------------------------------


def test_a_shorter_paraphrase_goes_and_the_earlier_fuller_wording_stays():
    """The seed's case: the later says less, in other words: it goes, the earlier stays."""
    body = f"{EARLIER}\n\n{FILLER}{PARAPHRASE}電力の流れを読める人材は引く手あまただ。\n"
    assert clean_body(body) == f"{EARLIER}\n\n{FILLER}電力の流れを読める人材は引く手あまただ。\n"
    assert len(near(body)) == 1 and near(clean_body(body)) == []


def test_a_fuller_later_wording_takes_the_earlier_place():
    """The later says the same with more words: its wording stays, at the earlier place."""
    short = "この流れは、地方の製造業全体に広がっていくだろう。"
    full = "この流れは、やがて地方の製造業全体にも広がっていくだろう。"
    body = f"{short}その先に新しい仕事が生まれる。\n\n{FILLER}{full}\n"
    assert clean_body(body) == f"{full}その先に新しい仕事が生まれる。\n\n{FILLER}".rstrip() + "\n"


def test_a_paragraph_said_again_as_one_sentence_goes():
    """Two sentences merged into one (、 for 。) are found as paragraphs, not as sentences."""
    first = "工場の電気は、昼も夜も止まらない。冷却にも空調にも、大量の電力が使われている。"
    again = "工場の電気は昼も夜も止まらず、冷却にも空調にも、大量の電力が使われている。"
    body = f"{first}\n\n{FILLER}{again}\n"
    assert clean_body(body) == f"{first}\n\n{FILLER}".rstrip() + "\n"
    assert "段落です" in near(body)[0]


@pytest.mark.parametrize(
    ("earlier", "later", "added"),
    [
        (
            "両社は今後五年間で、工場の電力設備に約三百億円を投じる計画だという。",
            "両社は今後五年間で、工場の電力設備に約四百億円を投じる計画だという。",
            "「四」",
        ),
        (
            "地元の高専や大学と組んで、技術者を育てる仕組みが欠かせない。",
            "地元の高専や大学と組んで、半導体に強い技術者を育てる仕組みが欠かせない。",
            "「半導体に強い」",
        ),
        (
            "設計段階から、工場の電力をどう賄うかを考えるべきだ。",
            "設計段階から、工場の電力をどうTSMCが賄うかを考えるべきだ。",
            "「TSMCが」",
        ),
    ],
    ids=["changed-figure", "added-phrase", "added-name"],
)
def test_a_near_repeat_that_adds_something_stays_and_is_a_warning(earlier, later, added):
    """A figure, phrase or name only the later has: both stay, as a warning quoting both."""
    body = f"{earlier}\n\n{FILLER}{later}\n"
    assert clean_body(body) == body
    (message,) = near(body)
    assert f"第1段落「{earlier[:10]}" in message and f"第4段落「{later[:10]}" in message
    assert f"後の方にしかない{added}" in message
    assert overall(findings(body)) == "warning"


def test_parallel_sentences_stay_and_are_a_warning():
    """Swapped words (設計/運用) or adjacent paragraphs: both stay, as a warning."""
    swapped = (
        "設計の段階から、工場の電力をどう賄うかを考える必要がある。\n\n"
        f"{FILLER}運用の段階から、工場の電力をどう賄うかを考える必要がある。\n"
    )
    assert clean_body(swapped) == swapped and "どちらにも相手にない言葉" in near(swapped)[0]
    side_by_side = (
        "投資家にとって、これは電力と製造を一体で見る好機だと言える。\n\n"
        "投資家にとって、これは電力と製造を一体で見る好機だと言えるだろう。\n"
    )
    assert clean_body(side_by_side) == side_by_side
    assert "隣り合う段落" in near(side_by_side)[0]


def test_pairs_in_one_paragraph_or_of_different_kinds_are_not_compared():
    """Parallel sentences in one paragraph and a summary list restating the prose are style."""
    one = (
        "設計の段階から、工場の電力をどう賄うかを考える必要がある。"
        "運用の段階から、工場の電力をどう賄うかを考える必要がある。\n"
    )
    summary = (
        f"{EARLIER}\n\n{FILLER}## まとめ\n\n"
        "- 設計者と現場の技術者が密接に連携する共同設計の進め方が、今後重要になる\n"
    )
    for body in (one, summary):
        assert clean_body(body) == body and near(body) == []


def test_sentences_that_share_a_frame_are_not_near_repeats():
    """Like the seed's closest unrelated pair (0.62): alike in frame, different in content."""
    body = (
        "あなたも、この新しい時代の幕開けを、ただ傍観するだけでなく、その変化の一部として"
        "積極的に関わってほしい。\n\n"
        f"{FILLER}あなたも、この壮大な変化の物語の傍観者でいるのではなく、その一部として"
        "積極的に関わっていくべきだ。\n"
    )
    assert clean_body(body) == body and near(body) == []


def test_punctuation_only_differences_are_a_repeat():
    """Differing only in punctuation and width, the later goes."""
    body = f"{EARLIER}\n\n{FILLER}{EARLIER.replace('、', '').replace('「', '『')}\n"
    assert clean_body(body) == f"{EARLIER}\n\n{FILLER}".rstrip() + "\n"


def test_healthy_fixtures_have_no_near_repeats():
    """People's articles have no near-repeat (a summary list restating prose is no pair)."""
    for name in ("healthy_ja.md", "healthy_en.md", "article_reference.md", "markdown_reference.md"):
        assert near(fixture(name)) == [], name


def test_many_near_repeats_are_listed_up_to_five_then_counted():
    """Five findings quote their pairs; a sixth counts the rest."""
    plan = "両社は今後五年間で、工場の電力設備に約{}百億円を投じる計画だという。\n\n"
    body = "".join(plan.format(k) + FILLER for k in range(1, 9))
    messages = near(body)
    assert len(messages) == 6 and messages[-1].startswith("ほかにも、ほぼ同じ文や段落が")


# --- Through the model, the admin and the command ------------------------------------------


@pytest.mark.django_db
def test_saving_the_cleaned_draft_rechecks_health_and_reading_time():
    """Saving the cleaned body re-checks it: only the now-wrong declared time remains."""
    post = PostFactory(title=TITLE, body=fixture("seed_generated.md"), reading_time_override=6)
    stored = {finding["code"] for finding in post.health_findings}
    assert {"title-repeated", "near-repeat"} <= stored
    assert "reading-time-mismatch" not in stored
    post.body = clean_body(post.body, post.title)
    post.save()
    assert [finding["code"] for finding in post.health_findings] == ["reading-time-mismatch"]
    assert "計算値 3 分" in post.health_findings[0]["message"]


@pytest.mark.django_db
def test_admin_cleanup_button_passes_the_title(staff_client):
    """クリーンアップ in the change form removes the title paragraph and the paraphrase."""
    post = PostFactory(title=TITLE, body=fixture("seed_generated.md"))
    url = reverse("admin:blog_post_change", args=[post.pk])
    response = staff_client.post(url, form_data(post, _cleanup="1", confirm_health="on"))
    assert response.status_code == 302
    post.refresh_from_db()
    assert post.body == fixture("seed_reference.md") and post.health == "ok"


@pytest.mark.django_db
def test_check_content_clean_passes_the_title():
    """check_content --clean removes the title paragraph too."""
    post = PostFactory(title=TITLE, body=fixture("seed_generated.md"))
    call_command("check_content", "--clean", post.slug, stdout=io.StringIO())
    post.refresh_from_db()
    assert post.body == fixture("seed_reference.md") and post.health == "ok"
