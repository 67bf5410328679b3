"""App servers are stateless: two gunicorn instances on one PostgreSQL and one Redis serve the
same site, and an edit made through one is what the other serves on its very next request."""

import pytest
import redis

from .factories import PostFactory
from .servers import (
    admin_editor,
    app_env,
    collected_static,
    fetch,
    gunicorn,
    manage,
    need,
    shared_database_url,
)

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

# This test's own Redis database: flushed before and after, shared by both instances.
REDIS_URL = "redis://127.0.0.1:6379/7"
PASSWORD = "pw-two-servers-12345"


@pytest.fixture
def shared_redis():
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1, socket_timeout=5)
    try:
        client.ping()
    except redis.exceptions.ConnectionError as error:
        need(f"Redis at {REDIS_URL} (apt-get install redis-server; {error})")
    client.flushdb()
    yield REDIS_URL
    client.flushdb()


def texts(base: str, paths: list[str]) -> list[str]:
    pages = []
    for path in paths:
        response = fetch(base + path)
        assert response.status == 200, f"{base}{path}: {response.status}"
        pages.append(response.text)
    return pages


def assert_everywhere(bases: list[str], paths: list[str], shown: str, gone: str) -> None:
    for base in bases:
        for path, page in zip(paths, texts(base, paths), strict=True):
            assert shown in page, f"{base}{path} does not show {shown!r}"
            assert gone not in page, f"{base}{path} still shows {gone!r}"


def save_title(editor, pk: int, title: str) -> None:
    """Open the post's change form, change its title and save, as the editor's browser would."""
    form = editor.form(pk)
    form.update(title=title, csrfmiddlewaretoken=editor.csrf(), _save="保存")
    status, url, page = editor.post(f"/admin/blog/post/{pk}/change/", form)
    assert status == 200 and "/change/" not in url, f"the admin did not save: {page[:2000]}"


def test_an_edit_through_one_app_server_is_served_by_the_other_on_its_next_request(
    shared_redis, django_user_model, tmp_path
):
    """Both servers have served (and cached) the home page, the post and the RSS feed; an
    editor logs in through A and saves a new title in the admin: B's next requests show it on
    all three. With A's session, the editor saves again through B (which has a read replica
    configured: the test database under a second alias), and A shows that at once. Then a
    `manage.py shell` process saves a third title: both servers show it on their next
    request."""
    post = PostFactory(title="二台で読む記事", tags=["共有"])
    PostFactory(title="隣の記事")
    django_user_model.objects.create_superuser("desk", "desk@example.com", PASSWORD)
    env = app_env(DATABASE_URL=shared_database_url(), REDIS_URL=shared_redis)
    env_b = {**env, "DATABASE_REPLICA_URL": env["DATABASE_URL"]}
    collected_static()  # debug off needs its manifest
    paths = ["/", post.get_absolute_url(), "/feeds/rss/"]

    with gunicorn(env, tmp_path / "a.log") as a, gunicorn(env_b, tmp_path / "b.log") as b:
        assert_everywhere([a, b], paths, shown="二台で読む記事", gone="一台目で直した題")

        editor = admin_editor(a)
        editor.login("desk", PASSWORD)
        save_title(editor, post.pk, "一台目で直した題")
        assert_everywhere([b, a], paths, shown="一台目で直した題", gone="二台で読む記事")

        editor.base = b  # the session and the CSRF secret are the database's and the key's
        assert 'id="login-form"' not in editor.get("/admin/blog/post/")
        save_title(editor, post.pk, "二台目で直した題")
        assert_everywhere([a, b], paths, shown="二台目で直した題", gone="一台目で直した題")

        manage(env, "shell", "-c", f"""
from blog.models import Post
post = Post.objects.get(pk={post.pk})
post.title = "シェルで直した題"
post.save()
""")  # fmt: skip
        assert_everywhere([a, b], paths, shown="シェルで直した題", gone="二台目で直した題")
