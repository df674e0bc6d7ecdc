"""One writer for a command's output directory: checked before work starts, every file atomic.

Every study command (demo, validate, compare, reproduce, sweep, capacity)
writes its results the same way::

    out = Artifacts("fepnet-out")            # checked now: a directory we can write, or can create
    ...                                      # the work
    out.json("summary.json", summary)        # strict JSON, NaN -> null
    out.figure("couplings.png", fig)         # PNG, atomic, figure closed
    out.report(report)                       # report.md + report.html
    out.files                                # what was written, in order
"""

from __future__ import annotations

import os

from .files import json_safe, write_json, write_text
from .plotting import save_figure

__all__ = ["Artifacts", "check_output_dir"]


def check_output_dir(path, name: str = "out") -> str:
    """Make sure ``path`` is (or can become) a writable directory; create it; return it as a string.

    Raises ``ValueError`` naming ``name`` when ``path`` is an existing file, or lies under one,
    or cannot be created or written. Run it before any long computation.
    """
    if path is None:
        raise TypeError(f"{name} must be a path, got None")
    try:
        path = os.fspath(path)
    except TypeError:
        raise TypeError(f"{name} must be a path, got {type(path).__name__}") from None
    if path == "":
        raise ValueError(f"{name} must not be empty")
    if os.path.exists(path) and not os.path.isdir(path):
        raise ValueError(f"{name} {path!r} exists and is not a directory")
    try:
        os.makedirs(path, exist_ok=True)
    except OSError as exc:
        raise ValueError(f"{name} {path!r} cannot be created: {exc.strerror or exc}") from None
    if not os.access(path, os.W_OK | os.X_OK):
        raise ValueError(f"{name} {path!r} is not writable")
    return path


class Artifacts:
    """A command's output directory.

    Parameters
    ----------
    directory : str or os.PathLike
        Checked (and created) at construction by :func:`check_output_dir`.
    name : str
        The argument name used in error messages (``"out"``).

    Attributes
    ----------
    directory : str
    files : list of str
        Paths written so far, in order.
    """

    def __init__(self, directory, name: str = "out"):
        self.directory = check_output_dir(directory, name)
        self.files: list[str] = []

    def path(self, name: str) -> str:
        """The path of ``name`` inside the directory (sub-directories are created)."""
        path = os.path.join(self.directory, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
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
        paths = report.write(os.path.join(self.directory, subdir) if subdir else self.directory)
        self.files.extend(paths)
        return paths
