"""Admin uploads checked before they reach the corpus: allowed type, size, a safe file name.

A browser or an API client chooses the file name, so it is reduced to one harmless name (no folders,
no ``..``, no control characters, no hidden files) and the file is copied under that name into a private
staging folder; only ``add_to_corpus`` then copies it into the corpus folder.
"""

from __future__ import annotations

import re
import shutil
import unicodedata
from pathlib import Path

from assistant.corpus import corpus_files
from assistant.loading import MAX_FILE_BYTES, SUPPORTED_SUFFIXES

MAX_UPLOAD_BYTES = MAX_FILE_BYTES  # what the loaders would refuse anyway is refused at the door
MAX_FILES_PER_UPLOAD = 20
# All corpus files together; an upload beyond it is refused (``app.py --corpus-quota-mb``).
CORPUS_QUOTA_BYTES = 2 * 1024 * 1024 * 1024
MAX_NAME_CHARS = 120
# File systems allow 255 bytes per name; the corpus copies a file under ``.NAME.partial`` first. 60 CJK
# characters are 180 bytes in UTF-8.
MAX_NAME_BYTES = 180
SAME_NAME = "已有同名文件 {name}：如要替换，请选择“替换同名文件”"
_UNSAFE = re.compile(r"[^\w\u3000-\u303f\uff00-\uffef.\-（）()《》【】]+")


class UploadRefused(ValueError):
    """Why a file is not taken, in words an administrator understands."""


def safe_filename(name: str) -> str:
    """The last path component, NFKC, unsafe characters replaced by ``_``, no leading dots, bounded length."""
    name = re.split(r"[\\/]", unicodedata.normalize("NFKC", name or ""))[-1]
    stem, dot, suffix = name.rpartition(".")
    if not dot:
        stem, suffix = name, ""
    suffix = _UNSAFE.sub("", suffix)
    stem = _UNSAFE.sub("_", stem).strip("._ ")[: MAX_NAME_CHARS - len(suffix) - 1].strip("._ ")
    while len(f"{stem}.{suffix}".encode()) > MAX_NAME_BYTES:
        stem = stem[:-1].rstrip("._ ")
    if not stem:
        raise UploadRefused("文件名无效")
    return f"{stem}.{suffix.lower()}" if suffix else stem


def received_file(path: str | Path, upload_folder: Path) -> Path:
    """A file the web framework itself stored for an upload, or UploadRefused.

    A browser sends back the temp path it was given, so any client can send any path instead: only a
    regular file inside the framework's own upload folder (symlinks resolved) is ever read.
    """
    folder = Path(upload_folder).resolve()
    candidate = Path(path)
    resolved = candidate.resolve()
    if candidate.is_symlink() or not resolved.is_relative_to(folder) or resolved == folder or not resolved.is_file():
        raise UploadRefused("不是本次上传的文件")
    return resolved


def check_upload(source: Path, name: str, max_bytes: int = MAX_UPLOAD_BYTES) -> str:
    """The safe name to store ``source`` under, or UploadRefused saying why not."""
    safe = safe_filename(name)
    suffix = Path(safe).suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise UploadRefused(f"不支持的文件类型 {suffix or '（无扩展名）'}（支持：{'、'.join(SUPPORTED_SUFFIXES)}）")
    if not source.is_file():
        raise UploadRefused("文件不存在")
    size = source.stat().st_size
    if size == 0:
        raise UploadRefused("文件为空")
    if size > max_bytes:
        raise UploadRefused(f"文件过大（{size / 1048576:.1f} MB，上限 {max_bytes / 1048576:.0f} MB）")
    return safe


def check_file_count(count: int) -> None:
    """UploadRefused for a request with more files than one upload may carry."""
    if count > MAX_FILES_PER_UPLOAD:
        raise UploadRefused(f"一次最多上传 {MAX_FILES_PER_UPLOAD} 个文件（本次 {count} 个）")


def within_quota(
    staged: list[Path], corpus_dir: Path, quota: int, others: tuple[Path, ...] = ()
) -> tuple[list[Path], dict[str, str]]:
    """The staged files that fit in the corpus quota (a replaced file's old size is given back), in order;
    the rest refused by name with the space used and the limit. The files in ``others`` (the staging area, or
    the corpus when staging) count against the quota too."""
    sizes = {path.name: path.stat().st_size for path in corpus_files(corpus_dir)}
    used = sum(sizes.values()) + sum(path.stat().st_size for folder in others for path in corpus_files(folder))
    kept: list[Path] = []
    refused: dict[str, str] = {}
    for path in staged:
        after = used - sizes.get(path.name, 0) + path.stat().st_size
        if after > quota:
            refused[path.name] = (
                f"超出语料空间配额：已用 {used / 1048576:.1f} MB，加上此文件 {after / 1048576:.1f} MB，"
                f"上限 {quota / 1048576:.0f} MB（管理员可用 --corpus-quota-mb 调整）"
            )
            continue
        used, sizes[path.name] = after, path.stat().st_size
        kept.append(path)
    return kept, refused


def stage_uploads(
    uploads: list[tuple[Path, str]],
    staging_dir: Path,
    max_bytes: int = MAX_UPLOAD_BYTES,
    existing: frozenset[str] = frozenset(),
    existing_reason: str = SAME_NAME,
) -> tuple[list[Path], dict[str, str]]:
    """Copy accepted uploads ``(temp path, name the client gave)`` into ``staging_dir`` under safe names.

    Returns (staged paths, {name: why refused}). A later file with the same safe name is refused, and so is
    one whose safe name is in ``existing`` (the corpus's files when the upload is not a replacement):
    shortening a long name must never make an upload silently replace another document. ``existing_reason``
    says why (``{name}``: the safe name).
    """
    staged: list[Path] = []
    refused: dict[str, str] = {}
    for source, name in uploads:
        shown = Path(name.replace("\\", "/")).name or name
        try:
            safe = check_upload(source, name, max_bytes)
        except UploadRefused as error:
            refused[shown] = str(error)
            continue
        target = staging_dir / safe
        if safe in existing:
            refused[shown] = existing_reason.format(name=safe)
            continue
        if target.exists():
            refused[shown] = f"与同批文件重名（{safe}）"
            continue
        shutil.copyfile(source, target)
        staged.append(target)
    return staged, refused
