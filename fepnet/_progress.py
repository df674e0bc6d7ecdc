"""A tqdm progress bar that stays quiet when disabled or when output is not wanted."""

from __future__ import annotations

import contextlib
import sys

from tqdm.auto import tqdm


@contextlib.contextmanager
def progress_bar(total: int, desc: str, unit: str = "it", enable: bool = True):
    bar = tqdm(total=total, desc=desc, unit=unit, disable=not enable, file=sys.stderr,
               dynamic_ncols=True, unit_scale=True, leave=True, mininterval=0.25)
    try:
        yield bar
    finally:
        bar.close()
