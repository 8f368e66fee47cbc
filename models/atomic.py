"""Files on disk: write-then-rename, the one way reviewlens replaces a file or folder (a reader finds the old version
or the new one, never half of one), and the checksum that verifies one. Standard library only, so what fetches or
writes files (demo data, pages) does not load torch."""

from __future__ import annotations

import hashlib
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def atomic_path(target: Path) -> Iterator[Path]:
    """A fresh sibling path (target + '.partial') to write a file or build a folder at; it replaces target when
    the block ends, and is removed if the block raises. A file replaces its old self in one step; a folder
    (which cannot) moves the old one aside (target + '.old'), moves the new one in, and only then removes the
    old one; if the new one cannot move in, the old one moves back.

    >>> import tempfile
    >>> page = Path(tempfile.mkdtemp()) / "index.html"
    >>> with atomic_path(page) as tmp:
    ...     _ = tmp.write_text("new")
    >>> page.read_text(), sorted(p.name for p in page.parent.iterdir())
    ('new', ['index.html'])
    """
    tmp = target.with_name(target.name + ".partial")
    _remove(tmp)
    try:
        yield tmp
    except BaseException:
        _remove(tmp)
        raise
    if not tmp.is_dir():
        os.replace(tmp, target)
        return
    old = target.with_name(target.name + ".old")
    if target.exists():
        _remove(old)
        os.replace(target, old)
    try:
        os.replace(tmp, target)
    except BaseException:
        if old.exists() and not target.exists():
            os.replace(old, target)
        _remove(tmp)
        raise
    _remove(old)                            # also what a replacement killed between the two moves left behind


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    elif path.exists() or path.is_symlink():
        path.unlink()


def sha256_file(path: Path) -> str:
    """Hex sha256 of a file, read in 1 MB chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()
