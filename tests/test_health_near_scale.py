"""Near-repeats at scale: the bigram index keeps check_text() and clean_body() linear in the
body (the scale tests' measure: lines executed in blog/content/health), and finds what an
all-pairs difflib scan finds."""

import random
from difflib import SequenceMatcher

import pytest

from blog.content.health import clean_body, similar
from blog.content.health.blocks import parse_blocks
from blog.content.limits import MAX_BODY_CHARS

from .health_texts import fixture, paragraphs, sentences
from .test_health_scale import _check, lines_run


def _words(rnd, count):
    """Two-kanji words no other sentence shares."""
    return ["".join(chr(rnd.randint(0x4E00, 0x9FA0)) for _ in range(2)) for _ in range(count)]


def _framed(rnd):
    """One sentence of a frame every sentence shares (its bigrams soon too common to look up),
    and its paraphrase: the seed's 重要になるはずだ → 主流になる."""
    a, b, c, d, e = _words(rnd, 5)
    frame = f"{a}の{b}は、{c}と{d}を結ぶ{e}として、今後ますます"
    return f"{frame}重要になるはずだ。", f"{frame}主流になる。"


def paraphrased(n, seed=1):
    """n paragraphs: n/2 sentences in one frame, then a paraphrase of each, in order."""
    rnd = random.Random(seed)
    pairs = [_framed(rnd) for _ in range(n // 2)]
    return "\n\n".join([first for first, _ in pairs] + [again for _, again in pairs]) + "\n"


def one_word_apart(n, seed=2):
    """Every paragraph near every other: one word of the same eight changed (all stay)."""
    rnd = random.Random(seed)
    base, parts = _words(rnd, 8), []
    for k in range(n):
        words = list(base)
        words[k % 8] = _words(rnd, 1)[0]
        parts.append("、".join(words) + "について考える。")
    return "\n\n".join(parts) + "\n"


@pytest.mark.parametrize("make", [paraphrased, one_word_apart], ids=lambda make: make.__name__)
@pytest.mark.parametrize("function", [_check, clean_body], ids=["check_text", "clean_body"])
def test_near_repeat_work_grows_linearly_with_the_body(make, function):
    """Four times the paragraphs cost at most five times the work (all pairs: sixteen)."""
    small, large = lines_run(function, make(120)), lines_run(function, make(480))
    assert large <= 5 * small


class _Counting(SequenceMatcher):
    ratios = 0

    def ratio(self):
        _Counting.ratios += 1
        return super().ratio()


def test_largest_body_loses_every_paraphrase_within_the_comparison_budget(monkeypatch):
    """At 200,000 characters all 800 far-apart paraphrases go, within MAX_COMPARISONS."""
    rnd = random.Random(3)
    pairs = [_framed(rnd) for _ in range(800)]
    firsts, agains = [first for first, _ in pairs], [again for _, again in pairs]
    room = MAX_BODY_CHARS - len("\n\n".join(firsts + agains)) - 100
    filler = ["".join(_words(rnd, 12)) + "。" for _ in range(room // 27)]
    body = "\n\n".join(firsts + filler + agains) + "\n"
    assert len(body) <= MAX_BODY_CHARS
    monkeypatch.setattr(similar, "SequenceMatcher", _Counting)
    _Counting.ratios = 0
    assert clean_body(body) == "\n\n".join(firsts + filler) + "\n"
    assert 800 <= _Counting.ratios <= similar.MAX_COMPARISONS


def test_a_body_of_one_frame_stays_within_the_comparison_budget(monkeypatch):
    """8,000 paragraphs one word apart stay, within MAX_COMPARISONS ratio() calls."""
    body = one_word_apart(8000)
    body = body[: body.rfind("\n\n", 0, MAX_BODY_CHARS)] + "\n"
    monkeypatch.setattr(similar, "SequenceMatcher", _Counting)
    _Counting.ratios = 0
    assert clean_body(body) == body
    assert 0 < _Counting.ratios <= similar.MAX_COMPARISONS


# --- The index finds what a scan of every earlier passage finds -----------------------------


def _scan_best(self, passage, grams, kind, paragraph):
    """_Index.best as a scan: every earlier passage of the kind, outside the paragraph."""
    best = None
    for n, other in enumerate(self._passages):
        if self._kinds[n] != kind or self._payloads[n][0] is paragraph:
            continue
        matcher = SequenceMatcher(None, other.key, passage.key, autojunk=False)
        ratio = matcher.ratio()
        if ratio >= similar.NEAR_REPEAT_RATIO and (best is None or ratio > best[2]):
            best = (self._payloads[n], other, ratio, matcher)
    return best


def _variants(sentence, rnd):
    """A paraphrase of a sentence as a continuation writes one: an ending reworded, a few kana
    dropped, a word swapped, a phrase added."""
    body = sentence.rstrip("。")
    cut = rnd.randint(len(body) // 2, len(body) - 1)
    return [
        body[: len(body) - 3] + "になる。",
        body[:cut] + body[cut + 2 :] + "。",
        body[:cut] + "大きく" + body[cut:] + "。",
        body[:cut] + "".join(_words(rnd, 1)) + body[cut + 2 :] + "。",
    ]


def _drafts():
    reference = fixture("seed_reference.md")
    said = [s for s in sentences(reference) if len(s) > 25]
    yield fixture("seed_generated.md")
    for seed in range(25):
        rnd = random.Random(seed)
        parts = paragraphs(reference)
        for _ in range(rnd.randint(1, 6)):
            again = rnd.choice(_variants(rnd.choice(said), rnd))
            at = rnd.randint(0, len(parts))
            parts.insert(at, again)
        yield "\n\n".join(parts) + "\n"


def test_the_index_finds_what_a_scan_of_every_pair_finds(monkeypatch):
    """On 26 drafts the index gives the pairs, actions and texts a scan of every pair gives."""
    drafts = list(_drafts())

    def run():
        return [
            (
                [(p.earlier.number, p.later.number, p.action) for p in review.pairs],
                review.texts,
            )
            for review in (similar.near_repeats(parse_blocks(draft)) for draft in drafts)
        ]

    fast = run()
    monkeypatch.setattr(similar._Index, "best", _scan_best)
    slow = run()
    assert fast == slow
    assert sum(len(pairs) for pairs, _ in fast) >= 25  # the drafts hold near-repeats to find


# --- Prose in Latin letters --------------------------------------------------------------------


def test_long_english_prose_spends_few_comparisons_and_still_finds_a_late_paraphrase(
    monkeypatch,
):
    """100,000 characters of English sentences made of one article's words (their letter
    bigrams all alike) cost a handful of ratio() calls, not the body's whole budget, and a
    paraphrase at the very end is still found (as a finding: Latin words are never dropped)."""
    rnd = random.Random(4)
    words = [word.strip(".,;:()*#`") for word in fixture("healthy_en.md").split()]
    words = [word for word in words if word.isalpha()]
    filler = [
        " ".join(rnd.choice(words) for _ in range(rnd.randint(20, 30))).capitalize() + "."
        for _ in range(800)
    ]
    first = "The feed is generated from the same posts as the site, so it never falls behind."
    again = "The feed is generated from the same posts as the site, so it can never fall behind."
    body = "\n\n".join([first, *filler, again]) + "\n"
    assert len(body) > 100_000
    monkeypatch.setattr(similar, "SequenceMatcher", _Counting)
    _Counting.ratios = 0
    review = similar.near_repeats(parse_blocks(body))
    assert _Counting.ratios < 100  # letter bigrams sent 2,000 (the budget) to ratio()
    assert [(pair.earlier.raw.strip(), pair.later.raw.strip()) for pair in review.pairs] == [
        (first, again)
    ]
    assert review.pairs[0].action == similar.KEEP
