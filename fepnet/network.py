"""The network: couplings J and biases b of N continuous-Bernoulli nodes, an immutable pytree.

One concept, the :class:`Network` pytree: its length is the methods of that one class
(construction, evidence, symmetric/antisymmetric parts, energy and density, save/load) and their
documentation.

J[i, j] is the weight from node j to node i (diagonal zero, not necessarily
symmetric); b holds the biases. At inverse temperature iT the stationary
(Boltzmann) density on [-1, 1]^N is::

    p(sigma) ∝ exp(-iT E(sigma)),   E(sigma) = -(b·sigma + 1/2 sigma^T Js sigma),

with Js = (J + J^T) / 2 (sigma^T J sigma = sigma^T Js sigma, so only the
symmetric part enters; the antisymmetric part Ja = (J - J^T) / 2 only drives
probability currents). Evidence s enters as a bias shift b -> b + s
(:meth:`~Network.with_evidence`). :func:`boltzmann_energy` is E on raw arrays (NumPy
or JAX), the one implementation that :meth:`~Network.energy`, ``inference.tempering``
and ``diagnostics.convert`` share.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from . import inplace, memory_plan, network_file
from .infra import checks as v

__all__ = ["Network", "boltzmann_energy"]



def boltzmann_energy(couplings, biases, sigma):
    """Boltzmann energy E(sigma) = -(b·sigma + 1/2 sigma^T J sigma) of states sigma, unchecked.

    Only the symmetric part of J enters the quadratic form, so J or
    Js = (J + J^T) / 2 give the same energy up to round-off. The density at
    inverse temperature iT is proportional to exp(-iT E(sigma)).

    Parameters
    ----------
    couplings : array, shape (N, N)
        J (or its symmetric part); dimensionless.
    biases : array, shape (N,)
        b, including any evidence.
    sigma : array, shape (..., N)
        Node states (meant to be in [-1, 1]; not checked).

    Returns
    -------
    array, shape (...)
        E(sigma). When all three inputs are NumPy arrays the sum runs in NumPy (float64 inputs
        stay float64 whatever ``jax_enable_x64`` says); otherwise (JAX arrays, tracers) in
        ``jax.numpy``, so it jits and vmaps.

    See Also
    --------
    Network.energy : the same with the states checked.

    Examples
    --------
    >>> import numpy as np
    >>> from fepnet import boltzmann_energy
    >>> J = np.array([[0.0, 1.0], [1.0, 0.0]])
    >>> boltzmann_energy(J, np.array([0.5, -0.5]), np.array([[1.0, 1.0], [1.0, -1.0]]))
    array([-1.,  0.])
    """
    xp = np if all(isinstance(a, np.ndarray) for a in (couplings, biases, sigma)) else jnp
    quad = xp.einsum("...i,ij,...j->...", sigma, couplings, sigma)
    return -(sigma @ biases + 0.5 * quad)


@jax.tree_util.register_pytree_node_class
class Network:
    """Couplings ``J`` (N, N) and biases ``b`` (N,) of a continuous-Bernoulli network.

    The constructor validates its input: J square (N, N) with N >= 1, 2-D and
    finite; b of shape (N,) and finite (zeros when omitted); the diagonal of J
    zero, unless ``zero_diagonal=True`` asks for it to be set to zero. Finiteness
    is checked after the cast to the working dtype (float32 unless x64 is on), so a
    float64 1e39 is refused rather than stored as inf. Every constructor
    (``Network``, :meth:`~Network.zeros`, :meth:`~Network.random`, :meth:`~Network.load`, :meth:`~Network.replace`)
    goes through these checks. Instances are immutable pytrees (leaves J and b), so
    they pass through ``jit``, ``vmap`` and ``lax.scan``; a batch of networks is a
    Network whose leaves carry a leading batch axis (made with
    ``jax.tree_util.tree_map``, not by the constructor).

    The Boltzmann density at inverse temperature iT is
    p(sigma) ∝ exp(-iT E(sigma)) on [-1, 1]^N, E(sigma) = -(b·sigma + 1/2 sigma^T J sigma).

    Parameters
    ----------
    couplings : array_like of float, shape (N, N)
        J[i, j], the weight from node j to node i; zero diagonal.
    biases : array_like of float, shape (N,), optional
        b; default zeros.
    zero_diagonal : bool, default False
        Set the diagonal of J to zero instead of refusing a non-zero one.

    Attributes
    ----------
    couplings : jax.Array, shape (N, N)
        J (also as :attr:`~Network.J`).
    biases : jax.Array, shape (N,)
        b (also as :attr:`~Network.b`).

    Raises
    ------
    TypeError
        If couplings or biases are not arrays of real numbers (None, str, bool,
        complex, object).
    ValueError
        If couplings are not 2-D and square with at least one node, biases not
        of shape (N,), either holds NaN / inf (or values beyond the range of the
        working dtype), a node's field b_i + sum_j J_ij sigma_j could overflow the
        dtype, or the diagonal is not zero.

    Examples
    --------
    >>> import jax, jax.numpy as jnp, fepnet
    >>> net = fepnet.Network(jnp.array([[0.0, 1.0], [1.0, 0.0]]), jnp.array([0.5, -0.5]))
    >>> net
    Network(N=2, couplings(2, 2), dtype=float32)
    >>> float(net.energy(jnp.array([1.0, 1.0])))
    -1.0
    >>> fepnet.Network(jnp.ones((2, 2)), zero_diagonal=True).J.tolist()
    [[0.0, 1.0], [1.0, 0.0]]
    """

    __slots__ = ("couplings", "biases")

    def __init__(self, couplings, biases=None, *, zero_diagonal: bool = False):
        J = v.as_real_array(couplings, "couplings", ndim=2)
        n = J.shape[0]
        if J.shape != (n, n):
            raise ValueError(f"couplings must be square (N, N), got shape {tuple(J.shape)}")
        if n < 1:
            raise ValueError(f"couplings must describe at least one node (N >= 1), got shape {tuple(J.shape)}")
        if biases is None:
            b = jnp.zeros((n,), J.dtype)
        else:
            b = v.as_real_array(biases, "biases", ndim=1)
            if b.shape != (n,):
                raise ValueError(
                    f"biases must have shape ({n},) to match couplings {tuple(J.shape)}, got {tuple(b.shape)}"
                )
        dtype = jnp.result_type(J.dtype, b.dtype)
        J, b = J.astype(dtype), b.astype(dtype)
        if zero_diagonal:
            J = inplace.zero_diagonal(J)
        elif v.is_concrete(J) and np.any(np.asarray(jnp.diagonal(J)) != 0):
            raise ValueError(
                "couplings must have a zero diagonal (no self-coupling); pass zero_diagonal=True to zero it"
            )
        if v.is_concrete(J) and v.is_concrete(b) and not bool(jnp.isfinite(inplace.largest_field(J, b))):
            raise ValueError(
                f"couplings and biases are too large for {dtype}: a node's field b_i + sum_j J_ij sigma_j "
                "can overflow (the sum of |J_ij| over a row plus |b_i| is not finite)")
        object.__setattr__(self, "couplings", J)
        object.__setattr__(self, "biases", b)

    # --- pytree -----------------------------------------------------------
    def tree_flatten(self):
        return (self.couplings, self.biases), None

    @classmethod
    def tree_unflatten(cls, aux, children):
        obj = object.__new__(cls)
        object.__setattr__(obj, "couplings", children[0])
        object.__setattr__(obj, "biases", children[1])
        return obj

    def __setattr__(self, name, value):
        raise AttributeError("Network is immutable; use with_biases / with_evidence / replace")

    def __repr__(self):
        shape = getattr(self.couplings, "shape", None)
        dtype = getattr(self.couplings, "dtype", None)
        return f"Network(N={shape[-1] if shape else '?'}, couplings{tuple(shape) if shape else ''}, dtype={dtype})"

    # --- short names --------------------------------------------------------
    @property
    def J(self):
        """Couplings J (N, N), J[i, j] from node j to node i (the same array as ``couplings``)."""
        return self.couplings

    @property
    def b(self):
        """Biases b (N,) (the same array as ``biases``)."""
        return self.biases

    @property
    def size(self) -> int:
        """Number of nodes N (the last axis of J)."""
        return self.couplings.shape[-1]

    @property
    def dtype(self):
        """The floating dtype of J and b (float32 unless x64 is on)."""
        return self.couplings.dtype

    @classmethod
    def zeros(cls, n: int, dtype=None) -> "Network":
        """The empty network: J = 0 (n, n), b = 0 (n,).

        Parameters
        ----------
        n : int
            Number of nodes N >= 1.
        dtype : floating dtype, optional
            Default JAX's default float (float64 becomes float32 unless x64 is on).

        Returns
        -------
        Network

        Raises
        ------
        TypeError
            If n is not an integer or dtype not a floating dtype.
        ValueError
            If n < 1, or J (n, n) cannot fit in the memory available (naming n and the bytes).

        Examples
        --------
        >>> import fepnet
        >>> fepnet.Network.zeros(3)
        Network(N=3, couplings(3, 3), dtype=float32)
        """
        n = v.count(n, "n", minimum=1)
        dtype = _working_dtype(dtype)
        memory_plan.require_couplings(n, dtype, f"Network.zeros(n={n})")
        return cls(jnp.zeros((n, n), dtype), jnp.zeros((n,), dtype))

    @classmethod
    def random(cls, key, n: int, *, coupling_scale=0.5, bias_scale=0.0, density: float = 1.0,
               symmetric: bool = True, dtype=None) -> "Network":
        """A random network: J[i, j] ~ N(0, coupling_scale^2) on the edges of a G(n, density) graph.

        ``symmetric=True`` draws one weight per undirected edge (J = J^T, from the upper
        triangle); otherwise every directed edge i <- j gets its own weight (independent
        J[i, j] and J[j, i]). Biases b_i ~ N(0, bias_scale^2). Diagonal zero. With JAX's
        default threefry keys J is drawn in row blocks into its own buffer
        (:func:`fepnet.inplace.random_couplings`), so the only N x N array is J itself.

        Parameters
        ----------
        key : jax.Array
            A JAX PRNG key.
        n : int
            Number of nodes N >= 1.
        coupling_scale : float, default 0.5
            Standard deviation of the couplings, >= 0.
        bias_scale : float, default 0.0
            Standard deviation of the biases, >= 0.
        density : float, default 1.0
            Probability in [0, 1] that an edge (undirected if symmetric, else directed) is present.
        symmetric : bool, default True
            J = J^T.
        dtype : floating dtype, optional
            Default JAX's default float.

        Returns
        -------
        Network

        Raises
        ------
        TypeError
            If key is not a PRNG key, n not an integer, dtype not a floating dtype.
        ValueError
            If n < 1, a scale is negative or non-finite, density leaves [0, 1],
            a scale is so large that the drawn couplings / biases overflow ``dtype``, or
            J (n, n) cannot fit in the memory available (naming n and the bytes).

        Examples
        --------
        >>> import jax, fepnet
        >>> net = fepnet.Network.random(jax.random.key(0), 4, symmetric=False)
        >>> net.size, bool((net.J.diagonal() == 0).all()), round(float(net.asymmetry()), 3)
        (4, True, 1.457)
        """
        key = v.prng_key(key)
        n = v.count(n, "n", minimum=1)
        scale = float(v.nonnegative_scalar(coupling_scale, "coupling_scale"))
        b_scale = float(v.nonnegative_scalar(bias_scale, "bias_scale"))
        density = float(v.nonnegative_scalar(density, "density"))
        if density > 1:
            raise ValueError(f"density must lie in [0, 1], got {density}")
        dtype = _working_dtype(dtype)
        memory_plan.require_couplings(n, dtype, f"Network.random(n={n})")
        k_w, k_e, k_b = jax.random.split(key, 3)
        # J = where(edge & off, w, 0), with (w, edge) mirrored from the upper triangle if symmetric:
        # drawn in one fused pass, then mirrored in place (one N x N buffer, see fepnet.inplace)
        J = inplace.random_couplings(k_w, k_e, n, scale, density, dtype)
        if symmetric:
            J = inplace.mirror_upper(J)
        b = (b_scale * jax.random.normal(k_b, (n,), dtype)).astype(dtype)
        for leaf, name, value in ((J, "coupling_scale", scale), (b, "bias_scale", b_scale)):
            if v.is_concrete(leaf) and not v.all_finite(leaf):
                raise ValueError(f"{name} = {value:g} is too large for {np.dtype(dtype)}: the drawn values overflow")
        return cls(J, b)

    def replace(self, couplings=None, biases=None) -> "Network":
        """A copy with new couplings and/or biases, validated like the constructor.

        Parameters
        ----------
        couplings : array_like, shape (N', N'), optional
            New J; default the current one.
        biases : array_like, shape (N',), optional
            New b; default the current one.

        Returns
        -------
        Network

        Raises
        ------
        TypeError, ValueError
            As the constructor.

        Examples
        --------
        >>> import jax.numpy as jnp, fepnet
        >>> fepnet.Network.zeros(2).replace(biases=jnp.ones(2)).b.tolist()
        [1.0, 1.0]
        """
        return Network(
            self.couplings if couplings is None else couplings,
            self.biases if biases is None else biases,
        )

    def with_biases(self, biases) -> "Network":
        """The same couplings with biases ``biases``, cast to the network's dtype.

        Parameters
        ----------
        biases : array_like of float, shape (N,)
            The new b.

        Returns
        -------
        Network

        Raises
        ------
        TypeError
            If biases are not real numbers.
        ValueError
            If biases have the wrong shape or are not finite in the network's dtype.

        Examples
        --------
        >>> import jax.numpy as jnp, fepnet
        >>> fepnet.Network.zeros(2).with_biases(jnp.array([0.5, -1.0])).b.tolist()
        [0.5, -1.0]
        """
        b = v.as_real_array(biases, "biases", shape=self.biases.shape[-1:], dtype=self.dtype)
        return Network.tree_unflatten(None, (self.couplings, b))

    def with_evidence(self, evidence) -> "Network":
        """Evidence s as a bias shift: b -> b + s (the posterior p(sigma | s)).

        Parameters
        ----------
        evidence : array_like of float, shape (N,)
            s, added to the biases.

        Returns
        -------
        Network
            J unchanged, biases b + s.

        Raises
        ------
        TypeError
            If evidence is not real numbers.
        ValueError
            If evidence has the wrong shape, is not finite in the network's dtype, or
            b + s overflows it.

        Examples
        --------
        >>> import jax.numpy as jnp, fepnet
        >>> net = fepnet.Network.zeros(2).with_biases(jnp.array([0.5, -0.5]))
        >>> net.with_evidence(jnp.array([1.0, 1.0])).b.tolist()
        [1.5, 0.5]
        """
        s = v.as_real_array(evidence, "evidence", shape=self.biases.shape[-1:], dtype=self.dtype)
        b = self.biases + s
        if v.is_concrete(b) and not bool(np.isfinite(np.asarray(b)).all()):
            raise ValueError(f"evidence overflows {self.dtype} when added to the biases")
        return Network.tree_unflatten(None, (self.couplings, b))

    # --- parts --------------------------------------------------------------
    def symmetric_part(self):
        """The symmetric part of the couplings, Js = (J + J^T) / 2.

        Returns
        -------
        jax.Array, shape (N, N)
            Js (the only part of J that enters the energy).

        Examples
        --------
        >>> import jax.numpy as jnp, fepnet
        >>> fepnet.Network(jnp.array([[0.0, 1.0], [0.0, 0.0]])).symmetric_part().tolist()
        [[0.0, 0.5], [0.5, 0.0]]
        """
        return 0.5 * (self.couplings + jnp.swapaxes(self.couplings, -1, -2))

    def antisymmetric_part(self):
        """The antisymmetric part of the couplings, Ja = (J - J^T) / 2 (it drives probability currents only).

        Returns
        -------
        jax.Array, shape (N, N)
            Ja, with J = Js + Ja.

        Examples
        --------
        >>> import jax.numpy as jnp, fepnet
        >>> fepnet.Network(jnp.array([[0.0, 1.0], [0.0, 0.0]])).antisymmetric_part().tolist()
        [[0.0, 0.5], [-0.5, 0.0]]
        """
        return 0.5 * (self.couplings - jnp.swapaxes(self.couplings, -1, -2))

    def symmetrized(self) -> "Network":
        """The network with J replaced by its symmetric part Js = (J + J^T) / 2 (same biases).

        Returns
        -------
        Network
            Not re-validated (Js of a valid J is valid).

        Examples
        --------
        >>> import jax.numpy as jnp, fepnet
        >>> fepnet.Network(jnp.array([[0.0, 1.0], [0.0, 0.0]])).symmetrized().J.tolist()
        [[0.0, 0.5], [0.5, 0.0]]
        """
        return Network.tree_unflatten(None, (self.symmetric_part(), self.biases))

    def asymmetry(self):
        """Relative asymmetry norm(J - J^T) / norm(J) (Frobenius norms), in [0, 2].

        0 for symmetric J (and for J = 0), sqrt(2) for a one-way coupling, 2 for
        antisymmetric J.

        Returns
        -------
        jax.Array, shape () (or the batch shape of a batched Network)

        Examples
        --------
        >>> import jax.numpy as jnp, fepnet
        >>> round(float(fepnet.Network(jnp.array([[0.0, 1.0], [0.0, 0.0]])).asymmetry()), 4)
        1.4142
        """
        J = self.couplings
        num = jnp.linalg.norm(J - jnp.swapaxes(J, -1, -2), axis=(-2, -1))
        den = jnp.linalg.norm(J, axis=(-2, -1))
        return jnp.where(den > 0, num / jnp.where(den > 0, den, 1.0), 0.0)

    # --- densities ------------------------------------------------------------
    def energy(self, sigma):
        """Boltzmann energy E(sigma) = -(b·sigma + 1/2 sigma^T J sigma) (see :func:`boltzmann_energy`).

        Parameters
        ----------
        sigma : array_like of float, shape (..., N)
            Node states in [-1, 1].

        Returns
        -------
        jax.Array, shape (...)
            E(sigma).

        Raises
        ------
        TypeError
            If sigma is not real numbers.
        ValueError
            If sigma has the wrong last axis, is not finite or leaves [-1, 1].

        Examples
        --------
        >>> import jax.numpy as jnp, fepnet
        >>> net = fepnet.Network(jnp.array([[0.0, 1.0], [1.0, 0.0]]), jnp.array([0.5, -0.5]))
        >>> net.energy(jnp.array([[1.0, 1.0], [1.0, -1.0]])).tolist()
        [-1.0, 0.0]
        """
        sigma = v.states(sigma, "sigma", self.size)  # a JAX array: the sum runs in jax.numpy
        return boltzmann_energy(self.couplings, self.biases, sigma)

    def log_density(self, sigma, inverse_temperature):
        """Unnormalised log Boltzmann density, log p(sigma) + log Z = -iT E(sigma).

        Parameters
        ----------
        sigma : array_like of float, shape (..., N)
            Node states in [-1, 1].
        inverse_temperature : float
            iT > 0.

        Returns
        -------
        jax.Array, shape (...)
            -iT E(sigma).

        Raises
        ------
        TypeError, ValueError
            As :meth:`~Network.energy`; ValueError also for iT not positive and finite.

        Examples
        --------
        >>> import jax.numpy as jnp, fepnet
        >>> net = fepnet.Network(jnp.array([[0.0, 1.0], [1.0, 0.0]]), jnp.array([0.5, -0.5]))
        >>> net.log_density(jnp.array([[1.0, 1.0], [1.0, -1.0]]), 2.0).tolist()
        [2.0, 0.0]
        """
        it = v.positive_scalar(inverse_temperature, "inverse_temperature")
        return -it * self.energy(sigma)

    # --- files ----------------------------------------------------------------
    def save(self, path) -> None:
        """Write J and b to ``path`` (NumPy .npz, exact round trip; written atomically).

        The file is written under exactly ``path`` (no ``.npz`` is appended). J is written in
        row blocks straight from its memory, so saving holds no second copy of it
        (:mod:`fepnet.network_file`).

        Parameters
        ----------
        path : str or os.PathLike
            The file to write (replaced if it exists).

        Returns
        -------
        None

        Raises
        ------
        FileNotFoundError
            If the directory of ``path`` does not exist.
        IsADirectoryError
            If ``path`` is a directory.

        Examples
        --------
        >>> import os, tempfile, jax.numpy as jnp, fepnet
        >>> net = fepnet.Network(jnp.array([[0.0, 0.5], [-0.25, 0.0]]), jnp.array([1.0, 2.0]))
        >>> path = os.path.join(tempfile.mkdtemp(), "net.npz")
        >>> net.save(path)
        >>> bool((fepnet.Network.load(path).J == net.J).all())
        True
        """
        network_file.save(self, path)

    @classmethod
    def load(cls, path) -> "Network":
        """Read a network written by :meth:`~Network.save`, validated like the constructor.

        Values are cast to the working dtype (a float64 file loads as float32 unless
        x64 is on; exact with x64 on) and checked after the cast. J is read in row blocks
        into its final buffer (no NumPy copy of it alongside); every file written by earlier
        versions of :meth:`~Network.save` reads the same.

        Parameters
        ----------
        path : str or os.PathLike
            A file written by :meth:`~Network.save`.

        Returns
        -------
        Network

        Raises
        ------
        FileNotFoundError
            If ``path`` does not exist.
        ValueError
            ``not a fepnet network file: <path> (<why>)`` for anything else that is not
            a valid saved network: a directory, an empty, truncated or foreign file, a
            ``.npy`` array, an archive without the fepnet format tag or a key, wrong
            shapes, non-finite values or values beyond the range of the working dtype.
            Also a network too large for the memory available (naming N and the bytes).

        Examples
        --------
        See :meth:`~Network.save`.
        """
        return network_file.load(cls, path)


def _working_dtype(dtype):
    """``dtype`` as a floating dtype JAX can hold now (float64 becomes float32 unless x64 is on)."""
    return jax.dtypes.canonicalize_dtype(v.float_dtype(dtype, "dtype"))
