import jax
import jax.numpy as jnp
import numpy as np
import pytest

import fepnet
from fepnet import cb
from fepnet.attractors import Attractors, first_copy, symmetric_fixed_points, unique_mask
from fepnet.geometry import orthogonality, pairwise_angles, pairwise_correlations


def test_deduplicate_rounds_and_keeps_first_appearance_order():
    x = np.array([[0.501, -0.2], [0.1, 0.1], [0.499, -0.2], [-0.0001, 0.1], [0.1, 0.1]])
    states, label = fepnet.deduplicate(x, decimals=2)
    np.testing.assert_array_equal(states, [[0.5, -0.2], [0.1, 0.1], [0.0, 0.1]])
    np.testing.assert_array_equal(label, [0, 1, 0, 2, 1])


def test_hopfield_like_network_has_both_sign_flipped_attractors():
    # J = p p^T (zero diagonal) with a strong gain stores +p and -p.
    p = np.array([1.0, -1.0, 1.0, 1.0, -1.0, -1.0])
    J = np.outer(p, p)
    np.fill_diagonal(J, 0.0)
    net = fepnet.Network(J)
    starts = np.stack([0.3 * p, -0.3 * p, 0.2 * p + 0.05, -0.25 * p])
    found = fepnet.find_attractors(net, starts, inverse_temperature=2.0)
    assert found.count == 2
    assert bool(np.all(np.asarray(found.relaxed.converged)))
    np.testing.assert_array_equal(found.label, [0, 1, 0, 1])
    # each attractor is a fixed point m = L(iT J m) and aligned with +-p
    m = found.states
    np.testing.assert_allclose(m, np.round(np.asarray(cb.langevin(2.0 * m @ J.T)), 2), atol=0.011)
    assert np.all(np.sign(m[0]) == p) and np.all(np.sign(m[1]) == -p)


def test_zero_network_has_single_attractor_at_zero():
    found = fepnet.find_attractors(fepnet.Network(jnp.zeros((5, 5))), np.random.default_rng(0).uniform(-0.9, 0.9, (7, 5)))
    assert found.count == 1
    np.testing.assert_array_equal(found.states, np.zeros((1, 5)))


# --- geometry on hand-made states -------------------------------------------------------------

HADAMARD4 = np.array([[1, 1, 1, 1], [1, -1, 1, -1], [1, 1, -1, -1], [1, -1, -1, 1]], dtype=np.float64)
A = np.array([1.0, 0.0, 0.0])
B60 = np.array([np.cos(np.pi / 3), np.sin(np.pi / 3), 0.0])  # 60 degrees from A
C = np.array([0.0, 0.0, 1.0])  # orthogonal to A and B60


@pytest.mark.parametrize(
    "states",
    [HADAMARD4, 0.3 * HADAMARD4[::-1], np.diag([2.0, -1.0, 0.5]), np.array([[0.0, -3.0, 0.0], [0.7, 0.0, 0.0]])],
    ids=["hadamard", "scaled-hadamard", "signed-basis", "two-basis-vectors"],
)
def test_mutually_orthogonal_states_have_right_angles_and_zero_orthogonality(states):
    a = np.asarray(pairwise_angles(states))
    n = states.shape[0]
    off = ~np.eye(n, dtype=bool)
    np.testing.assert_allclose(a[off], 90.0, atol=1e-4)
    np.testing.assert_allclose(np.diag(a), 0.0, atol=0.05)  # arccos near 1 is ill-conditioned in float32
    assert abs(float(orthogonality(states))) < 1e-4


def test_two_states_at_sixty_degrees_give_orthogonality_thirty():
    a = np.asarray(pairwise_angles(np.stack([A, B60])))
    np.testing.assert_allclose(a[0, 1], 60.0, atol=1e-4)
    np.testing.assert_allclose(a, a.T)
    assert float(orthogonality(np.stack([A, B60]))) == pytest.approx(30.0, abs=1e-4)
    # 60, 90, 90 -> mean of |90 - angle| = (30 + 0 + 0) / 3
    assert float(orthogonality(np.stack([A, B60, C]))) == pytest.approx(10.0, abs=1e-4)


def test_duplicates_and_sign_flips_are_excluded():
    # pairs: (A, B) 60, (A, 2A) 0, (A, -A) 180, (B, 2A) 60, (B, -A) 120, (2A, -A) 180:
    # only the 60 / 60 / 120 pairs count, each |90 - angle| = 30; including any excluded pair would raise the mean.
    states = np.stack([A, B60, 2 * A, -A])
    assert float(orthogonality(states)) == pytest.approx(30.0, abs=1e-4)
    # a sign-flipped and an identical copy alone: fewer than two directions -> NaN
    assert np.isnan(float(orthogonality(np.stack([A, -A, 3 * A]))))
    assert np.isnan(float(orthogonality(A[None, :])))
    assert np.isnan(float(orthogonality(np.zeros((0, 3)))))


def test_exclude_argument_moves_the_cut():
    half = np.radians(0.5)
    near = np.array([np.cos(half), np.sin(half), 0.0])  # 0.5 degrees from A
    states = np.stack([A, near, C])
    # default exclude=1: (A, near) is a duplicate; (A, C) and (near, C) are 90 -> 0
    assert float(orthogonality(states)) == pytest.approx(0.0, abs=1e-3)
    # exclude=0.25 keeps it: (89.5 + 0 + 0) / 3
    assert float(orthogonality(states, exclude=0.25)) == pytest.approx(89.5 / 3, abs=1e-2)
    # exclude=61 drops the 60-degree pair (and its 120-degree mirror) as well
    assert float(orthogonality(np.stack([A, B60, C]), exclude=61.0)) == pytest.approx(0.0, abs=1e-4)
    assert np.isnan(float(orthogonality(np.stack([A, B60]), exclude=61.0)))


def test_mask_excludes_rows():
    states = np.stack([A, B60, C])
    assert float(orthogonality(states, mask=[True, True, False])) == pytest.approx(30.0, abs=1e-4)
    assert float(orthogonality(states, mask=[True, False, True])) == pytest.approx(0.0, abs=1e-4)
    assert np.isnan(float(orthogonality(states, mask=[False, True, False])))


def test_zero_row_gives_nan_angles_and_is_ignored():
    states = np.stack([A, np.zeros(3), B60])
    a = np.asarray(pairwise_angles(states))
    assert np.all(np.isnan(a[1])) and np.all(np.isnan(a[:, 1]))
    assert not np.any(np.isnan(np.delete(np.delete(a, 1, 0), 1, 1)))
    assert float(orthogonality(states)) == pytest.approx(30.0, abs=1e-4)


def test_pairwise_correlations_match_numpy_and_constant_rows_give_zero():
    x = np.random.default_rng(1).normal(size=(6, 11))
    np.testing.assert_allclose(np.asarray(pairwise_correlations(x)), np.corrcoef(x), atol=1e-5)
    with_const = np.vstack([x[:3], np.full((1, 11), 2.5)])
    r = np.asarray(pairwise_correlations(with_const))
    np.testing.assert_array_equal(r[3], 0.0)
    np.testing.assert_array_equal(r[:, 3], 0.0)
    np.testing.assert_allclose(r[:3, :3], np.corrcoef(x[:3]), atol=1e-5)
    # invariant to shifting and positively scaling rows
    np.testing.assert_allclose(np.asarray(pairwise_correlations(3 * x + 7)), np.corrcoef(x), atol=1e-5)


def _planted(seed, n_distinct=6, n_rows=15, n=5):
    """Rows with planted near-duplicates: each row is one of ``n_distinct`` bases (exact 2-decimal values,
    |entries| <= 0.9) plus jitter < 0.005 in absolute value, so rounding to 2 decimals recovers its base."""
    rng = np.random.default_rng(seed)
    bases = np.round(rng.uniform(-0.9, 0.9, (n_distinct, n)), 2)
    which = rng.integers(0, n_distinct, n_rows)
    which[:n_distinct] = rng.permutation(n_distinct)  # every base appears at least once
    rng.shuffle(which)
    rows = bases[which] + rng.uniform(-0.004, 0.004, (n_rows, n))
    return rows, bases, which


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_unique_mask_and_first_copy_agree_with_deduplicate(seed):
    rows, bases, which = _planted(seed)
    states, label = fepnet.deduplicate(rows)
    keep = np.asarray(unique_mask(rows))
    first = np.asarray(first_copy(rows))
    assert states.shape[0] == 6 == keep.sum()
    # first appearances, in order
    expected_first = [int(np.flatnonzero(which == w)[0]) for w in which]
    np.testing.assert_array_equal(first, expected_first)
    np.testing.assert_array_equal(np.flatnonzero(keep), sorted(set(expected_first)))
    np.testing.assert_allclose(states, np.round(rows[keep], 2), atol=1e-6)
    np.testing.assert_allclose(states[label], bases[which], atol=1e-6)
    # label = rank of the first copy among first copies
    np.testing.assert_array_equal(label, (np.cumsum(keep) - 1)[first])


def test_unique_mask_and_first_copy_under_jit_and_vmap():
    batch = np.stack([_planted(seed)[0] for seed in range(4)]).astype(np.float32)  # (4, 15, 5)
    jit_first = jax.jit(first_copy)
    vmapped_mask = jax.jit(jax.vmap(unique_mask))(batch)
    for k in range(batch.shape[0]):
        np.testing.assert_array_equal(np.asarray(jit_first(batch[k])), np.asarray(first_copy(batch[k])))
        np.testing.assert_array_equal(np.asarray(vmapped_mask[k]), np.asarray(unique_mask(batch[k])))
        assert int(vmapped_mask[k].sum()) == fepnet.deduplicate(batch[k])[0].shape[0]
    # decimals as a closed-over static argument
    coarse = jax.jit(jax.vmap(lambda s: unique_mask(s, decimals=0)))(batch)
    for k in range(batch.shape[0]):
        assert int(coarse[k].sum()) == fepnet.deduplicate(batch[k], decimals=0)[0].shape[0]


def test_masked_orthogonality_under_vmap_matches_deduplicated_states():
    rng = np.random.default_rng(3)
    dirs = rng.normal(size=(4, 3, 3))  # 4 batches of 3 distinct directions
    batch = np.concatenate([dirs, dirs[:, :2]], axis=1)  # plus exact duplicates of 2 of them -> (4, 5, 3)
    vm = jax.jit(jax.vmap(lambda s: orthogonality(s, mask=unique_mask(s, decimals=6))))(batch)
    for k in range(4):
        np.testing.assert_allclose(float(vm[k]), float(orthogonality(dirs[k])), rtol=1e-4)
        # without the mask the copies also pair with the other directions: a different average, as in numpy
        np.testing.assert_allclose(float(orthogonality(batch[k])), _orthogonality_reference(batch[k]), rtol=1e-4)
        np.testing.assert_allclose(float(vm[k]), _orthogonality_reference(dirs[k]), rtol=1e-4)
    assert not np.allclose(np.asarray(vm), [_orthogonality_reference(b) for b in batch], rtol=1e-3)


def _orthogonality_reference(states, exclude=1.0):
    """Plain numpy: mean |90 - angle| over pairs i < j with exclude <= angle <= 180 - exclude."""
    s = np.asarray(states, np.float64)
    vals = []
    for i in range(len(s)):
        for j in range(i + 1, len(s)):
            c = s[i] @ s[j] / (np.linalg.norm(s[i]) * np.linalg.norm(s[j]))
            a = np.degrees(np.arccos(np.clip(c, -1, 1)))
            if exclude <= a <= 180 - exclude:
                vals.append(abs(90 - a))
    return float(np.mean(vals)) if vals else float("nan")


# --- find_attractors / symmetric_fixed_points -------------------------------------------------

# J = [[0, -5], [-5, 0]] at iT = 1: the synchronous map decouples into m1' = L(-5 m2), m2' = L(-5 m1).
# Starts with opposite signs converge to the antiferromagnetic fixed points +-(a, -a), a = L(5a) ~ 0.7259;
# starts with equal signs stay sign-symmetric and alternate (a, a) <-> (-a, -a): a 2-cycle, never converging.
ANTI = np.array([[0.0, -5.0], [-5.0, 0.0]])
ANTI_STARTS = np.array([[0.9, 0.9], [0.9, -0.9], [-0.5, 0.6], [-0.3, -0.8], [0.2, -0.1]])


def test_two_cycle_network_really_cycles():
    r = fepnet.relax(fepnet.Network(ANTI), ANTI_STARTS)
    np.testing.assert_array_equal(np.asarray(r.converged), [False, True, True, False, True])
    np.testing.assert_array_equal(np.asarray(r.two_cycle), [True, False, False, True, False])
    # by hand: the end state of a same-sign start maps to its negative, so it is not a fixed point
    s = np.asarray(r.sigma, np.float64)
    nxt = np.asarray(cb.langevin(s @ ANTI.T), np.float64)
    np.testing.assert_allclose(nxt[[0, 3]], -s[[0, 3]], atol=1e-5)
    np.testing.assert_allclose(nxt[[1, 2, 4]], s[[1, 2, 4]], atol=1e-5)
    assert np.all(np.abs(s) > 0.7)


def test_find_attractors_converged_only_labels_cycles_minus_one():
    net = fepnet.Network(ANTI)
    found = fepnet.find_attractors(net, ANTI_STARTS, converged_only=True)
    np.testing.assert_array_equal(found.label, [-1, 0, 1, -1, 0])
    np.testing.assert_allclose(found.states, [[0.73, -0.73], [-0.73, 0.73]], atol=1e-9)
    # without the flag the 2-cycle end state is kept as an "attractor" too
    every = fepnet.find_attractors(net, ANTI_STARTS)
    assert every.count == 3 and np.all(every.label >= 0)
    np.testing.assert_array_equal(every.label[[1, 2, 4]], [1, 2, 1])
    # nothing converges -> no states, all -1
    none = fepnet.find_attractors(net, np.abs(ANTI_STARTS), converged_only=True)  # all same-sign starts
    assert none.count == 0 and none.states.shape == (0, 2)
    np.testing.assert_array_equal(none.label, [-1] * 5)
    assert np.isnan(none.orthogonality())


def test_symmetric_fixed_points_equal_find_attractors_on_symmetric_part():
    rng = np.random.default_rng(4)
    p = np.array([1.0, -1.0, 1.0, 1.0, -1.0, -1.0])
    q = np.array([1.0, 1.0, -1.0, 1.0, -1.0, 1.0])
    S = np.outer(p, p) + np.outer(q, q)
    np.fill_diagonal(S, 0.0)
    Z = rng.normal(size=(6, 6))
    J = S + 0.8 * (Z - Z.T)  # symmetric + antisymmetric
    net = fepnet.Network(J)
    np.testing.assert_allclose(np.asarray(net.symmetric_part()), S, atol=1e-6)
    starts = np.concatenate([0.3 * np.stack([p, -q]), rng.uniform(-0.9, 0.9, (2, 6))])
    sfp = symmetric_fixed_points(net, starts, inverse_temperature=1.5)
    ref = fepnet.find_attractors(fepnet.Network(S), starts, inverse_temperature=1.5, converged_only=True)
    np.testing.assert_array_equal(sfp.states, ref.states)
    np.testing.assert_array_equal(sfp.label, ref.label)
    assert sfp.count >= 2 and np.all(sfp.label >= 0)
    # they are fixed points of the symmetric dynamics m = L(iT Js m)
    m = sfp.states
    np.testing.assert_allclose(m, np.asarray(cb.langevin(1.5 * m @ S)), atol=0.011)


def test_symmetric_fixed_points_default_to_converged_only():
    # symmetric part is ANTI; the antisymmetric part (+-2) does not matter
    net = fepnet.Network(ANTI + np.array([[0.0, 2.0], [-2.0, 0.0]]))
    found = symmetric_fixed_points(net, ANTI_STARTS)
    np.testing.assert_array_equal(found.label, [-1, 0, 1, -1, 0])
    kept = symmetric_fixed_points(net, ANTI_STARTS, converged_only=False)
    assert kept.count == 3


def test_attractors_methods_agree_with_free_functions():
    p = np.array([1.0, -1.0, 1.0, 1.0, -1.0, -1.0])
    q = np.array([1.0, 1.0, -1.0, 1.0, -1.0, 1.0])
    J = np.outer(p, p) + np.outer(q, q)
    np.fill_diagonal(J, 0.0)
    starts = 0.3 * np.stack([p, -p, q, p + 0.5 * q])
    found = fepnet.find_attractors(fepnet.Network(J), starts, inverse_temperature=2.0)
    assert isinstance(found, Attractors) and found.count >= 2
    s = found.states
    np.testing.assert_array_equal(found.angles(), np.asarray(pairwise_angles(s)))
    np.testing.assert_array_equal(found.correlations(), np.asarray(pairwise_correlations(s)))
    assert found.orthogonality() == float(orthogonality(s))
    assert found.orthogonality(exclude=5.0) == float(orthogonality(s, exclude=5.0))
    assert np.isfinite(found.orthogonality())


def test_orthogonality_matches_numpy_reference_on_random_states():
    x = np.random.default_rng(5).normal(size=(4, 3))
    x[3] = -2 * x[1]  # a sign flip, excluded
    ref = _orthogonality_reference(x)
    assert np.isfinite(ref)
    np.testing.assert_allclose(float(orthogonality(x)), ref, rtol=1e-4)
    np.testing.assert_allclose(float(orthogonality(x, exclude=30.0)), _orthogonality_reference(x, 30.0), rtol=1e-4)


# 0.575 and 0.545 sit on a rounding boundary that float32 and float64 resolve differently:
# float32 0.575 * 100 rounds to 58, float64 0.575 (= 0.57499999999999996) to 57.
BOUNDARY_ROWS = np.array([[0.575, 0.1], [0.57, 0.1], [0.545, 0.2], [0.55, 0.2]])


def test_deduplicate_returns_distinct_rows_in_float64(x64):
    states, label = fepnet.deduplicate(BOUNDARY_ROWS)
    assert len(np.unique(states, axis=0)) == states.shape[0] == 2
    np.testing.assert_array_equal(label, [0, 0, 1, 1])


def test_deduplicate_returns_distinct_rows_in_float32(x32):
    states, label = fepnet.deduplicate(BOUNDARY_ROWS)
    assert len(np.unique(states, axis=0)) == states.shape[0]
    # every start's label points at its own row after rounding
    np.testing.assert_allclose(states[label], np.round(BOUNDARY_ROWS, 2), atol=1e-6)


# --- issue 16 ---------------------------------------------------------------------------------------


def test_cause17_geometry_of_bad_states_is_a_clear_error():
    # orthogonality(1-D input) raised a raw IndexError
    for f in (orthogonality, pairwise_angles, pairwise_correlations, unique_mask, first_copy):
        with pytest.raises(ValueError, match="states must be 2-dimensional"):
            f(np.ones(3))
        with pytest.raises(ValueError, match="states contains non-finite"):
            f(np.array([[1.0, np.nan], [0.0, 1.0]]))
        with pytest.raises(TypeError, match="states"):
            f(np.array([["a", "b"]]))
    states = np.stack([A, B60, C])
    with pytest.raises(ValueError, match=r"mask must have shape \(3,\)"):
        orthogonality(states, mask=[True, False])
    with pytest.raises(ValueError, match="mask must hold only 0 and 1"):
        orthogonality(states, mask=[1, 2, 0])
    with pytest.raises(ValueError, match="exclude must lie in"):
        orthogonality(states, exclude=120.0)
    with pytest.raises(ValueError, match="exclude"):
        orthogonality(states, exclude=-1.0)
    with pytest.raises(ValueError, match="decimals must be <= 15"):
        fepnet.deduplicate(states, decimals=400)
    # 0 / 1 masks work as booleans did
    assert float(orthogonality(states, mask=[1, 1, 0])) == pytest.approx(30.0, abs=1e-4)


def test_cause09_geometry_is_scale_free():
    # rows of any finite magnitude: the squared norms no longer overflow (angle 90) or underflow (NaN)
    states = np.stack([A, B60, C]).astype(np.float32)
    for factor in (1e-30, 1e25, 1e37):
        np.testing.assert_allclose(np.asarray(pairwise_angles(factor * states)), np.asarray(pairwise_angles(states)),
                                   atol=1e-2)
        np.testing.assert_allclose(np.asarray(pairwise_correlations(factor * states)),
                                   np.asarray(pairwise_correlations(states)), atol=1e-5)
