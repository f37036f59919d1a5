"""Writing files safely: atomically, and never over what the same run reads.

Every file netlogs writes (reports, the trace JSON, fetched Parquet and ledgers, imported
topologies) goes through ``write_atomically`` / ``atomic_output``: the bytes go to a temporary
file in the target's directory, are flushed to disk, and only then renamed over the target. A
reader sees the old file or the complete new one, and a failure leaves nothing behind.

``refuse_clobbering`` is checked by the commands before any work: an output must not be one of
the run's inputs, lie inside an input directory the run reads, or coincide with another output.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from netlogs.errors import ConfigError

STDOUT = "-"  # the output path meaning "standard output"


def write_atomically(
    path: Path | str, data: str | bytes | Iterable[str], *, make_parents: bool = False
) -> None:
    """Replace ``path`` by ``data`` (text is written as UTF-8, newlines untouched).

    ``data`` may also be pieces of text, written one after the other as they come: a large
    document never has to be one string in memory. Whatever fails while they are produced or
    written leaves the old file and no temporary file.

    Raises:
        ConfigError: the file cannot be written (missing directory, permissions, full disk).
        UnicodeEncodeError: ``data`` is text that UTF-8 cannot encode (nothing is written).
    """
    if isinstance(data, str | bytes):
        payload = data.encode("utf-8") if isinstance(data, str) else data
        with atomic_output(path, make_parents=make_parents) as handle:
            handle.write(payload)
        return
    with atomic_output(path, make_parents=make_parents) as handle:
        for piece in data:
            handle.write(piece.encode("utf-8"))


@contextmanager
def atomic_output(path: Path | str, *, make_parents: bool = False) -> Iterator[IO[bytes]]:
    """A binary handle whose content replaces ``path`` when the block ends without error.

    Raises:
        ConfigError: the file cannot be written; the temporary file is removed.
    """
    target = Path(path)
    try:
        if make_parents:
            target.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp",
                                    dir=target.parent)
    except OSError as exc:
        raise _cannot_write(target, exc) from None
    try:
        with os.fdopen(fd, "wb") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temp, _file_mode(target))  # mkstemp makes 0600; give the usual mode
        os.replace(temp, target)
    except OSError as exc:
        Path(temp).unlink(missing_ok=True)
        raise _cannot_write(target, exc) from None
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def _cannot_write(target: Path, exc: OSError) -> ConfigError:
    return ConfigError(f"{target}: cannot write: {exc.strerror or exc}")


def _file_mode(path: Path) -> int:
    """Keep an existing file's mode; a new file gets what the umask allows."""
    try:
        return path.stat().st_mode & 0o777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


# --------------------------------------------------------------------------- clobbering

Named = tuple[str, str]  # (what the user called it, e.g. "--json", the path as given)


def refuse_clobbering(
    outputs: Sequence[Named],
    input_files: Sequence[Named] = (),
    input_trees: Sequence[Named] = (),
) -> None:
    """Refuse outputs that would overwrite an input or each other.

    ``outputs`` may use ``-`` (standard output): two outputs on ``-`` collide like two on one
    file. An output collides with an input file when both resolve (symlinks, ``..``, relative
    paths) to the same file or are links to the same inode; with an input tree when it lies
    inside it or is the target of a symbolic link in it.

    Raises:
        ConfigError: one line naming both paths.
    """
    seen: dict[str, Named] = {}
    for name, given in outputs:
        key = STDOUT if given == STDOUT else str(_real(given))
        if key in seen:
            first = seen[key]
            where = "standard output" if key == STDOUT else "the same file"
            raise ConfigError(f"{first[0]} {first[1]} and {name} {given} are {where}: "
                              "give each output its own path")
        seen[key] = (name, given)
    files = [(name, given) for name, given in outputs if given != STDOUT]
    for out_name, out in files:
        for in_name, given in input_files:
            if _same_file(out, given):
                raise ConfigError(f"{out_name} {out} is the input {in_name} {given}: "
                                  "netlogs never overwrites its inputs")
        for tree_name, tree in input_trees:
            _refuse_inside(out_name, out, tree_name, tree)


def _refuse_inside(out_name: str, out: str, tree_name: str, tree: str) -> None:
    target, root = _real(out), _real(tree)
    if target == root or root in target.parents:
        raise ConfigError(f"{out_name} {out} is inside the input directory {tree_name} {tree}: "
                          "netlogs would read its own output as input next time")
    for link in _links_in(root):
        if _real(str(link)) == target:
            raise ConfigError(f"{out_name} {out} is the input {link} (a link in {tree_name} "
                              f"{tree}): netlogs never overwrites its inputs")


def _links_in(root: Path) -> Iterable[Path]:
    """Symbolic links under ``root`` (without following linked directories; the directory
    entries' types need no extra system call, so large log trees stay cheap)."""
    folders = [root] if root.is_dir() else []
    while folders:
        try:
            entries = list(os.scandir(folders.pop()))
        except OSError:
            continue  # unreadable: its links cannot be listed (the log reader reports it)
        for entry in entries:
            if entry.is_symlink():
                yield Path(entry.path)
            elif entry.is_dir(follow_symlinks=False):
                folders.append(Path(entry.path))


def _real(path: str) -> Path:
    return Path(os.path.abspath(Path(path).expanduser())).resolve()


def _same_file(left: str, right: str) -> bool:
    if _real(left) == _real(right):
        return True
    try:
        return os.path.samefile(left, right)  # hard links, case-insensitive file systems
    except OSError:
        return False  # one of them does not exist (yet)
