"""The validation report's number and caption formatting (issue #19: "p = < 1e-16", an energy-distance p shown
as the permutation floor 0.000999, and the caption "synchronous vs pi vs sync"). Direct calls, no sampling."""

import pytest

from diagnostics.validation import render


@pytest.mark.parametrize("p, text", [(0.0, "p < 1e-16"), (1e-20, "p < 1e-16"), (0.5, "p = 0.5"),
                                     (0.012345, "p = 0.0123")])
def test_p_text_never_writes_equals_less_than(p, text):
    assert render._p_text(p) == text


@pytest.mark.parametrize("p, b, text", [
    (1 / 1001, 1000, "< 0.001"),    # the floor of the default test: not "0.000999"
    (1 / 101, 100, "< 0.01"),
    (1 / 100, 99, "≤ 0.01"),        # the floor is exactly 0.01
    (1 / 2001, 2000, "< 0.0005"),
    (2 / 1001, 1000, "0.002"),      # one relabelling beat the observed statistic: a real estimate
    (0.731, 1000, "0.731"),
    (1 / 1001, None, "0.000999"),   # B unknown: the number as it is
])
def test_permutation_p_at_and_above_the_floor(p, b, text):
    assert render._permutation_p(p, b) == text


def test_permutation_p_text_and_terminal_spec():
    assert render._permutation_p_text(1 / 1001, 1000) == "p < 0.001"
    assert render._permutation_p_text(0.25, 1000) == "p = 0.25"
    assert render._permutation_p(0.25, 1000, ".3f") == "0.250"
    assert render._permutation_p(1 / 1001, 1000, ".3f") == "< 0.001"


def test_format_validation_shows_the_floor_and_keeps_the_json_number():
    entry = {"reference": "boltzmann", "max_abs_z": 1.2, "var_ratio_range": [0.9, 1.1],
             "energy_distance_p": 1 / 1001, "energy_distance_permutations": 1000, "ess_per_s": 1000.0,
             "nuts_ess_per_s": 10.0, "verdict": "inconsistent"}
    text = render.format_validation({"sequential": entry})
    assert "< 0.001" in text and "0.000999" not in text and "0.001 " not in text.replace("< 0.001", "")
    assert entry["energy_distance_p"] == 1 / 1001  # the summary (validation.json) stays numeric


def test_moment_captions_say_what_is_compared():
    sync = render._caption("moments_synchronous_pi_sync.png")
    assert "vs pi vs sync" not in sync
    assert "synchronous sampler vs π_sync" in sync and "stationary density" in sync
    seq = render._caption("moments_random-scan.png")
    assert "random-scan sampler vs the Boltzmann posterior" in seq
    assert render._caption("moments_synchronous.png").count(" vs ") == 1
