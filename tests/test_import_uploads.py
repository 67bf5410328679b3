"""Uploads to the admin's import page are stored safely: zip entries cannot leave the upload's
folder (`..`, absolute paths, drive letters, symlinks), bombs and lying sizes are refused
before or while unpacking, and only Jekyll files are read (blog/jekyll/uploads.py)."""

import io
import stat
import struct
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from blog.jekyll import uploads
from blog.jekyll.parsing import MAX_FILE_BYTES
from blog.jekyll.uploads import UploadError, safe_parts, store_uploads

from .jekyll_files import post_text

POST = post_text("title: 記事\ndate: 2025-01-02").encode()


def zip_upload(entries, name="site.zip") -> SimpleUploadedFile:
    """A zip of (ZipInfo or name, bytes) entries, as Django hands an uploaded file over."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for info, data in entries:
            archive.writestr(info, data)
    return SimpleUploadedFile(name, buffer.getvalue())


def symlink(name: str, target: str) -> tuple[zipfile.ZipInfo, bytes]:
    info = zipfile.ZipInfo(name)
    info.create_system = 3  # Unix
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    return info, target.encode()


def files_in(folder):
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


def test_a_jekyll_site_zip_keeps_posts_and_drafts_and_skips_the_rest(tmp_path):
    """Only _posts/ and _drafts/ are read from a Jekyll site; layouts, config and images are
    skipped unread, each with its reason."""
    upload = zip_upload([
        ("site/_posts/2025-01-02-a.md", POST),
        ("site/_drafts/b.markdown", POST),
        ("site/_layouts/default.html", b"<html>{{ content }}</html>"),
        ("site/_config.yml", b"title: x"),
        ("site/assets/logo.png", b"\x89PNG"),
    ])  # fmt: skip
    stored = store_uploads([upload], tmp_path)
    assert [entry["name"] for entry in stored.files] == [
        "site/_drafts/b.markdown",
        "site/_posts/2025-01-02-a.md",
    ]
    assert files_in(tmp_path) == ["0/site/_drafts/b.markdown", "0/site/_posts/2025-01-02-a.md"]
    reasons = {entry["name"]: entry["reason"] for entry in stored.skipped}
    assert "_posts/" in reasons["site/_layouts/default.html"]
    assert "対応していない種類" in reasons["site/_config.yml"]
    assert "対応していない種類" in reasons["site/assets/logo.png"]
    assert stored.skipped_count == 3


@pytest.mark.parametrize(
    "name",
    ["../evil.md", "_posts/../../evil.md", "/etc/evil.md", "C:/evil.md", "C:\\evil.md",
     "_posts\\..\\..\\evil.md", "_posts//a.md", "./_posts/a.md"],
)  # fmt: skip
def test_zip_paths_that_would_leave_the_folder_are_never_written(tmp_path, name):
    """Traversal, absolute paths, drive letters, backslashes, empty and dot parts: the entry is
    skipped as unsafe and nothing lands outside (or inside) the upload's folder."""
    folder = tmp_path / "upload"
    upload = zip_upload([(name, POST), ("_posts/2025-01-02-ok.md", POST)])
    stored = store_uploads([upload], folder)
    assert [entry["name"] for entry in stored.files] == ["_posts/2025-01-02-ok.md"]
    assert "安全でないパス" in stored.skipped[0]["reason"]
    assert files_in(tmp_path) == ["upload/0/_posts/2025-01-02-ok.md"]


def test_safe_parts_refuses_every_escape_and_keeps_plain_paths():
    """The path check itself: plain relative paths pass, escapes do not."""
    assert safe_parts("_posts/2025-01-02-a.md") == ("_posts", "2025-01-02-a.md")
    assert safe_parts("_posts\\a.md") == ("_posts", "a.md")
    for bad in ["..", "a/../b", "/a", "\\a", "d:a", "a//b", "a/./b", "a\x00"]:
        assert safe_parts(bad) is None, bad


def test_symlinks_in_a_zip_are_skipped_and_never_followed(tmp_path):
    """A symlink entry (to /etc/passwd, or to a folder then written through) is not created;
    a later file with the link's path is written as a plain file inside the folder."""
    upload = zip_upload([
        symlink("_posts/passwd.md", "/etc/passwd"),
        symlink("_posts/out", "/var/lib"),
        ("_posts/out/2025-01-02-x.md", POST),
    ])  # fmt: skip
    stored = store_uploads([upload], tmp_path)
    assert [entry["reason"] for entry in stored.skipped][:1] == [
        "通常のファイルではない（シンボリックリンクなど）ため読みません"
    ]
    assert not any(path.is_symlink() for path in tmp_path.rglob("*"))
    assert files_in(tmp_path) == ["0/_posts/out/2025-01-02-x.md"]


def test_a_zip_bomb_is_refused_from_its_declared_sizes_before_anything_is_written(
    tmp_path, monkeypatch
):
    """Entries that declare more than MAX_UNZIPPED_BYTES together refuse the whole upload
    before a byte is unpacked (here the limit is lowered to 2 MB; 1 MB of zeros zips to 1 KB)."""
    monkeypatch.setattr(uploads, "MAX_UNZIPPED_BYTES", 2 * uploads.MB)
    zeros = b"---\ntitle: x\n---\n" + b"0" * (uploads.MB - 100)
    upload = zip_upload([(f"_posts/2025-01-0{i}-bomb.md", zeros) for i in range(1, 4)])
    assert upload.size < 20_000
    with pytest.raises(UploadError, match="展開すると大きすぎます"):
        store_uploads([upload], tmp_path)
    assert files_in(tmp_path) == []


def _lie_about_size(data: bytes, declared: int) -> bytes:
    """The zip with its (only) entry's uncompressed size rewritten to `declared`, in both the
    local header and the central directory."""
    data = bytearray(data)
    local = data.find(b"PK\x03\x04")
    struct.pack_into("<I", data, local + 22, declared)
    central = data.find(b"PK\x01\x02")
    struct.pack_into("<I", data, central + 24, declared)
    return bytes(data)


def test_an_entry_that_unpacks_to_more_than_it_declares_is_refused(tmp_path):
    """A zip that declares 100 bytes for 50,000 (a bomb that lies to pass the size checks) is
    refused while unpacking, and the partial file is not imported."""
    honest = zip_upload([("_posts/2025-01-02-lie.md", POST + b"x" * 50_000)])
    lying = SimpleUploadedFile("site.zip", _lie_about_size(honest.read(), 100))
    with pytest.raises(UploadError, match=r"壊れています|宣言より大きく"):
        store_uploads([lying], tmp_path)


def test_a_file_larger_than_the_importer_accepts_is_skipped_unread(tmp_path):
    """An entry over the importer's MAX_FILE_BYTES is listed as too large and not unpacked."""
    upload = zip_upload([
        ("_posts/2025-01-02-big.md", b"x" * (MAX_FILE_BYTES + 1)),
        ("_posts/2025-01-02-ok.md", POST),
    ])  # fmt: skip
    stored = store_uploads([upload], tmp_path)
    assert [entry["name"] for entry in stored.files] == ["_posts/2025-01-02-ok.md"]
    assert stored.skipped[0]["reason"].startswith("大きすぎるため読みません")
    assert files_in(tmp_path) == ["0/_posts/2025-01-02-ok.md"]


def _flag_encrypted(data: bytes, name: str) -> bytes:
    """The zip with the central directory's entry `name` flagged as encrypted (zipfile writes
    no encrypted entries of its own)."""
    data, start = bytearray(data), 0
    while (start := data.find(b"PK\x01\x02", start)) >= 0:
        length = struct.unpack_from("<H", data, start + 28)[0]
        if data[start + 46 : start + 46 + length] == name.encode():
            data[start + 8] |= 0x1
        start += 4
    return bytes(data)


def test_wrong_types_hidden_files_and_encrypted_entries_are_skipped_unread(tmp_path):
    """Only .md/.markdown/.html/.txt are read; hidden files, macOS resource forks and entries
    flagged as encrypted are skipped too."""
    encrypted = "_posts/2025-01-02-secret.md"
    upload = zip_upload([
        ("_posts/2025-01-02-a.md", POST),
        ("_posts/2025-01-02-b.md.exe", b"MZ"),
        ("_posts/nested.zip", b"PK"),
        ("_posts/.hidden.md", POST),
        ("__MACOSX/_posts/._a.md", b"\x00"),
        (encrypted, POST),
    ])  # fmt: skip
    upload = SimpleUploadedFile("site.zip", _flag_encrypted(upload.read(), encrypted))
    stored = store_uploads([upload], tmp_path)
    assert [entry["name"] for entry in stored.files] == ["_posts/2025-01-02-a.md"]
    reasons = {entry["name"]: entry["reason"] for entry in stored.skipped}
    assert "対応していない種類" in reasons["_posts/2025-01-02-b.md.exe"]
    assert "対応していない種類" in reasons["_posts/nested.zip"]
    assert "隠しファイル" in reasons["_posts/.hidden.md"]
    assert "隠しファイル" in reasons["__MACOSX/_posts/._a.md"]
    assert "暗号化" in reasons["_posts/2025-01-02-secret.md"]
    assert files_in(tmp_path) == ["0/_posts/2025-01-02-a.md"]


def test_plain_files_are_stored_by_their_bare_name_and_others_skipped(tmp_path):
    """Uploaded .md files keep only their own name (no path a client sends is trusted);
    a .exe is skipped; duplicates of a name are not overwritten."""
    stored = store_uploads(
        [
            SimpleUploadedFile("2025-01-02-a.md", POST),
            SimpleUploadedFile("../../2025-01-03-b.html", POST),
            SimpleUploadedFile("tool.exe", b"MZ"),
        ],
        tmp_path,
    )
    assert [entry["name"] for entry in stored.files] == ["2025-01-02-a.md", "2025-01-03-b.html"]
    assert files_in(tmp_path) == ["0/2025-01-02-a.md", "1/2025-01-03-b.html"]
    assert [entry["name"] for entry in stored.skipped] == ["tool.exe"]


def test_an_upload_over_the_size_limit_is_refused(tmp_path, monkeypatch):
    """The uploads' total size is checked against MAX_UPLOAD_BYTES before anything is stored."""
    monkeypatch.setattr(uploads, "MAX_UPLOAD_BYTES", 1000)
    with pytest.raises(UploadError, match="アップロードが大きすぎます"):
        store_uploads([SimpleUploadedFile("a.md", POST + b"x" * 1000)], tmp_path)
    assert files_in(tmp_path) == []


def test_too_many_files_or_entries_refuse_the_upload(tmp_path, monkeypatch):
    """More files to import than MAX_FILES, or more zip entries than MAX_ZIP_ENTRIES, refuse
    the whole upload (split it)."""
    monkeypatch.setattr(uploads, "MAX_FILES", 3)
    many = zip_upload([(f"_posts/2025-01-0{i}-a.md", POST) for i in range(1, 5)])
    with pytest.raises(UploadError, match="取り込むファイルが多すぎます"):
        store_uploads([many], tmp_path / "a")
    monkeypatch.setattr(uploads, "MAX_ZIP_ENTRIES", 2)
    with pytest.raises(UploadError, match="項目が多すぎます"):
        store_uploads([zip_upload([(f"x{i}.png", b"") for i in range(3)])], tmp_path / "b")


def test_not_a_zip_and_nothing_to_import_are_refused_with_a_reason(tmp_path):
    """A .zip that is not one, and an upload with no Jekyll file, say so."""
    with pytest.raises(UploadError, match="zip ファイルとして読めません"):
        store_uploads([SimpleUploadedFile("site.zip", b"not a zip")], tmp_path / "a")
    with pytest.raises(UploadError, match="取り込めるファイルがありません"):
        store_uploads([zip_upload([("logo.png", b"\x89PNG")])], tmp_path / "b")


def test_japanese_names_from_windows_zips_are_read_as_shift_jis(tmp_path):
    """A name written in CP932 without the UTF-8 flag (Japanese Windows) is read as Japanese,
    not as CP437 mojibake: the slug comes from it."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("_posts/2025-01-02-XXXX.md", POST)  # ASCII: no UTF-8 flag
    # 記事 is four bytes in CP932, as many as the placeholder: put them in its place.
    raw = buffer.getvalue().replace(b"XXXX", "記事".encode("cp932"))
    stored = store_uploads([SimpleUploadedFile("site.zip", raw)], tmp_path)
    assert [entry["name"] for entry in stored.files] == ["_posts/2025-01-02-記事.md"]
    assert files_in(tmp_path) == ["0/_posts/2025-01-02-記事.md"]
