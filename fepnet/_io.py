"""Atomic strict-JSON output, shared by every command that writes results."""

from __future__ import annotations

import json
import os


def write_json(path, obj):
    """Write ``obj`` to ``path`` atomically as strict JSON (NaN is an error); return it as read back.

    The text is serialised before the file is opened, so a value JSON cannot hold
    leaves no partial file; the temporary file is renamed over ``path`` only when complete.
    """
    text = json.dumps(obj, indent=2, allow_nan=False)
    path = os.fspath(path)
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write(text)
    os.replace(tmp, path)
    return json.loads(text)
