"""What the admin says when a save meets a post someone saved in the meantime (Post.StaleVersion)."""


def stale_skip_message(titles: list[str]) -> str:
    """What a bulk action says of the posts it left alone because someone saved them while it
    ran (Post.StaleVersion): their changes stay, nothing of the action was applied to them."""
    return (
        f"他の編集者が保存したため、{len(titles)} 件は変更していません（{'、'.join(titles)}）。"
        "開き直して確認してから、もう一度操作してください。"
    )
