"""Network files: J and b in a NumPy .npz archive, written and read in row blocks.

The file is what ``np.savez`` writes (an uncompressed zip with the members ``format.npy``
(the tag ``FILE_FORMAT = "fepnet.Network/1"``), ``couplings.npy`` and ``biases.npy``;
ZIP64 where a member passes 4 GB), so ``np.load`` reads it and every file written before
reads here. What changes is how J moves: :func:`save` writes the couplings' .npy header and
then their rows, a block of about ``BLOCK_BYTES`` (16 MiB) at a time, straight from the
array's memory (no host copy of J on CPU), and :func:`load` streams the rows back into the
final device buffer (J plus one block, not a NumPy copy and then a JAX copy). A 10 GB network
therefore saves and loads in bounded memory. Anything unusual in a file (another dtype kind,
Fortran order, a .npy version other than 1 or 2, wrong shapes) is read whole by ``np.load``
as before, with the same messages. Users call :meth:`~fepnet.network.Network.save` and
:meth:`~fepnet.network.Network.load`.
"""

from __future__ import annotations

import os
import zipfile
from functools import partial

import jax
import jax.numpy as jnp
import numpy as np

from . import memory_plan
from .infra.files import atomic_path

__all__ = ["save", "load", "BLOCK_BYTES", "FILE_FORMAT"]

#: The format tag that :func:`save` writes as the ``format.npy`` member and :func:`load` requires.
FILE_FORMAT = "fepnet.Network/1"
#: About how many bytes of J's rows :func:`save` writes and :func:`load` reads at a time (16 MiB).
BLOCK_BYTES = 16 * 2**20  # rows per block: about this many bytes
_ZIP_MAGIC = b"PK\x03\x04"  # an .npz file is a zip archive
_NPY_MAGIC = b"\x93NUMPY"


def _rows_per_block(n: int, itemsize: int) -> int:
    return max(1, min(n, BLOCK_BYTES // max(1, n * itemsize)))


@partial(jax.jit, static_argnames=("rows",))
def _get_rows(J, r0, rows: int):
    return jax.lax.dynamic_slice_in_dim(J, r0, rows)


@partial(jax.jit, donate_argnums=0)
def _put_rows(J, block, r0):
    return jax.lax.dynamic_update_slice_in_dim(J, block.astype(J.dtype), r0, 0)


def _host_blocks(J):
    """Yield the rows of J (N, N) as C-contiguous NumPy blocks: views of J's memory on CPU, else copies."""
    n = J.shape[0]
    rows = _rows_per_block(n, J.dtype.itemsize)
    on_cpu = all(d.platform == "cpu" for d in J.sharding.device_set) and J.is_fully_addressable
    host = np.asarray(J) if on_cpu else None  # zero-copy view of a CPU buffer
    for r0 in range(0, n, rows):
        r1 = min(n, r0 + rows)
        yield host[r0:r1] if host is not None else np.asarray(_get_rows(J, r0, r1 - r0))


def save(network, path) -> None:
    """Write ``network`` (J and b) to ``path`` as an .npz archive, atomically, J in row blocks.

    Parameters
    ----------
    network : Network
        The network to write.
    path : str or os.PathLike
        The file (exactly this name; no ``.npz`` is appended).

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
    >>> import os, tempfile, numpy as np, fepnet
    >>> from fepnet import network_file
    >>> path = os.path.join(tempfile.mkdtemp(), "net.npz")
    >>> network_file.save(fepnet.Network.zeros(3), path)
    >>> sorted(np.load(path).files)
    ['biases', 'couplings', 'format']
    """
    path = os.fspath(path)
    if os.path.isdir(path):
        raise IsADirectoryError(f"cannot save the network: {path} is a directory")
    J = jnp.asarray(network.couplings)
    with atomic_path(path) as tmp:
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as zf:
            with zf.open("format.npy", "w", force_zip64=True) as fh:  # as np.savez opens its members
                np.lib.format.write_array(fh, np.asarray(FILE_FORMAT), allow_pickle=False)
            with zf.open("couplings.npy", "w", force_zip64=True) as fh:
                header = {"descr": np.lib.format.dtype_to_descr(np.dtype(J.dtype)), "fortran_order": False,
                          "shape": tuple(J.shape)}
                try:
                    np.lib.format.write_array_header_1_0(fh, header)
                except ValueError:  # a header too long for version 1.0
                    np.lib.format.write_array_header_2_0(fh, header)
                for block in _host_blocks(J):
                    fh.write(memoryview(np.ascontiguousarray(block)).cast("B"))
            with zf.open("biases.npy", "w", force_zip64=True) as fh:
                np.lib.format.write_array(fh, np.asarray(network.biases), allow_pickle=False)


def _reason(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


def _couplings_header(zf):
    """(shape, dtype) of the couplings member when it can be streamed (float, C order, .npy 1.0 / 2.0), else None."""
    try:
        with zf.open("couplings.npy") as fh:
            version = np.lib.format.read_magic(fh)
            if version == (1, 0):
                shape, fortran, dtype = np.lib.format.read_array_header_1_0(fh)
            elif version == (2, 0):
                shape, fortran, dtype = np.lib.format.read_array_header_2_0(fh)
            else:
                return None
    except Exception:  # let the whole-file path describe the damage
        return None
    if fortran or dtype.kind != "f" or dtype.hasobject or len(shape) != 2 or shape[0] != shape[1] or shape[0] < 1:
        return None
    return shape, dtype


def _stream_couplings(zf, shape, dtype, target):
    """J read from the archive row block by row block into a device buffer of ``target`` dtype.

    Returns (J, error): ``error`` is the message the constructor would give the whole array
    (non-finite values, or values beyond the range of ``target``), or None.
    """
    n = shape[0]
    rows = _rows_per_block(n, max(dtype.itemsize, np.dtype(target).itemsize))
    J = jnp.zeros(shape, target)
    source_finite, cast_finite, largest = True, True, 0.0
    with zf.open("couplings.npy") as fh:
        version = np.lib.format.read_magic(fh)
        (np.lib.format.read_array_header_1_0 if version == (1, 0) else np.lib.format.read_array_header_2_0)(fh)
        for r0 in range(0, n, rows):
            r1 = min(n, r0 + rows)
            want = (r1 - r0) * n * dtype.itemsize
            raw = fh.read(want)
            if len(raw) != want:
                raise EOFError(f"couplings end after {r0} of {n} rows")
            block = np.frombuffer(raw, dtype=dtype).reshape(r1 - r0, n)
            with np.errstate(over="ignore", invalid="ignore"):
                cast = block if dtype == target else block.astype(target)
            if not np.isfinite(cast).all():
                cast_finite = False
                finite = np.isfinite(block)
                source_finite = source_finite and bool(finite.all())
                largest = max(largest, float(np.max(np.abs(np.where(finite, block, 0)))))
            elif not cast_finite:
                largest = max(largest, float(np.max(np.abs(block))))
            J = _put_rows(J, cast, r0)
        fh.read(1)  # at the end of the member: the CRC is checked
    if cast_finite:
        return J, None
    if source_finite:  # the old whole-array check's messages (fepnet.infra.checks.as_real_array)
        return J, (f"couplings holds values beyond the range of {np.dtype(target).name} "
                   f"(largest magnitude {largest:.3g})")
    return J, "couplings contains non-finite values (NaN or inf)"


def load(cls, path):
    """Read a network written by :func:`save` (or by ``Network.save`` of any version), validated by ``cls``.

    See :meth:`~fepnet.network.Network.load` for the dtype rules and the errors.

    Parameters
    ----------
    cls : type
        The class to build, called as ``cls(J, b)`` (:class:`~fepnet.network.Network`).
    path : str or os.PathLike
        The file.

    Returns
    -------
    Network
        ``cls(J, b)``.

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    ValueError
        ``not a fepnet network file: <path> (<why>)`` for anything that is not a valid saved
        network, and a network too large for the memory available.

    Examples
    --------
    >>> import os, tempfile, fepnet
    >>> from fepnet import network_file
    >>> path = os.path.join(tempfile.mkdtemp(), "net.npz")
    >>> network_file.save(fepnet.Network.zeros(3), path)
    >>> network_file.load(fepnet.Network, path)
    Network(N=3, couplings(3, 3), dtype=float32)
    """
    path = os.fspath(path)

    def refuse(why):
        return ValueError(f"not a fepnet network file: {path} ({why})")

    if os.path.isdir(path):
        raise refuse("it is a directory")
    with open(path, "rb") as fh:  # FileNotFoundError (naming the path) passes through
        magic = fh.read(len(_ZIP_MAGIC))
        if not magic:
            raise refuse("the file is empty")
        if magic == _NPY_MAGIC[: len(magic)]:
            raise refuse("a single NumPy array (.npy), not an .npz archive written by Network.save")
        if magic != _ZIP_MAGIC:
            raise refuse("unrecognised content, not an .npz archive written by Network.save")
        fh.seek(0)
        try:
            data = np.load(fh, allow_pickle=False)
        except Exception as exc:  # truncated or damaged zip
            raise refuse(f"a damaged or truncated .npz archive: {_reason(exc)}") from None
        with data:
            try:
                files = set(data.files)
                tag, b = (data[k] if k in files else None for k in ("format", "biases"))
                tagged = tag is not None and tag.shape == () and tag.dtype.kind == "U" and str(tag) == FILE_FORMAT
                plan = _couplings_header(data.zip) if tagged and "couplings" in files else None
                J = data["couplings"] if "couplings" in files and plan is None else None
            except Exception as exc:  # damaged members (BadZipFile: bad CRC, zlib errors), object arrays
                if "allow_pickle" in str(exc):
                    raise refuse("an entry holds Python objects (pickled data)") from None
                raise refuse(f"an entry cannot be read: {_reason(exc)}") from None
            error = None
            if plan is not None:  # a float, C-order, square J: streamed into its device buffer
                shape, dtype = plan
                target = jax.dtypes.canonicalize_dtype(dtype)
                memory_plan.require_couplings(shape[0], target, f"Network.load of {path}")
                try:
                    J, error = _stream_couplings(data.zip, shape, dtype, target)
                except Exception as exc:
                    raise refuse(f"an entry cannot be read: {_reason(exc)}") from None
    if tag is None:
        raise refuse("not a saved fepnet Network: it has no 'format' entry")
    if tag.shape != () or tag.dtype.kind != "U" or str(tag) != FILE_FORMAT:
        raise refuse(f"not a saved fepnet Network: its format is not {FILE_FORMAT!r}")
    missing = [k for k, x in (("couplings", J), ("biases", b)) if x is None]
    if missing:
        raise refuse("no " + " and no ".join(repr(k) for k in missing) + " entry")
    if error is not None:
        raise refuse(error)
    try:
        return cls(J, b)
    except (TypeError, ValueError) as exc:
        raise refuse(str(exc)) from None
