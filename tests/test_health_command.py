"""The check_content command: the report, its JSON, and --clean."""

import io
import json
import re

import pytest
from django.core.management import CommandError, call_command
from reversion.models import Version

from .factories import PostFactory
from .health_texts import fixture

# --- check_content --------------------------------------------------------------------------


def run(*args) -> str:
    out = io.StringIO()
    call_command("check_content", *args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_check_content_json_lists_every_post_with_exact_shape():
    """--json prints only a JSON list: one object per post, findings with three keys."""
    PostFactory(slug="a-draft", body=fixture("article_generated.md"))
    PostFactory(slug="b-clean", body=fixture("article_reference.md"))
    PostFactory(slug="c-no-excerpt", excerpt="", body=fixture("healthy_en.md"))

    report = json.loads(run("--json"))

    assert [item["post"] for item in report] == ["a-draft", "b-clean", "c-no-excerpt"]
    assert all(set(item) == {"post", "findings"} for item in report)
    findings = {item["post"]: item["findings"] for item in report}
    assert all(set(f) == {"code", "severity", "message"} for f in findings["a-draft"])
    assert {f["code"] for f in findings["a-draft"]} == {
        "generation-marker",
        "repeated-text",
        "cut-off-ending",
    }
    assert findings["b-clean"] == []
    assert findings["c-no-excerpt"] == [
        {
            "code": "missing-excerpt",
            "severity": "warning",
            "message": findings["c-no-excerpt"][0]["message"],
        }
    ]


@pytest.mark.django_db
def test_check_content_report_lists_findings_and_a_summary():
    """The default report names each post with findings, one line per finding, and totals."""
    PostFactory(slug="draft-post", body=fixture("article_generated.md"))
    PostFactory(slug="fine-post", body=fixture("article_reference.md"))

    output = run()

    assert "draft-post\n" in output and "fine-post" not in output
    assert re.search(r"✗ error\s+generation-marker: 生成マーカー", output)
    assert re.search(r"✗ error\s+repeated-text: ", output)
    assert "2 件の記事: 要修正 1 件、注意 0 件、問題なし 1 件" in output
    assert "fine-post" in run("--verbosity", "2")


@pytest.mark.django_db
def test_check_content_clean_repairs_the_named_post_only():
    """--clean rewrites the body, saves (new health, a revision) and leaves others alone."""
    post = PostFactory(slug="generated", body=fixture("article_generated.md"))
    other = PostFactory(slug="other", body=fixture("article_generated.md"))

    output = run("--clean", "generated")

    post.refresh_from_db()
    other.refresh_from_db()
    assert post.body == fixture("article_reference.md")
    assert post.health == "ok" and post.health_findings == []
    assert re.search(r"generated: クリーンアップしました（指摘 3 件 → 0 件", output)
    assert "check_content" in Version.objects.get_for_object(post).first().revision.comment
    assert other.body == fixture("article_generated.md") and other.health == "error"
    assert "変更なし" in run("--clean", "generated")


@pytest.mark.django_db
def test_check_content_clean_fails_on_an_unknown_slug_after_the_rest():
    """An unknown slug is an error (non-zero exit), and the known ones are still cleaned."""
    post = PostFactory(slug="known", body=fixture("article_generated.md"))
    with pytest.raises(CommandError, match="記事が見つかりません: missing"):
        run("--clean", "missing", "known")
    post.refresh_from_db()
    assert post.body == fixture("article_reference.md")
