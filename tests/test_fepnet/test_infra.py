"""fepnet.infra: atomic files, strict JSON, the output directory, the chunked driver, reports."""

import json
import math
import os

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from fepnet.infra import Artifacts, Report, atomic_path, check_output_dir, json_safe, run_in_chunks
from fepnet.infra.progress import ceil_chunks, chunk_bounds, even_bounds


def test_atomic_path_leaves_the_old_file_and_no_temporary_on_failure(tmp_path):
    path = tmp_path / "a.txt"
    path.write_text("old")
    with pytest.raises(KeyboardInterrupt):
        with atomic_path(path) as tmp:
            with open(tmp, "w") as fh:
                fh.write("half")
            raise KeyboardInterrupt
    assert path.read_text() == "old"
    assert sorted(os.listdir(tmp_path)) == ["a.txt"]
    with atomic_path(path) as tmp:
        assert tmp.endswith(".txt") and os.path.dirname(tmp) == str(tmp_path)
        with open(tmp, "w") as fh:
            fh.write("new")
    assert path.read_text() == "new" and sorted(os.listdir(tmp_path)) == ["a.txt"]


def test_json_safe_turns_non_finite_into_null_and_arrays_into_lists():
    obj = {"a": np.float32(1.5), "b": float("nan"), 3: [np.int64(2), math.inf, np.bool_(True)],
           "c": jnp.arange(3), "d": (None, "x")}
    assert json_safe(obj) == {"a": 1.5, "b": None, "3": [2, None, True], "c": [0, 1, 2], "d": [None, "x"]}
    with pytest.raises(TypeError, match="set"):
        json_safe({1, 2})


def test_check_output_dir_refuses_files_and_creates_directories(tmp_path):
    target = tmp_path / "x" / "y"
    assert check_output_dir(target) == str(target) and target.is_dir()
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(ValueError, match="out .* not a directory"):
        check_output_dir(blocker)
    with pytest.raises(ValueError, match="out .* cannot be created"):
        check_output_dir(blocker / "sub")
    with pytest.raises(TypeError, match="out must be a path"):
        check_output_dir(None)


def test_artifacts_writes_json_figures_reports_and_records_other_writers(tmp_path):
    from fepnet.infra.plotting import pyplot

    out = Artifacts(tmp_path / "run")
    back = out.json("s.json", {"x": float("nan"), "y": 2})
    assert back == {"x": None, "y": 2} == json.loads((tmp_path / "run" / "s.json").read_text())
    fig = pyplot().figure()
    out.figure("sub/f.png", fig)
    assert not pyplot().fignum_exists(fig.number)
    assert (tmp_path / "run" / "sub" / "f.png").read_bytes()[:4] == b"\x89PNG"
    report = Report("T")
    report.text("hello")
    out.report(report)
    np.save(out.path("a.npy"), np.zeros(2))
    out.record("a.npy")
    with pytest.raises(FileNotFoundError):
        out.record("missing.npy")
    names = [os.path.relpath(f, out.directory) for f in out.files]
    assert names == ["s.json", os.path.join("sub", "f.png"), "report.md", "report.html", "a.npy"]
    assert sorted(os.listdir(out.directory)) == ["a.npy", "report.html", "report.md", "s.json", "sub"]


def test_chunk_boundaries():
    assert chunk_bounds(10, 4) == [0, 4, 8, 10]
    assert chunk_bounds(0, 4) == [0]
    assert even_bounds(10, 3) == [0, 3, 6, 10]
    assert ceil_chunks(10, 3) == [0, 4, 8, 10]


def test_run_in_chunks_equals_one_scan_and_counts_progress(capsys):
    def step(c, x):
        return c * 0.5 + x, c

    xs = jnp.arange(10.0)

    @jax.jit
    def whole(c):
        return jax.lax.scan(step, c, xs)

    def advance(c, start, stop):
        return jax.lax.scan(step, c, xs[start:stop])

    carry, outs = run_in_chunks(advance, jnp.float32(1.0), chunk_bounds(10, 3), desc="t", progress=True)
    ref_carry, ref_outs = whole(jnp.float32(1.0))
    assert float(carry) == float(ref_carry)
    np.testing.assert_array_equal(np.concatenate(outs), ref_outs)
    assert "10.0/10.0" in capsys.readouterr().err


def test_pyplot_leaves_notebook_backends_alone(monkeypatch):
    """Without a display, pyplot() switches an interactive backend to Agg but keeps a notebook's inline one."""
    import matplotlib

    from fepnet.infra import plotting

    monkeypatch.setattr(plotting, "_has_display", lambda: False)
    switched = []
    monkeypatch.setattr(matplotlib, "use", lambda name, *a, **k: switched.append(name))
    monkeypatch.setattr(matplotlib, "get_backend", lambda: "module://matplotlib_inline.backend_inline")
    plotting.pyplot()
    assert switched == []
    monkeypatch.setattr(matplotlib, "get_backend", lambda: "TkAgg")
    plotting.pyplot()
    assert switched == ["Agg"]
