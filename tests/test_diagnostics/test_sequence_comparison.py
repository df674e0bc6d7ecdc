"""`fepnet compare`: sequence against random-order data, symmetric against asymmetric couplings (reduced sizes)."""

import json

import jax
import numpy as np
import pytest

from diagnostics.sequence_comparison import compare_orders, sequence_data, write_comparison
from fepnet.cli import main
from fepnet.data import load_digits


def test_sequence_data_follows_the_presentation_order():
    digits = load_digits()
    patterns = digits.train[np.array([1, 2, 3])]
    x = sequence_data(jax.random.key(0), "fixed", n_transitions=30)
    assert x.shape == (31, 64) and np.all(np.abs(x) <= 1)
    # at evidence 20 each state is its pattern's sign pattern almost everywhere: the order 1, 2, 3, 1, ...
    best = np.argmax(np.corrcoef(x, np.asarray(patterns))[:31, 31:], axis=1)
    np.testing.assert_array_equal(best, np.arange(31) % 3)
    r = sequence_data(jax.random.key(0), "random", n_transitions=300)
    best = np.argmax(np.corrcoef(r, np.asarray(patterns))[:301, 301:], axis=1)
    repeats = np.mean(best[1:] == best[:-1])
    assert 0.2 < repeats < 0.45  # uniform with replacement over 3 patterns: 1/3
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


def test_compare_cli_prefers_asymmetric_only_on_sequence_data(tmp_path, capsys):
    out = tmp_path / "cmp"
    args = ["compare", "--out", str(out), "--transitions", "120", "--svi-steps", "400", "--draws", "40",
            "--no-heldout", "--no-progress"]
    assert main(args) == 0
    printed = capsys.readouterr().out
    assert "elpd_loo" in printed and "sequence data" in printed and "random data" in printed
    result = json.loads((out / "compare.json").read_text())
    for name in ("sequence", "random"):
        s = result[name]
        assert {"elpd_symmetric", "elpd_asymmetric", "se_diff", "preferred"} <= set(s)
        assert np.isfinite(s["elpd_symmetric"]) and s["se_diff"] > 0
    seq, rnd = result["sequence"], result["random"]
    assert seq["preferred"] == "asymmetric"
    assert seq["elpd_asymmetric"] - seq["elpd_symmetric"] > 2 * seq["se_diff"]
    assert rnd["preferred"] == "symmetric"
    assert not rnd["elpd_asymmetric"] - rnd["elpd_symmetric"] > 2 * rnd["se_diff"]
    assert result["settings"]["n_transitions"] == 120 and "heldout" not in result
    for name in ("elpd_sequence.png", "pointwise_random.png", "couplings_sequence.png", "report.md", "report.html"):
        assert (out / name).stat().st_size > 1000


def test_compare_cli_rejects_bad_arguments(capsys):
    with pytest.raises(SystemExit):
        main(["compare", "--transitions", "0"])
    with pytest.raises(SystemExit, match="draws"):
        main(["compare", "--draws", "1"])


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
