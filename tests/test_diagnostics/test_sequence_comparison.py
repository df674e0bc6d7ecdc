"""diagnostics.sequence_comparison: sequence against random-order data, symmetric against asymmetric couplings.

The command `fepnet compare` and its files: tests/test_cli/test_compare_command.py.
"""

import ast
import pathlib

import jax
import numpy as np
import pytest

from diagnostics.sequence_comparison import compare_orders, sequence_data, write_comparison
from fepnet.data import load_digits


def test_the_studies_do_not_import_the_paper():
    """diagnostics lies below the applications: the paper's protocol values come in as arguments."""
    import diagnostics

    root = pathlib.Path(diagnostics.__file__).parent
    for package in ("sequence_comparison", "coupling_recovery", "model_selection"):
        for path in sorted((root / package).glob("*.py")):
            for node in ast.walk(ast.parse(path.read_text())):
                names = ([a.name for a in node.names] if isinstance(node, ast.Import) else
                         [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
                assert not any(n.startswith(("fepnet.paper", "fepnet.cli")) for n in names), (path, names)


def test_sequence_data_follows_the_presentation_order():
    digits = load_digits()
    patterns = digits.train[np.array([1, 2, 3])]
    # 50 transitions, as the command's test draws them (tests/test_cli/test_compare_command.py): the same programs
    x = sequence_data(jax.random.key(0), "fixed", n_transitions=50)
    assert x.shape == (51, 64) and np.all(np.abs(x) <= 1)
    # at evidence 20 each state is its pattern's sign pattern almost everywhere: the order 1, 2, 3, 1, ...
    best = np.argmax(np.corrcoef(x, np.asarray(patterns))[:51, 51:], axis=1)
    np.testing.assert_array_equal(best, np.arange(51) % 3)
    r = sequence_data(jax.random.key(0), "random", n_transitions=300)
    best = np.argmax(np.corrcoef(r, np.asarray(patterns))[:301, 301:], axis=1)
    repeats = np.mean(best[1:] == best[:-1])
    assert 0.2 < repeats < 0.45  # uniform with replacement over 3 patterns: 1/3
    other = sequence_data(jax.random.key(0), "fixed", n_transitions=50, digits=(4, 5, 6))
    best = np.argmax(np.corrcoef(other, np.asarray(digits.train[np.array([4, 5, 6])]))[:51, 51:], axis=1)
    np.testing.assert_array_equal(best, np.arange(51) % 3)
    t = sequence_data(jax.random.key(1), "fixed", n_transitions=20, source="training")
    assert t.shape == (21, 64) and np.all(np.abs(t) <= 1)


@pytest.mark.parametrize(
    "kwargs, match",
    [(dict(order="sideways"), "order"), (dict(source="dreams"), "source"), (dict(n_transitions=0), "n_transitions"),
     (dict(evidence_level=-1.0), "evidence_level")],
)
def test_sequence_data_errors(kwargs, match):
    order = kwargs.pop("order", "fixed")
    with pytest.raises(ValueError, match=match):
        sequence_data(jax.random.key(0), order, **kwargs)


@pytest.mark.slow
def test_compare_full_size_acceptance(tmp_path):
    """The issue's acceptance at the CLI's defaults: sequence > 2 SE for asymmetric, random not; AIS ranking right."""
    result = compare_orders(jax.random.key(0), progress=False)
    payload = write_comparison(result, str(tmp_path), figures=False)
    seq, rnd = payload["sequence"], payload["random"]
    assert seq["elpd_asymmetric"] - seq["elpd_symmetric"] > 2 * seq["se_diff"] and seq["preferred"] == "asymmetric"
    assert rnd["preferred"] == "symmetric"
    for k in ("symmetric", "asymmetric"):
        assert seq["khat_bad_fraction"][k] < 0.02 and rnd["khat_bad_fraction"][k] < 0.02
    ranking = payload["heldout"]
    assert ranking["best"] == {"held-out digits 1-3": "trained on digits 1-3", "held-out digits 4-6": "trained on digits 4-6"}
    assert min(ranking["z"].values()) > 2
