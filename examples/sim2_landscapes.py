"""Simulation 2's learning-regime landscapes: the paper's full grid of 380 networks as one batched sweep.

Every network (20 evidence levels x 19 inverse temperatures, 5000 random
epochs of 10 steps, alpha 0.001) is trained and scored in jitted, vmapped
chunks sharded over the host's CPU cores; the script writes the Dataset, the
summary and the landscapes of the paper's Figure 3A (its Simulation 2 protocol),
then prints where retrieval and generalisation peak.
Run:  python examples/sim2_landscapes.py [--seeds K] [--out DIR]
"""

import argparse
import time

from fepnet.infra.resources import configure_cpu_devices

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--out", default="examples-out/sim2-landscapes")
parser.add_argument("--seeds", type=int, default=1)
parser.add_argument("--seed", type=int, default=0)
args = parser.parse_args()

started = time.perf_counter()
print(configure_cpu_devices())  # before JAX starts: one host device per core
import jax  # noqa: E402

import fepnet  # noqa: E402
from fepnet.paper.grids import GRIDS  # noqa: E402
from fepnet.paper.landscapes import landscape  # noqa: E402
from fepnet.paper.landscapes_render import format_sweep, write_sweep  # noqa: E402

grid = GRIDS["paper-sim2"].replace(seeds=args.seeds)
ds = fepnet.run_sweep(jax.random.key(args.seed), grid)
summary = write_sweep(ds, args.out, started=started)
print(format_sweep(summary, args.out))

# The landscape as a table: the best evidence level's score at each temperature.
retrieval = landscape(ds, "retrieval").max("evidence_level")
generalization = landscape(ds, "generalization").max("evidence_level")
print("\n     iT   retrieval  generalization")
for it, r, g in zip(ds.inverse_temperature.values, retrieval.values, generalization.values):
    print(f"{it:7.4f}   {r:9.3f}  {g:14.3f}")
