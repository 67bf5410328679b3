"""The benchmark corpus's bylines, categories and tags, and how often each is used: by rank,
Zipf-like, so a few are huge (the first tag is on about a fifth of the posts) and most are
small, as on a real desk."""

import random
from dataclasses import dataclass

from django.db.models.functions import Lower
from django.utils.text import slugify

from ..models import Author, Category, Tag
from ..search.terms import MAX_WORD_LENGTH
from .vocabulary import (
    AUTHOR_NAME,
    AUTHORS,
    BENCH_TERMS,
    CATEGORY_TREE,
    FAMILY_NAMES,
    GIVEN_NAMES,
    KANJI,
    KATAKANA,
    LATIN,
    TAG_NAMES,
    TAGS,
    words,
)
from .writer import pick_distinct, zipf

# Rank r weighs 1 / (r + offset): the offsets set how big the biggest are. For tags, 2.5 gives
# the first tag about 3.8 % of all tag links, that is about 20 % of the posts (19,500 of
# 100,000; 3 gave 17,500).
TAG_OFFSET, AUTHOR_OFFSET, CATEGORY_OFFSET = 2.5, 1, 1
SECOND_AUTHOR = 0.15  # the share of posts with two bylines


def author_names() -> list[str]:
    pairs = [f"{family} {given}" for given in words(GIVEN_NAMES) for family in words(FAMILY_NAMES)]
    return [AUTHOR_NAME, *pairs[: AUTHORS - 1]]


def tag_names(seed: int = 42) -> list[str]:
    """TAGS names, most used first: the desk's usual tags, then words of the vocabulary, then
    compounds of them (Python入門 would be one), none holding a planted term."""
    rng = random.Random(f"generate_corpus-tags-{seed}")  # noqa: S311 (test data)
    kanji, katakana, latin = words(KANJI), words(KATAKANA), words(LATIN)
    singles = latin + katakana + kanji
    rng.shuffle(singles)
    planted = [term.casefold() for _, _, term in BENCH_TERMS]
    names, seen = [], set()

    def add(name: str) -> None:
        folded = name.casefold()
        if (
            folded not in seen
            and len(name) <= MAX_WORD_LENGTH
            and not any(t in folded for t in planted)
        ):
            seen.add(folded)
            names.append(name)

    for name in [*words(TAG_NAMES), *singles]:
        add(name)
    heads = kanji + latin + katakana
    while len(names) < TAGS:
        add(rng.choice(heads) + rng.choice(kanji + katakana))
    return names[:TAGS]


def _unique_slugs(names: list[str], taken: set[str], make) -> list[str]:
    slugs = []
    for name in names:
        base = make(name) or "item"
        slug, n = base, 1
        while slug in taken:
            n += 1
            slug = f"{base}-{n}"
        taken.add(slug)
        slugs.append(slug)
    return slugs


def _ensure(model, names: list[str], make_slug, **fields) -> list[int]:
    """The ids of `names`, in order, creating those missing (names match ignoring case)."""
    existing = dict(model.objects.annotate(key=Lower("name")).values_list("key", "pk"))
    missing = [name for name in names if name.lower() not in existing]
    taken = set(model.objects.values_list("slug", flat=True))
    slugs = _unique_slugs(missing, taken, make_slug)
    model.objects.bulk_create(
        [model(name=name, slug=slug, **fields) for name, slug in zip(missing, slugs, strict=True)],
        batch_size=1000,
    )
    existing = dict(model.objects.annotate(key=Lower("name")).values_list("key", "pk"))
    return [existing[name.lower()] for name in names]


def _category_ids() -> list[int]:
    ids = {}
    for parent in (None, *dict.fromkeys(p for _, p in CATEGORY_TREE if p)):
        names = [name for name, p in CATEGORY_TREE if p == parent]
        parent_id = ids.get(parent)
        ids.update(zip(names, _ensure(Category, names, _slug, parent_id=parent_id), strict=True))
    return [ids[name] for name, _ in CATEGORY_TREE]


def _slug(name: str) -> str:
    return slugify(name, allow_unicode=True)


@dataclass
class Taxonomy:
    """The ids posts are filed under, in rank order, with their cumulative weights."""

    authors: list[int]
    categories: list[int]
    tags: list[int]

    def __post_init__(self):
        self.weights = {
            "authors": zipf(len(self.authors), AUTHOR_OFFSET),
            "categories": zipf(len(self.categories), CATEGORY_OFFSET),
            "tags": zipf(len(self.tags), TAG_OFFSET),
        }

    @classmethod
    def ensure(cls, seed: int = 42) -> "Taxonomy":
        """Create whatever is missing (no signals: bulk_create) and return the ids."""
        return cls(
            authors=_ensure(Author, author_names(), _slug),
            categories=_category_ids(),
            tags=_ensure(Tag, tag_names(seed), lambda name: Tag().slugify(name)),
        )

    def draw(self, rng: random.Random) -> tuple[list[int], list[int], list[int]]:
        """(authors, categories, tags) of one post: 1-2 bylines, 1-3 categories, 3-8 tags."""
        pick = lambda kind, k: pick_distinct(rng, getattr(self, kind), self.weights[kind], k)  # noqa: E731
        return (
            pick("authors", 2 if rng.random() < SECOND_AUTHOR else 1),
            pick("categories", rng.randint(1, 3)),
            pick("tags", rng.randint(3, 8)),
        )
