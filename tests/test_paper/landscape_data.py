"""A hand-made sweep result over the paper's grid, with known maxima, for the landscape tests."""

import numpy as np
import xarray as xr

from fepnet.paper.grids import GRIDS

LEVELS = np.asarray(GRIDS["paper-sim2"].evidence_level)
ITS = np.asarray(GRIDS["paper-sim2"].inverse_temperature)


def sweep_result(retrieval_peak=(8.0, ITS[14]), generalization_peak=(14.0, ITS[6]), seeds=2):
    """Smooth bumps with known maxima over the paper's grid; seed s adds 0.01 s (so seed means are known)."""
    e, t = np.meshgrid(LEVELS, np.log(ITS), indexing="ij")

    def bump(peak):
        return 0.3 - 0.001 * (e - peak[0]) ** 2 - 0.05 * (t - np.log(peak[1])) ** 2

    shift = 0.01 * np.arange(seeds)
    dims = ("evidence_level", "inverse_temperature", "seed")
    data = {
        "retrieval": bump(retrieval_peak)[..., None] + shift,
        "generalization": bump(generalization_peak)[..., None] - 0.2 + shift,
        "orthogonality": np.where(t[..., None] > np.log(0.1), 20.0, np.nan) + 0 * shift,
        "n_attractors": np.where(t[..., None] > np.log(0.1), 10, 1).astype(np.int32) + 0 * shift.astype(np.int32),
    }
    data["n_attractors"][0, 0, 0] = -1  # a network whose couplings overflowed
    ds = xr.Dataset({k: (dims, v) for k, v in data.items()},
                    coords={"evidence_level": LEVELS, "inverse_temperature": ITS, "seed": np.arange(seeds)})
    ds.attrs.update(fixed_learning_rate=0.001, fixed_n_epochs=5000, fixed_steps_per_epoch=10, wall_s=12.5,
                    training_steps=380 * seeds * 50_000, n_devices=2, chunk_size=38, n_chunks=10)
    return ds
