"""Find the files under a ``--logs`` directory, and say which paths could not be looked at.

Every entry is considered, whatever its name (hidden files and notes included): content decides
what a file is. Symbolic links are followed, each directory at most once (a link back to a
directory already walked is a loop, not more evidence). What cannot be walked or is not a
regular file is returned as ``Unwalkable``, never dropped: the caller refuses it or, with
``--skip-unknown``, reports it.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Unwalkable:
    """A path under the root that was not read, and why.

    ``hides_evidence``: it may hold evidence netlogs did not see (a directory or file that
    could not be opened, a broken link), so what was read is only part of the logs.
    """

    path: Path
    reason: str
    hides_evidence: bool


def walk_evidence(root: Path) -> tuple[list[Path], list[Unwalkable]]:
    """Regular files under ``root`` (or ``root`` itself), sorted; and what could not be walked.

    Raises:
        OSError: ``root`` itself cannot be looked at (the caller names it).
    """
    info = os.stat(root)
    if not stat.S_ISDIR(info.st_mode):
        return [root], []
    files: list[Path] = []
    problems: list[Unwalkable] = []
    seen = {(info.st_dev, info.st_ino)}
    pending = [root]
    while pending:
        folder = pending.pop()
        try:
            names = sorted(os.listdir(folder))
        except OSError as exc:
            problems.append(Unwalkable(folder, f"directory cannot be read ({_why(exc)})", True))
            continue
        subfolders = []
        for name in names:
            path = folder / name
            kind = _kind(path, seen, problems)
            if kind == "file":
                files.append(path)
            elif kind == "dir":
                subfolders.append(path)
        pending.extend(reversed(subfolders))
    return sorted(files), problems


def _kind(path: Path, seen: set[tuple[int, int]], problems: list[Unwalkable]) -> str:
    """``file``, ``dir`` (not seen before) or ``skip`` (a problem was recorded)."""
    try:
        info = os.stat(path)  # follows links
    except OSError as exc:
        link = os.path.islink(path)
        reason = "broken symbolic link" if link else "cannot be looked at"
        problems.append(Unwalkable(path, f"{reason} ({_why(exc)})", True))
        return "skip"
    if stat.S_ISDIR(info.st_mode):
        key = (info.st_dev, info.st_ino)
        if key in seen:
            reason = "a link to a directory already read (symbolic link loop)"
            problems.append(Unwalkable(path, reason, False))
            return "skip"
        seen.add(key)
        return "dir"
    if stat.S_ISREG(info.st_mode):
        return "file"
    problems.append(Unwalkable(path, f"not a regular file ({_special(info.st_mode)})", False))
    return "skip"


def _special(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a named pipe"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "unknown file type"


def _why(exc: OSError) -> str:
    return exc.strerror or type(exc).__name__
