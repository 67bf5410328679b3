"""Factories for the content model. PostFactory makes a published, due post with one author
and one category unless told otherwise."""

from datetime import timedelta

import factory
from django.utils import timezone

from blog.models import Author, Category, Post


class AuthorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Author
        django_get_or_create = ["name"]

    name = factory.Sequence(lambda n: f"著者{n}")


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category
        django_get_or_create = ["name"]

    name = factory.Sequence(lambda n: f"カテゴリー{n}")


class PostFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Post
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"記事その{n}")
    body = "## はじめに\n\n本文の段落です。日本語の文章が続きます。\n"
    excerpt = "記事の抜粋です。"
    status = Post.Status.PUBLISHED
    published_at = factory.LazyFunction(lambda: timezone.now() - timedelta(hours=1))

    @factory.post_generation
    def authors(self, create, extracted, **kwargs):
        if create:
            self.set_authors(extracted if extracted is not None else [AuthorFactory()])

    @factory.post_generation
    def categories(self, create, extracted, **kwargs):
        if create:
            self.set_categories(extracted if extracted is not None else [CategoryFactory()])

    @factory.post_generation
    def tags(self, create, extracted, **kwargs):
        if create and extracted:
            self.set_tags(extracted)

    class Params:
        draft = factory.Trait(status=Post.Status.DRAFT)
        scheduled = factory.Trait(
            published_at=factory.LazyFunction(lambda: timezone.now() + timedelta(days=1))
        )
