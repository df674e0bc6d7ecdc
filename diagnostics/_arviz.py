"""ArviZ, imported once and quietly.

ArviZ 0.2x prints a FutureWarning about its 1.x refactor on import; fepnet pins
``arviz<1`` (the InferenceData API, see pyproject.toml), so the notice is noise
here. Every module of ``diagnostics`` gets ArviZ from this one place.
"""

from __future__ import annotations

import warnings

with warnings.catch_warnings():
    warnings.simplefilter("ignore", FutureWarning)
    import arviz as az

__all__ = ["az"]
