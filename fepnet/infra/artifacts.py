"""One writer for a command's output directory: checked before work starts, every file atomic.

Every study command (demo, validate, compare, reproduce, sweep, capacity)
writes its results the same way::

    out = Artifacts("fepnet-out")            # checked now: a directory we can write, or can create
    ...                                      # the work
    out.json("summary.json", summary)        # strict JSON, NaN -> null
    out.figure("couplings.png", fig)         # PNG, atomic, figure closed
    out.report(report)                       # report.md + report.html
    out.files                                # what was written, in order

Every file goes through :func:`fepnet.infra.files.atomic_path` (directly, or through
``Network.save`` / ``save_sweep``, which use it too), so an interrupted run leaves
complete files or none. The directories made for the output are remembered
(:func:`created_mark`); a run that fails removes the ones still empty
(:func:`remove_empty_created`), so a failed run leaves no empty output folder.
"""

from __future__ import annotations

import os
import tempfile

from .files import json_safe, write_json, write_text
from .plotting import save_figure

__all__ = ["Artifacts", "check_output_dir", "created_mark", "remove_empty_created"]

# Directories made by check_output_dir / Artifacts.path in this process, parents before children.
_CREATED: list[str] = []


def _makedirs(path: str) -> None:
    """``os.makedirs(path, exist_ok=True)``, remembering each directory it made."""
    path = os.path.abspath(path)
    missing = []
    while not os.path.isdir(path):
        missing.append(path)
        parent = os.path.dirname(path)
        if parent == path:
            break
        path = parent
    for directory in reversed(missing):
        try:
            os.mkdir(directory)
        except FileExistsError:
            if not os.path.isdir(directory):
                raise
            continue
        _CREATED.append(directory)


def created_mark() -> int:
    """A mark for :func:`remove_empty_created`: how many output directories this process has made so far.

    Returns
    -------
    int
        The count of directories made by :func:`check_output_dir` and ``Artifacts.path``.

    Examples
    --------
    >>> from fepnet.infra.artifacts import created_mark
    >>> created_mark() >= 0
    True
    """
    return len(_CREATED)


def remove_empty_created(mark: int = 0) -> list[str]:
    """Remove the output directories made since ``mark`` that are empty, deepest first.

    A directory that holds anything (a complete file, or a directory made before) stays.
    The directories after ``mark`` are forgotten either way.

    Parameters
    ----------
    mark : int
        A :func:`created_mark` taken before the run (default 0: every directory made).

    Returns
    -------
    list of str
        The absolute paths removed.

    Examples
    --------
    >>> import os, tempfile
    >>> from fepnet.infra.artifacts import check_output_dir, created_mark, remove_empty_created
    >>> mark = created_mark()
    >>> out = check_output_dir(os.path.join(tempfile.mkdtemp(), "a", "b"))
    >>> [os.path.basename(p) for p in remove_empty_created(mark)]
    ['b', 'a']
    """
    removed = []
    for directory in reversed(_CREATED[mark:]):
        try:
            os.rmdir(directory)  # refuses a directory that is not empty
        except OSError:
            continue
        removed.append(directory)
    del _CREATED[mark:]
    return removed


def check_output_dir(path, name: str = "out") -> str:
    """Make sure ``path`` is (or can become) a writable directory; create it; return it as a string.

    Run it before any long computation. The directories it creates are remembered, so that
    a failed run can remove them again while they are empty (:func:`remove_empty_created`).

    Parameters
    ----------
    path : str or os.PathLike
        The directory.
    name : str
        The argument's name in messages (``"out"``, ``"--out"``).

    Returns
    -------
    str
        ``path`` as a string (``bytes`` paths decoded).

    Raises
    ------
    TypeError
        ``path`` is not a path.
    ValueError
        ``path`` is empty, an existing file, lies under one, or cannot be created or written
        (a file is created and removed there to find out).

    Examples
    --------
    >>> import os, tempfile
    >>> from fepnet.infra.artifacts import check_output_dir
    >>> d = check_output_dir(os.path.join(tempfile.mkdtemp(), "out"))
    >>> os.path.isdir(d)
    True
    >>> check_output_dir("")
    Traceback (most recent call last):
        ...
    ValueError: out must be a directory path, got ''
    """
    if path is None:
        raise TypeError(f"{name} must be a path, got None")
    try:
        path = os.fspath(path)
    except TypeError:
        raise TypeError(f"{name} must be a path, got {type(path).__name__}") from None
    if isinstance(path, bytes):
        path = os.fsdecode(path)
    if path == "" or "\0" in path:
        raise ValueError(f"{name} must be a directory path, got {path!r}")
    if os.path.exists(path) and not os.path.isdir(path):
        raise ValueError(f"{name} {path!r} exists and is not a directory")
    try:
        _makedirs(path)
    except OSError as exc:
        raise ValueError(f"{name} {path!r} cannot be created: {exc.strerror or exc}") from None
    try:  # os.access says yes to root on read-only and virtual file systems: try it
        fd, probe = tempfile.mkstemp(dir=path, prefix=".fepnet-write-test.")
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise ValueError(f"{name} {path!r} is not writable: {exc.strerror or exc}") from None
    return path


class Artifacts:
    """A command's output directory: checked when made, every file written atomically and listed.

    Parameters
    ----------
    directory : str or os.PathLike
        Checked (and created) at construction by :func:`check_output_dir`.
    name : str
        The argument name used in error messages (``"out"``).

    Attributes
    ----------
    directory : str
        The directory.
    files : list of str
        Paths written so far, in order.

    Raises
    ------
    TypeError, ValueError
        As :func:`check_output_dir`.

    Examples
    --------
    >>> import os, tempfile
    >>> from fepnet.infra.artifacts import Artifacts
    >>> out = Artifacts(os.path.join(tempfile.mkdtemp(), "run"))
    >>> out.json("summary.json", {"loss": float("nan"), "n": 3})
    {'loss': None, 'n': 3}
    >>> _ = out.text("notes/readme.txt", "hello")
    >>> [os.path.relpath(p, out.directory) for p in out.files]
    ['summary.json', 'notes/readme.txt']
    """

    def __init__(self, directory, name: str = "out"):
        self.directory = check_output_dir(directory, name)
        self.files: list[str] = []

    def path(self, name: str) -> str:
        """The path of ``name`` inside the directory (sub-directories are created)."""
        path = os.path.join(self.directory, name)
        _makedirs(os.path.dirname(path))
        return path

    def _record(self, path: str) -> str:
        self.files.append(path)
        return path

    def json(self, name: str, obj, *, safe: bool = True):
        """Write ``obj`` as strict JSON (``safe``: NaN/inf become null first); returns it as read back."""
        path = self.path(name)
        back = write_json(path, json_safe(obj) if safe else obj)
        self._record(path)
        return back

    def text(self, name: str, text: str) -> str:
        """Write a text file; returns its path."""
        return self._record(write_text(self.path(name), text))

    def figure(self, name: str, fig, *, dpi: int = 150) -> str:
        """Save a matplotlib figure (and close it); returns its path."""
        return self._record(save_figure(fig, self.path(name), dpi=dpi))

    def record(self, name: str) -> str:
        """List a file that another atomic writer put at :meth:`path` ``(name)`` (``Network.save``,
        ``save_sweep``); returns its path. Raises ``FileNotFoundError`` if it is not there."""
        path = os.path.join(self.directory, name)
        if not os.path.isfile(path):
            raise FileNotFoundError(f"{path} was not written")
        return self._record(path)

    def report(self, report, subdir: str = "") -> list[str]:
        """Write a :class:`~fepnet.infra.report.Report` as report.md and report.html."""
        directory = os.path.dirname(self.path(os.path.join(subdir, "report.md")))
        paths = report.write(directory)
        self.files.extend(paths)
        return paths
