"""The README's code: every block parses; the core tour runs in the default suite, the whole tour under `slow`."""

import pathlib
import re

import pytest

README = pathlib.Path(__file__).resolve().parents[2] / "README.md"


def _blocks():
    return re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)


def test_readme_quickstart_commands_are_the_documented_ones():
    text = README.read_text()
    assert 'pip install -e . && fepnet demo' in text
    assert 'pip install -e ".[test]" && pytest' in text


def test_every_readme_python_block_parses():
    blocks = _blocks()
    assert len(blocks) >= 2, "README has too few python blocks"
    for i, block in enumerate(blocks):
        compile(block, f"{README}:block{i}", "exec")  # a SyntaxError fails the test


def test_readme_core_tour_runs():
    """The first block, the core API tour (pure JAX: CB maths, kernels, relaxation, training, scores)."""
    namespace: dict = {}
    exec(compile(_blocks()[0], str(README), "exec"), namespace)
    assert namespace["attractors"].count >= 2
    assert namespace["chains"].shape == (64, 2)
    assert namespace["trace"].shape == (1000, 2)
    assert 0.0 <= float(namespace["result"].network.asymmetry()) < 1.0
    assert namespace["fe"].free_energy.shape == (100, 10)


@pytest.mark.slow
def test_readme_api_tour_executes():
    blocks = _blocks()
    namespace: dict = {}
    exec(compile("\n".join(blocks), str(README), "exec"), namespace)
    assert namespace["attractors"].count >= 2
    assert namespace["chains"].shape == (64, 2)
    assert namespace["trace"].shape == (1000, 2)
    assert 0.0 <= float(namespace["result"].network.asymmetry()) < 1.0
    # the inference tour: NUTS agrees with quadrature, SVI finds the two modes, AIS is within 4 SE
    assert namespace["z"].max_abs_z < 4.5
    assert len(namespace["fit"].modes) == 2
    ais, exact = namespace["ais"], namespace["exact"]
    assert abs(ais.log_z - exact.log_partition) < 4 * ais.standard_error + 1e-6
    # the diagnostics tour: Gibbs is consistent with NUTS, and SBC passes for the exact sampler
    assert namespace["comparison"].verdict == "consistent", namespace["comparison"].passed
    assert namespace["idata"].posterior["sigma"].dims == ("chain", "draw", "node")
    assert namespace["sbc"].p_value > 0.01
    assert namespace["loo"].preferred == "asymmetric" and namespace["verdict"]["preferred"] == "asymmetric"
    # the sweep tour: a 2 x 2 grid, two epoch counts, two seeds, every network scored
    ds = namespace["ds"]
    assert ds.retrieval.dims == ("evidence_level", "inverse_temperature", "n_epochs", "seed")
    assert ds.retrieval.shape == (2, 2, 2, 2) and bool((ds.n_attractors >= 1).all())
