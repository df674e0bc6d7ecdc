"""Atomic files and strict JSON, shared by every command and study that writes results.

Every artifact fepnet writes (JSON, reports, figures, networks, netCDF sweeps)
goes through :func:`atomic_path`: the content is written to a temporary file
in the destination's directory and renamed over the destination only when
complete, so an interrupted or failed write never leaves a truncated file.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import tempfile

import numpy as np

__all__ = ["atomic_path", "json_safe", "write_json", "write_text"]


@contextlib.contextmanager
def atomic_path(path, suffix: str | None = None):
    """Yield a temporary path beside ``path``; rename it over ``path`` when the block completes.

    Parameters
    ----------
    path : str or os.PathLike
        The destination. Its directory must exist (else ``FileNotFoundError`` naming ``path``,
        raised before any temporary file is made).
    suffix : str, optional
        Suffix of the temporary file (default: the destination's own extension, so that
        writers that choose a format by extension, such as matplotlib, see the right one).

    On an exception (KeyboardInterrupt included) the temporary file is removed and
    ``path`` is left as it was.
    """
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(directory):
        raise FileNotFoundError(f"directory of {path} does not exist")
    if suffix is None:
        suffix = os.path.splitext(path)[1]
    fd, tmp = tempfile.mkstemp(dir=directory, prefix="." + os.path.basename(path) + ".", suffix=suffix)
    os.close(fd)
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def write_text(path, text: str) -> str:
    """Write ``text`` to ``path`` atomically (UTF-8); return the path."""
    with atomic_path(path) as tmp:
        with open(tmp, "w", encoding="utf-8") as fh:
            fh.write(text)
    return os.fspath(path)


def json_safe(x):
    """``x`` as plain JSON values: dicts, lists, str, bool, int, float; NaN and inf become ``None``.

    NumPy and JAX scalars and arrays are converted (arrays to nested lists); tuples become lists.
    Raises ``TypeError`` for anything else.
    """
    if isinstance(x, dict):
        return {str(k): json_safe(val) for k, val in x.items()}
    if isinstance(x, (list, tuple)):
        return [json_safe(val) for val in x]
    if x is None or isinstance(x, str):
        return x
    if isinstance(x, (bool, np.bool_)):
        return bool(x)
    if isinstance(x, (int, np.integer)):
        return int(x)
    if isinstance(x, (float, np.floating)):
        return float(x) if math.isfinite(x) else None
    if hasattr(x, "__array__"):
        return json_safe(np.asarray(x).tolist())
    raise TypeError(f"cannot convert {type(x).__name__} to JSON")


def write_json(path, obj):
    """Write ``obj`` to ``path`` atomically as strict JSON (NaN is an error); return it as read back.

    The text is serialised before the file is opened, so a value JSON cannot hold
    leaves no partial file; use :func:`json_safe` first where NaN should become ``null``.
    """
    text = json.dumps(obj, indent=2, allow_nan=False)
    write_text(path, text)
    return json.loads(text)
