"""Atomic strict-JSON output (fepnet.infra.files), used by reproduce, validate, compare and the recovery report."""

import json

import pytest

from fepnet.infra.files import write_json


def test_write_json_round_trips_and_rejects_nan_without_a_partial_file(tmp_path):
    path = tmp_path / "out.json"
    back = write_json(path, {"a": (1, 2.5), "b": None})
    assert back == {"a": [1, 2.5], "b": None} == json.loads(path.read_text())
    bad = tmp_path / "bad.json"
    with pytest.raises(ValueError):
        write_json(bad, {"x": float("nan")})
    assert not bad.exists() and not (tmp_path / "bad.json.tmp").exists()
    assert json.loads(path.read_text())["a"] == [1, 2.5]  # the earlier file is untouched


def test_cause10_atomic_path_into_a_missing_directory_names_the_destination(tmp_path):
    from fepnet.infra.files import atomic_path, write_text

    target = tmp_path / "missing" / "out.txt"
    with pytest.raises(FileNotFoundError, match=f"directory of {target} does not exist"):
        with atomic_path(target):
            raise AssertionError("the block must not run")
    with pytest.raises(FileNotFoundError, match=f"directory of {target} does not exist"):
        write_text(target, "x")
    assert list(tmp_path.iterdir()) == []
