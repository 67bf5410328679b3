"""The post change form: status choices by role, and the stale-save check."""

from django import forms
from reversion.models import Version

from ..content.limits import body_length_error
from ..content.text import strip_invalid_characters
from ..models import Post
from .conflicts import differences
from .health import HealthConfirmFormMixin


class PostAdminForm(HealthConfirmFormMixin, forms.ModelForm):
    # The version the editor opened: a save from a form opened before someone else's save is
    # refused, with that person's changes shown, instead of silently overwriting them.
    loaded_version = forms.IntegerField(
        label="開いたときの版", widget=forms.HiddenInput, required=False
    )

    class Meta:
        model = Post
        fields = [
            "title", "slug", "status", "published_at", "excerpt", "body", "tags",
            "seo_description", "cover", "language_override", "reading_time_override",
            "original_permalink", "front_matter",
        ]  # fmt: skip
        widgets = {
            "body": forms.Textarea(
                attrs={"rows": 30, "class": "markdown-editor", "spellcheck": "false"}
            ),
            "excerpt": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The body is stored as written: no stripping of leading or trailing whitespace.
        if "body" in self.fields:  # absent from a read-only view
            self.fields["body"].strip = False
        if self.instance.pk is not None:
            self.fields["loaded_version"].initial = self.instance.version
        if "status" in self.fields and not self.user_can_publish:
            # Enforced here, not only hidden: a forged POST with status=published is invalid.
            writer_statuses = {Post.Status.DRAFT, Post.Status.REVIEW}
            self.fields["status"].choices = [
                choice for choice in self.fields["status"].choices if choice[0] in writer_statuses
            ]

    def clean_tags(self):
        # The names as Tag.save() stores them: taggit looks a name up as typed, so "タグ\x01"
        # would miss the tag "タグ" and then collide with it when created.
        names = {}
        for name in map(strip_invalid_characters, self.cleaned_data.get("tags") or []):
            if name:
                names.setdefault(name.casefold(), name)
        return list(names.values())

    def clean_body(self):
        # Here, before clean(): the health check and clean-up there never see an oversized body.
        body = self.cleaned_data["body"]
        too_long = body_length_error(body)
        if too_long:
            raise forms.ValidationError(too_long, code="too_long")
        return body

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk is not None:
            self._refuse_stale_save(cleaned)
        return cleaned

    def _refuse_stale_save(self, cleaned):
        # Checked here too, not only in Post.save(), to show the editor what changed: the
        # row is locked until this save commits, so two saves cannot both pass the check.
        current = (
            Post.objects.select_for_update().with_relations().filter(pk=self.instance.pk).first()
        )
        loaded = cleaned.get("loaded_version")
        if current is None or loaded == current.version:
            # Post.save() checks the version again, against the one the form was opened at.
            self.instance._loaded_version = loaded
            return
        data = self.request.POST if self.request is not None else None
        self.conflict = {
            "saved_by": last_editor(current),
            "saved_at": current.updated_at,
            "fields": differences(current, cleaned, data),
        }
        raise forms.ValidationError(
            "この記事は、あなたが開いた後に%(who)sが保存しました。上書きを防ぐため保存していません。"
            "下の一覧で相手の変更を確認し、記事を開き直してから編集し直してください。",
            code="stale",
            params={"who": self.conflict["saved_by"] or "別の編集者"},
        )


def last_editor(post) -> str:
    version = Version.objects.get_for_object(post).select_related("revision__user").first()
    user = version.revision.user if version else None
    return user.get_username() if user else ""
