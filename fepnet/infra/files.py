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

    On an exception (KeyboardInterrupt included) the temporary file is removed and
    ``path`` is left as it was, so an interrupted write never leaves a truncated file.

    Parameters
    ----------
    path : str or os.PathLike
        The destination. Its directory must exist.
    suffix : str, optional
        Suffix of the temporary file (default: the destination's own extension, so that
        writers that choose a format by extension, such as matplotlib, see the right one).

    Yields
    ------
    str
        The temporary file's path (in the destination's directory), to write to.

    Raises
    ------
    FileNotFoundError
        When the directory of ``path`` does not exist (raised before any temporary file is made).

    Examples
    --------
    >>> import os, tempfile
    >>> from fepnet.infra.files import atomic_path
    >>> d = tempfile.mkdtemp()
    >>> with atomic_path(os.path.join(d, "a.txt")) as tmp:
    ...     with open(tmp, "w") as fh:
    ...         _ = fh.write("done")
    >>> open(os.path.join(d, "a.txt")).read(), os.listdir(d)
    ('done', ['a.txt'])
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
    """Write ``text`` to ``path`` atomically, UTF-8 encoded (:func:`atomic_path`).

    Parameters
    ----------
    path : str or os.PathLike
        The destination; its directory must exist.
    text : str
        The content.

    Returns
    -------
    str
        ``path``, as a string.

    Raises
    ------
    FileNotFoundError
        When the directory of ``path`` does not exist.

    Examples
    --------
    >>> import os, tempfile
    >>> from fepnet.infra.files import write_text
    >>> p = write_text(os.path.join(tempfile.mkdtemp(), "note.md"), "# π")
    >>> open(p, encoding="utf-8").read()
    '# π'
    """
    with atomic_path(path) as tmp:
        with open(tmp, "w", encoding="utf-8") as fh:
            fh.write(text)
    return os.fspath(path)


def json_safe(x):
    """``x`` as plain JSON values: dicts, lists, str, bool, int, float; NaN and inf become ``None``.

    NumPy and JAX scalars and arrays are converted (arrays to nested lists), tuples
    become lists and dict keys strings.

    Parameters
    ----------
    x : object
        A nest of dicts, lists, tuples, None, str, bool, int, float, NumPy/JAX scalars and arrays.

    Returns
    -------
    object
        The same nest made of JSON types only.

    Raises
    ------
    TypeError
        For a value of any other type (naming the type).

    Examples
    --------
    >>> import numpy as np
    >>> from fepnet.infra.files import json_safe
    >>> json_safe({"a": np.float32(0.5), 1: (np.int64(2), float("nan")), "x": np.eye(2)})
    {'a': 0.5, '1': [2, None], 'x': [[1.0, 0.0], [0.0, 1.0]]}
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
    """Write ``obj`` to ``path`` atomically as strict JSON (indent 2); return it as read back.

    The text is serialised before the file is opened, so a value JSON cannot hold
    leaves no partial file; use :func:`json_safe` first where NaN should become ``null``.

    Parameters
    ----------
    path : str or os.PathLike
        The destination; its directory must exist.
    obj : object
        JSON-serialisable content (dicts, lists, str, numbers, bool, None).

    Returns
    -------
    object
        ``json.loads`` of the text written (tuples come back as lists).

    Raises
    ------
    ValueError
        For NaN or infinite floats (strict JSON).
    TypeError
        For values ``json`` cannot serialise (NumPy arrays: use :func:`json_safe`).
    FileNotFoundError
        When the directory of ``path`` does not exist.

    Examples
    --------
    >>> import os, tempfile
    >>> from fepnet.infra.files import write_json
    >>> write_json(os.path.join(tempfile.mkdtemp(), "r.json"), {"n": 3, "pair": (1, 2)})
    {'n': 3, 'pair': [1, 2]}
    """
    text = json.dumps(obj, indent=2, allow_nan=False)
    write_text(path, text)
    return json.loads(text)
