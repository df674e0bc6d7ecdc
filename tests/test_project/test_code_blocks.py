"""Every ```python block of README.md and every {code-cell} of docs/guide/*.md runs on its own.

Each block runs alone in a fresh interpreter (a subprocess with a temporary working directory,
PYTHONPATH the repository root, MPLBACKEND=Agg): it must exit with status 0 and print something.
One pytest item per block, with the id ``file:index``. A README block preceded by the line
``<!-- slow -->`` and a guide cell with the cell option ``:tags: [slow]`` (or ``tags: [slow]`` in
a ``---`` option block) are marked ``slow`` (excluded from the default run).
"""

from __future__ import annotations

import os
import pathlib
import re
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
GUIDE = ROOT / "docs" / "guide"
TIMEOUT_S = {"fast": 300, "slow": 1800}

_FENCE = re.compile(r"^(?P<ticks>`{3,})(?P<info>.*)$")
_TAGS = re.compile(r"^:?tags:\s*\[(?P<tags>[^\]]*)\]\s*$")


def _tags_slow(options) -> bool:
    """Whether the MyST cell options (lines ``:key: value`` or a ``---`` YAML block) tag the cell slow."""
    for line in options:
        m = _TAGS.match(line.strip())
        if m and "slow" in [t.strip().strip("'\"") for t in m.group("tags").split(",")]:
            return True
    return False


def _split_options(body):
    """A code cell's lines -> (its option lines, its code)."""
    lines = list(body)
    if lines and lines[0].strip() == "---":
        end = next((i for i in range(1, len(lines)) if lines[i].strip() == "---"), None)
        if end is not None:
            return lines[1:end], lines[end + 1:]
    i = 0
    while i < len(lines) and lines[i].startswith(":"):
        i += 1
    return lines[:i], lines[i:]


def parse_blocks(text: str, kind: str):
    """The runnable blocks of a Markdown text: ``[(code, slow), ...]`` in order.

    ``kind`` "readme": ```` ```python ```` fences, slow when the last non-blank line before the
    fence is ``<!-- slow -->``; "guide": ```` ```{code-cell} ```` fences (any number of backticks
    >= 3, closed by the same number), slow when tagged so in the cell options.
    """
    lines = text.splitlines()
    blocks, i = [], 0
    while i < len(lines):
        m = _FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        ticks, info = m.group("ticks"), m.group("info").strip()
        end = next((j for j in range(i + 1, len(lines)) if lines[j].rstrip() == ticks), len(lines))
        body = lines[i + 1:end]
        if kind == "readme" and info.split()[:1] == ["python"]:
            before = [line for line in lines[:i] if line.strip()]
            slow = bool(before) and before[-1].strip() == "<!-- slow -->"
            blocks.append(("\n".join(body) + "\n", slow))
        elif kind == "guide" and info.startswith("{code-cell}"):
            options, code = _split_options(body)
            blocks.append(("\n".join(code) + "\n", _tags_slow(options)))
        i = end + 1
    return blocks


def _collect():
    params = []
    sources = [(README, "readme")] + [(p, "guide") for p in sorted(GUIDE.glob("*.md"))]
    for path, kind in sources:
        if not path.is_file():
            continue
        name = path.relative_to(ROOT).as_posix()
        for index, (code, slow) in enumerate(parse_blocks(path.read_text(encoding="utf-8"), kind)):
            marks = [pytest.mark.slow] if slow else []
            params.append(pytest.param(code, slow, id=f"{name}:{index}", marks=marks))
    return params


@pytest.mark.parametrize("code, slow", _collect())
def test_block_runs_alone_and_prints(code, slow, tmp_path):
    script = tmp_path / "block.py"
    script.write_text(code, encoding="utf-8")
    env = dict(os.environ, MPLBACKEND="Agg",
               PYTHONPATH=os.pathsep.join([str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]))
    proc = subprocess.run([sys.executable, str(script)], cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=TIMEOUT_S["slow" if slow else "fast"])
    assert proc.returncode == 0, f"exit status {proc.returncode}\n--- code ---\n{code}\n--- stderr ---\n" \
                                 f"{proc.stderr[-4000:]}"
    assert proc.stdout.strip(), f"the block printed nothing\n--- code ---\n{code}"


def test_parser_finds_blocks_and_slow_marks():
    readme = "text\n```python\nprint(1)\n```\n<!-- slow -->\n\n```python\nprint(2)\n```\n```bash\nls\n```\n"
    assert parse_blocks(readme, "readme") == [("print(1)\n", False), ("print(2)\n", True)]
    guide = ("```{code-cell} ipython3\nprint(1)\n```\n"
             "````{code-cell} ipython3\n:tags: [hide-output, slow]\n:other: x\nprint(2)\n```\nnot the end\n````\n"
             "```{code-cell} ipython3\n---\ntags: [\"slow\"]\n---\nprint(3)\n```\n"
             "```{code-cell} ipython3\n:tags: [slowish]\nprint(4)\n```\n```python\nprint(5)\n```\n")
    assert parse_blocks(guide, "guide") == [("print(1)\n", False), ("print(2)\n```\nnot the end\n", True),
                                            ("print(3)\n", True), ("print(4)\n", False)]
