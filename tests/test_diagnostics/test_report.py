"""fepnet.infra.report: one list of blocks, rendered as Markdown and as HTML."""

import pytest

from fepnet.infra.report import Report


def _report():
    r = Report("Validation <of> things")
    r.heading("Verdicts")
    r.text("The chain is **biased**; see `validation.json` & the figure.")
    r.bullets(["one", "two | three"])
    r.table(["schedule", "max |z|"], [["sequential", "1.25"], ["synchronous", "13.9"]])
    r.figure("moments.png", "Means & variances")
    return r


def test_markdown_rendering():
    md = _report().markdown()
    assert md.startswith("# Validation <of> things\n")
    assert "## Verdicts" in md
    assert "| schedule | max \\|z\\| |" in md  # pipes in cells are escaped
    assert "|---|---:|" in md
    assert "| synchronous | 13.9 |" in md
    assert "- two | three" in md
    assert "![Means & variances](moments.png)" in md


def test_html_rendering_escapes_and_marks_up():
    h = _report().html()
    assert h.startswith("<!DOCTYPE html>")
    assert "<h1>Validation &lt;of&gt; things</h1>" in h
    assert "<strong>biased</strong>" in h and "<code>validation.json</code>" in h
    assert "&amp; the figure" in h
    assert "<td>synchronous</td><td>13.9</td>" in h
    assert "<img src='moments.png' alt='Means &amp; variances'>" in h
    assert h.count("<tr>") == 3


def test_write_creates_both_files(tmp_path):
    paths = _report().write(tmp_path / "out")
    assert [p.split("/")[-1] for p in paths] == ["report.md", "report.html"]
    assert (tmp_path / "out" / "report.md").read_text().startswith("# Validation")
    assert "</html>" in (tmp_path / "out" / "report.html").read_text()
    assert not list((tmp_path / "out").glob("*.tmp"))


def test_bad_blocks_are_rejected():
    r = Report("x")
    with pytest.raises(ValueError, match="every row must have 2 cells"):
        r.table(["a", "b"], [["1"]])
    with pytest.raises(ValueError, match="level must be 2 or 3"):
        r.heading("h", level=1)
