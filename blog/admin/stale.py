"""What the admin says when a save meets a post someone saved in the meantime (Post.StaleVersion)."""


def stale_skip_message(titles: list[str]) -> str:
    """What a bulk action says of the posts it left alone because someone saved them while it
    ran (Post.StaleVersion): their changes stay, nothing of the action was applied to them."""
    return (
        f"他の編集者が保存したため、{len(titles)} 件は変更していません（{'、'.join(titles)}）。"
        "開き直して確認してから、もう一度操作してください。"
    )


def save_each(posts, change) -> tuple[int, list[str]]:
    """Apply `change` to each post and save it, through the version check; a post someone
    saved meanwhile is left as they saved it. Returns how many were saved, and the titles of
    those left."""
    saved, stale = 0, []
    for post in posts:
        change(post)
        if post.save_unless_stale():
            saved += 1
        else:
            stale.append(post.title)
    return saved, stale
