"""
Simulation 2's learning-regime landscapes as one batched sweep
==============================================================

Every network of a grid of evidence levels x inverse temperatures is trained
with the FEP rule (random epochs of 10 steps, learning rate 0.001) and scored,
in jitted, vmapped chunks sharded over the host's CPU cores; the script writes
the Dataset, the summary and the landscapes of the paper's Figure 3A (its
Simulation 2 protocol), then prints where retrieval and generalisation peak.

By default it runs a reduced grid (8 evidence levels x 7 inverse temperatures,
2000 epochs: 56 networks); ``--full`` runs the paper's grid of
380 networks (20 evidence levels x 19 inverse temperatures, 5000 epochs), about
25 s on a 2-core CPU.

Run: ``python examples/sim2_landscapes.py [--full] [--seeds K] [--out DIR]``.
"""

import argparse
import time

from fepnet.infra.resources import configure_cpu_devices

parser = argparse.ArgumentParser(description="Simulation 2's learning-regime landscapes as one batched sweep")
parser.add_argument("--out", default="examples-out/sim2-landscapes")
parser.add_argument("--seeds", type=int, default=1)
parser.add_argument("--seed", type=int, default=0)
parser.add_argument("--full", action="store_true", help="the paper's full 380-network grid (default: a reduced grid)")
args = parser.parse_args()

started = time.perf_counter()
print(configure_cpu_devices())  # before JAX starts: one host device per core
import jax  # noqa: E402
import numpy as np  # noqa: E402

import fepnet  # noqa: E402
from fepnet.paper.grids import GRIDS  # noqa: E402
from fepnet.paper.landscapes import landscape  # noqa: E402
from fepnet.paper.landscapes_render import format_sweep, write_sweep  # noqa: E402

# %%
# The grid: the paper's (``--full``), or every few of its points with shorter training.
grid = GRIDS["paper-sim2"].replace(seeds=args.seeds)
if not args.full:
    grid = grid.replace(evidence_level=np.linspace(2.0, 20.0, 8), inverse_temperature=np.geomspace(0.01, 1.0, 7),
                        n_epochs=2000)
ds = fepnet.run_sweep(jax.random.key(args.seed), grid)
summary = write_sweep(ds, args.out, started=started)
print(format_sweep(summary, args.out))

# %%
# The landscape as a table: the best evidence level's score at each temperature.
retrieval = landscape(ds, "retrieval").max("evidence_level")
generalization = landscape(ds, "generalization").max("evidence_level")
print("\n     iT   retrieval  generalization")
for it, r, g in zip(ds.inverse_temperature.values, retrieval.values, generalization.values):
    print(f"{it:7.4f}   {r:9.3f}  {g:14.3f}")
