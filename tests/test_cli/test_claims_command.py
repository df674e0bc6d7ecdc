"""`fepnet claims`: docs/claims.md is exactly what the command makes of the committed docs/results."""

import pathlib

from fepnet.cli import main

ROOT = pathlib.Path(__file__).resolve().parents[2]
RESULTS = ROOT / "docs" / "results"
PAGE = ROOT / "docs" / "claims.md"


def test_committed_page_matches_the_committed_results(capsys):
    assert main(["claims", "--results", str(RESULTS)]) == 0
    out = capsys.readouterr().out
    assert out == PAGE.read_text(encoding="utf-8"), (
        "docs/claims.md is stale: run `fepnet claims --results docs/results --out docs/claims.md`")
    # every figure the page links is committed
    for line in out.splitlines():
        if line.startswith("![") and "](" in line:
            target = line.split("](", 1)[1].rstrip(")")
            assert (PAGE.parent / target).is_file(), target


def test_out_file_and_usage_errors(tmp_path, capsys):
    out = tmp_path / "claims.md"
    assert main(["claims", "--results", str(RESULTS), "--out", str(out)]) == 0
    text = out.read_text(encoding="utf-8")
    assert text.startswith("# The paper's claims, measured") and "](../" in text  # links relative to the page
    capsys.readouterr()
    assert main(["claims", "--results", str(tmp_path / "absent")]) == 2
    assert "is not a directory" in capsys.readouterr().err
    assert main(["claims", "--results", str(RESULTS), "--out", str(tmp_path)]) == 2
