"""Files uploaded to the admin's import page, stored under a folder of their own: Jekyll files
as they are, a .zip of a Jekyll site unpacked. Nothing here touches the database.

An upload is untrusted, and a zip more so. What is refused, and how:
- sizes: the upload (MAX_UPLOAD_BYTES), each file to import (the importer's own MAX_FILE_BYTES,
  so a file the importer would refuse is not even unpacked), and everything unpacked together
  (MAX_UNZIPPED_BYTES), checked against the sizes the zip declares before anything is written
  and against the bytes actually decompressed while writing: a zip whose data outgrows what it
  declared (a bomb, or a lie) is refused whole;
- counts: entries in a zip (MAX_ZIP_ENTRIES) and files to import (MAX_FILES);
- paths: an entry with an absolute path, a drive letter, `..`, `.` or an empty part, or a NUL,
  is never written; every destination is checked to lie inside the folder after resolving; a
  file is created with O_EXCL, so nothing is overwritten or written through a link;
- kinds: symbolic links and every other non-regular entry, encrypted entries, hidden files and
  any file that is not .md/.markdown/.html/.txt are skipped unread, and so is anything outside
  `_posts/` and `_drafts/` when the zip has those (a Jekyll site's layouts and includes are
  .html too, and not posts).
Whole-upload refusals raise UploadError; skipped entries are listed with their reason.
"""

import re
import stat
import zipfile
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from .importer import SUFFIXES
from .parsing import MAX_FILE_BYTES

MB = 1024 * 1024
# The same as client_max_body_size in docs/nginx.conf: in production nginx refuses a larger
# body before Django sees it. Zipped, 20 MB is thousands of long articles.
MAX_UPLOAD_BYTES = 20 * MB
# Ten times the upload: text zips four to six times smaller; a zip that unpacks to more is a
# site's images (never unpacked here, they are not posts) or a bomb.
MAX_UNZIPPED_BYTES = 200 * MB
MAX_FILES = 10_000  # files to import in one job: a large site, and a few hours of chunks
MAX_ZIP_ENTRIES = 50_000  # all entries, read or not: bounds the work of reading the listing
MAX_LISTED_SKIPS = 500  # skipped entries kept by name; all are counted
CHUNK_BYTES = 64 * 1024
JEKYLL_FOLDERS = {"_posts", "_drafts"}
ALLOWED = "、".join(sorted(SUFFIXES))


class UploadError(ValueError):
    """The upload as a whole is refused; the message (Japanese) is shown on the form."""


@dataclass
class Stored:
    # {"file": path under the folder, "name": the path inside the upload}, sorted by name.
    files: list[dict] = field(default_factory=list)
    skipped: list[dict] = field(default_factory=list)  # {"name", "reason"}
    skipped_count: int = 0
    unpacked: int = 0  # bytes the zips declared for the files chosen so far

    def skip(self, name: str, reason: str) -> None:
        self.skipped_count += 1
        if len(self.skipped) < MAX_LISTED_SKIPS:
            self.skipped.append({"name": name, "reason": reason})


def safe_parts(name: str) -> tuple[str, ...] | None:
    """The parts of a relative path that stays where it is put, or None: absolute paths, drive
    letters, `..`, `.`, empty parts (`a//b`) and NUL bytes are refused. Backslashes count as
    separators (zips made on Windows use them)."""
    if "\x00" in name:
        return None
    name = name.replace("\\", "/")
    if name.startswith("/") or re.match(r"^[A-Za-z]:", name):
        return None
    parts = tuple(name.split("/"))
    if any(part in {"", ".", ".."} for part in parts):
        return None
    return parts


def _too_large(size: int) -> str:
    return f"大きすぎるため読みません（{size:,} バイト、上限 {MAX_FILE_BYTES:,} バイト）"


def _kind_reason(parts: tuple[str, ...]) -> str:
    """Why a file with this path is not read, or "" when it is one to import."""
    if any(part.startswith(".") or part == "__MACOSX" for part in parts):
        return "隠しファイルのため読みません"
    if PurePosixPath(parts[-1]).suffix.lower() not in SUFFIXES:
        return f"対応していない種類のため読みません（読むのは {ALLOWED}）"
    return ""


def _write(source, destination: Path, folder: Path, limit: int) -> int:
    """Copy a stream to a new file inside `folder`, at most `limit` bytes (UploadError beyond).
    Returns the bytes written."""
    if not destination.resolve().is_relative_to(folder.resolve()):
        raise UploadError(f"{destination.name}: 保存先がアップロードのフォルダの外です")
    destination.parent.mkdir(parents=True, exist_ok=True)
    written = 0
    with destination.open("xb") as out:  # O_EXCL: never over an existing file or a link
        while chunk := source.read(CHUNK_BYTES):
            written += len(chunk)
            if written > limit:
                raise UploadError(
                    f"{destination.name} は宣言より大きく展開されます: 壊れているか細工された zip です"
                )
            out.write(chunk)
    return written


def _member_name(info: zipfile.ZipInfo) -> str:
    """The entry's name as its maker meant it: without the UTF-8 flag, zipfile reads names as
    CP437, but Japanese Windows writes CP932 (Shift_JIS), and some tools UTF-8 unflagged."""
    if info.flag_bits & 0x800:
        return info.filename
    raw = info.filename.encode("cp437", errors="replace")
    for encoding in ("utf-8", "cp932"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return info.filename


def _is_regular(info: zipfile.ZipInfo) -> bool:
    """A regular file: zips made on Unix carry the file type in the mode (a symlink's is
    S_IFLNK); others, and Python's writestr(), leave the type bits 0."""
    return stat.S_IFMT(info.external_attr >> 16) in {0, stat.S_IFREG}


def _unzip(upload, folder: Path, prefix: str, stored: Stored) -> None:
    try:
        archive = zipfile.ZipFile(upload)
    except (zipfile.BadZipFile, OSError, EOFError):
        raise UploadError(f"{upload.name} は zip ファイルとして読めません") from None
    with archive:
        entries = archive.infolist()
        if len(entries) > MAX_ZIP_ENTRIES:
            raise UploadError(
                f"{upload.name} の項目が多すぎます（{len(entries):,} 件、上限 {MAX_ZIP_ENTRIES:,} 件）"
            )
        named = [(info, _member_name(info)) for info in entries if not info.is_dir()]
        jekyll = any(JEKYLL_FOLDERS & set((safe_parts(name) or ())[:-1]) for _info, name in named)
        chosen = []
        for info, name in sorted(named, key=lambda pair: pair[1]):
            shown = prefix + name
            parts = safe_parts(name)
            if parts is None:
                stored.skip(shown, "安全でないパスのため読みません（絶対パスや .. を含む）")
            elif not _is_regular(info):
                stored.skip(shown, "通常のファイルではない（シンボリックリンクなど）ため読みません")
            elif info.flag_bits & 0x1:
                stored.skip(shown, "暗号化されているため読みません")
            elif reason := _kind_reason(parts):
                stored.skip(shown, reason)
            elif jekyll and not JEKYLL_FOLDERS & set(parts[:-1]):
                stored.skip(shown, "Jekyll の _posts/・_drafts/ の外にあるため読みません")
            elif info.file_size > MAX_FILE_BYTES:
                stored.skip(shown, _too_large(info.file_size))
            else:
                chosen.append((info, parts, shown))
        declared = sum(info.file_size for info, _parts, _shown in chosen)
        _check_totals(stored, len(chosen), declared, upload.name)
        for info, parts, shown in chosen:
            relative = Path(*parts)
            try:
                with archive.open(info) as source:
                    _write(source, folder / relative, folder, min(info.file_size, MAX_FILE_BYTES))
            except FileExistsError:
                stored.skip(shown, "同じパスのファイルが先にあるため読みません")
                continue
            except (NotADirectoryError, IsADirectoryError):
                stored.skip(shown, "フォルダと同じ名前のため読みません")
                continue
            except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError):
                # Among these: a CRC that does not match, data that ends early, and data that
                # outgrows the declared size (zipfile stops at it, so the CRC fails).
                raise UploadError(f"{upload.name} の {name} が壊れています") from None
            stored.files.append({"file": str(folder.name / relative), "name": shown})


def _check_totals(stored: Stored, count: int, declared: int, upload_name: str) -> None:
    """Refuse the upload when `count` more files (`declared` bytes unpacked) pass a limit."""
    count += len(stored.files)
    if count > MAX_FILES:
        raise UploadError(
            f"取り込むファイルが多すぎます（{count:,} 件、上限 {MAX_FILES:,} 件）: "
            "分けてアップロードしてください"
        )
    stored.unpacked += declared
    if stored.unpacked > MAX_UNZIPPED_BYTES:
        raise UploadError(
            f"{upload_name} は展開すると大きすぎます（{stored.unpacked / MB:,.1f} MB、"
            f"上限 {MAX_UNZIPPED_BYTES / MB:,.0f} MB）"
        )


def _store_file(upload, folder: Path, stored: Stored) -> None:
    # Browsers send the bare file name; anything else in it is not trusted.
    name = PurePosixPath(upload.name.replace("\\", "/")).name
    parts = safe_parts(name)
    if parts is None:
        stored.skip(upload.name, "安全でないファイル名のため読みません")
    elif reason := _kind_reason(parts):
        stored.skip(name, reason)
    elif upload.size > MAX_FILE_BYTES:
        stored.skip(name, _too_large(upload.size))
    else:
        _check_totals(stored, 1, 0, name)
        try:
            upload.seek(0)
            _write(upload, folder / name, folder, MAX_FILE_BYTES)
        except FileExistsError:
            stored.skip(name, "同じ名前のファイルが先にあるため読みません")
            return
        stored.files.append({"file": str(Path(folder.name) / name), "name": name})


def store_uploads(uploads: Iterable, folder: Path) -> Stored:
    """Store the uploads (Django UploadedFiles, or anything with name, size, read and seek)
    in `folder`, each under a sub-folder of its own (0/, 1/...: two zips may hold the same
    paths). Each file's "file" is its path relative to `folder`."""
    uploads = list(uploads)
    total = sum(upload.size for upload in uploads)
    if total > MAX_UPLOAD_BYTES:
        raise UploadError(
            f"アップロードが大きすぎます（{total / MB:,.1f} MB、上限 {MAX_UPLOAD_BYTES / MB:,.0f} MB）"
        )
    stored = Stored()
    for index, upload in enumerate(uploads):
        place = folder / str(index)
        place.mkdir(parents=True, exist_ok=True)
        if upload.name.lower().endswith(".zip"):
            # Two zips: say which each file came from.
            prefix = f"{upload.name}/" if len(uploads) > 1 else ""
            _unzip(upload, place, prefix, stored)
        else:
            _store_file(upload, place, stored)
    if not stored.files:
        raise UploadError(
            f"取り込めるファイルがありません（読むのは {ALLOWED}、または Jekyll サイトの zip）"
            + (f": {stored.skipped_count:,} 件は読みませんでした" if stored.skipped_count else "")
        )
    stored.files.sort(key=lambda entry: entry["name"])
    return stored
