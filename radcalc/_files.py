"""Reading the user's input files: only regular files, and only up to a size bound.

Every reader of a user file (plan and constraint TOML, recovery files, DICOM,
DVH exports) goes through :func:`read_bytes` so that a FIFO never blocks, a
device such as ``/dev/zero`` never exhausts memory, and every failure is one
:class:`~radcalc.errors.InvalidInputError` (or a subclass) naming the file.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from radcalc.errors import InvalidInputError

__all__ = ["MAX_TEXT_BYTES", "MAX_BINARY_BYTES", "read_bytes", "read_text"]

#: Largest text input radcalc reads (plan, constraint, recovery files, DVH exports).
MAX_TEXT_BYTES = 64 * 1024 * 1024
#: Largest binary input radcalc reads (DICOM files).
MAX_BINARY_BYTES = 2 * 1024 * 1024 * 1024


def read_bytes(
    path: str | os.PathLike[str],
    *,
    max_bytes: int | None = None,
    error: type[InvalidInputError] = InvalidInputError,
) -> bytes:
    """Read a whole regular file, refusing anything else and anything larger than ``max_bytes``.

    Parameters
    ----------
    path : str or os.PathLike
        The file.
    max_bytes : int, optional
        The size bound [bytes]; default :data:`MAX_TEXT_BYTES` (read when called).
    error : type
        The :class:`InvalidInputError` subclass to raise.

    Returns
    -------
    bytes
        The file's content.

    Raises
    ------
    InvalidInputError
        (or ``error``) naming the file when it cannot be read, is not a regular
        file (a folder, FIFO, socket or device) or is larger than ``max_bytes``.
    """
    if max_bytes is None:
        max_bytes = MAX_TEXT_BYTES
    file = Path(path)
    try:
        info = os.stat(file)
    except OSError as exc:
        raise error(f"{file}: cannot read the file ({exc.strerror or type(exc).__name__})") from exc
    if not stat.S_ISREG(info.st_mode):
        kind = "a folder" if stat.S_ISDIR(info.st_mode) else "not a regular file"
        raise error(f"{file}: cannot read the file (it is {kind})")
    if info.st_size > max_bytes:
        raise error(
            f"{file}: the file is {info.st_size} bytes, larger than the {max_bytes} bytes "
            "radcalc reads"
        )
    try:
        # O_NONBLOCK: should the path be swapped for a FIFO after the check,
        # opening it still does not block.
        fd = os.open(file, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        raise error(f"{file}: cannot read the file ({exc.strerror or type(exc).__name__})") from exc
    with os.fdopen(fd, "rb") as handle:
        if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
            raise error(f"{file}: cannot read the file (it is not a regular file)")
        data = handle.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise error(f"{file}: the file is larger than the {max_bytes} bytes radcalc reads")
    return data


def read_text(
    path: str | os.PathLike[str],
    *,
    encoding: str = "utf-8",
    max_bytes: int | None = None,
    error: type[InvalidInputError] = InvalidInputError,
) -> str:
    """Read a regular text file (see :func:`read_bytes`) and decode it.

    A decoding failure raises ``error`` naming the file, the encoding and the
    byte offset.
    """
    data = read_bytes(path, max_bytes=max_bytes, error=error)
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise error(
            f"{Path(path)}: not a {encoding.upper()} text file (byte {exc.start}: {exc.reason})"
        ) from exc
