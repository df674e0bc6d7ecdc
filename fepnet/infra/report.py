"""A one-page report, written as Markdown and as HTML from the same list of blocks.

    report = Report("Validation")
    report.heading("Summary"); report.text("..."); report.table(header, rows); report.figure("a.png", "caption")
    report.write(directory)          # directory/report.md and directory/report.html

Figures are referenced by path relative to the directory (they are written
next to the report). Text is plain: ``**bold**`` and ``code`` spans are the
only inline markup, rendered in both formats.
"""

from __future__ import annotations

import html
import os
import re

from .files import write_text

__all__ = ["Report"]

_INLINE = re.compile(r"(\*\*[^*]+\*\*|`[^`]+`)")


def _inline_html(text: str) -> str:
    parts = []
    for piece in _INLINE.split(text):
        if piece.startswith("**") and piece.endswith("**") and len(piece) > 4:
            parts.append(f"<strong>{html.escape(piece[2:-2])}</strong>")
        elif piece.startswith("`") and piece.endswith("`") and len(piece) > 2:
            parts.append(f"<code>{html.escape(piece[1:-1])}</code>")
        else:
            parts.append(html.escape(piece))
    return "".join(parts)


def _cell_md(value) -> str:
    return str(value).replace("|", "\\|").replace("\n", " ")


_CSS = (
    "body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;line-height:1.45}"
    "table{border-collapse:collapse;margin:1em 0;font-size:0.92em}"
    "th,td{border:1px solid #bbb;padding:0.3em 0.6em;text-align:right}th{background:#eee}"
    "td:first-child,th:first-child{text-align:left}img{max-width:100%}figure{margin:1.2em 0}"
    "figcaption{color:#444;font-size:0.9em}code{background:#f3f3f3;padding:0 0.2em}"
)


class Report:
    """A one-page report: headings, paragraphs, bullet lists, tables and figures, in order.

    Build it with the chaining methods ``heading``, ``text``, ``bullets``, ``table`` and
    ``figure``; render it with ``markdown()`` / ``html()`` or write both files with
    ``write(directory)``. ``**bold**`` and ``code`` spans are the only inline markup.

    Parameters
    ----------
    title : str
        The report's title (its level-1 heading).

    Attributes
    ----------
    title : str
        The title.
    blocks : list of tuple
        The blocks added so far, ``(kind, ...)``.

    Examples
    --------
    >>> from fepnet.infra.report import Report
    >>> r = Report("Demo").heading("Result").text("**2** patterns").table(["n", "score"], [[1, "0.90"]])
    >>> print(r.markdown())
    # Demo
    <BLANKLINE>
    ## Result
    <BLANKLINE>
    **2** patterns
    <BLANKLINE>
    | n | score |
    |---|---:|
    | 1 | 0.90 |
    <BLANKLINE>
    """

    def __init__(self, title: str):
        self.title = str(title)
        self.blocks: list[tuple] = []

    def heading(self, text: str, level: int = 2) -> "Report":
        """Add a heading.

        Parameters
        ----------
        text : str
            The heading.
        level : int
            2 (section) or 3 (subsection).

        Returns
        -------
        Report
            ``self``, for chaining.

        Raises
        ------
        ValueError
            For another level.
        """
        if level not in (2, 3):
            raise ValueError(f"level must be 2 or 3, got {level!r}")
        self.blocks.append(("heading", str(text), level))
        return self

    def text(self, text: str) -> "Report":
        """Add a paragraph (``**bold**`` and ``code`` spans are rendered).

        Parameters
        ----------
        text : str
            The paragraph.

        Returns
        -------
        Report
            ``self``, for chaining.
        """
        self.blocks.append(("text", str(text)))
        return self

    def bullets(self, items) -> "Report":
        """Add a bullet list.

        Parameters
        ----------
        items : iterable
            The items (converted with ``str``).

        Returns
        -------
        Report
            ``self``, for chaining.
        """
        self.blocks.append(("bullets", [str(i) for i in items]))
        return self

    def table(self, header, rows) -> "Report":
        """Add a table (first column left-aligned, the others right-aligned).

        Parameters
        ----------
        header : sequence
            The column names.
        rows : sequence of sequence
            The rows, each with as many cells as ``header`` (cells converted with ``str``).

        Returns
        -------
        Report
            ``self``, for chaining.

        Raises
        ------
        ValueError
            When a row has another number of cells.
        """
        header = [str(h) for h in header]
        rows = [[str(c) for c in row] for row in rows]
        for row in rows:
            if len(row) != len(header):
                raise ValueError(f"every row must have {len(header)} cells, got {len(row)}: {row}")
        self.blocks.append(("table", header, rows))
        return self

    def figure(self, path: str, caption: str) -> "Report":
        """Add a figure with its caption.

        Parameters
        ----------
        path : str
            The image's path relative to the report's directory.
        caption : str
            The caption (also the image's alt text).

        Returns
        -------
        Report
            ``self``, for chaining.
        """
        self.blocks.append(("figure", str(path), str(caption)))
        return self

    # --- rendering ----------------------------------------------------------------------------
    def markdown(self) -> str:
        """The report as Markdown.

        Returns
        -------
        str
        """
        out = [f"# {self.title}", ""]
        for block in self.blocks:
            kind = block[0]
            if kind == "heading":
                out += ["#" * block[2] + " " + block[1], ""]
            elif kind == "text":
                out += [block[1], ""]
            elif kind == "bullets":
                out += [f"- {item}" for item in block[1]] + [""]
            elif kind == "table":
                header, rows = block[1], block[2]
                out.append("| " + " | ".join(_cell_md(h) for h in header) + " |")
                out.append("|" + "|".join(["---"] + ["---:"] * (len(header) - 1)) + "|")
                out += ["| " + " | ".join(_cell_md(c) for c in row) + " |" for row in rows]
                out.append("")
            else:
                out += [f"![{block[2]}]({block[1]})", "", f"*{block[2]}*", ""]
        return "\n".join(out)

    def html(self) -> str:
        """The report as one self-contained HTML page (inline CSS; figures linked by relative path).

        Returns
        -------
        str
        """
        out = ["<!DOCTYPE html>", "<html><head><meta charset='utf-8'>",
               f"<title>{html.escape(self.title)}</title><style>{_CSS}</style></head><body>",
               f"<h1>{html.escape(self.title)}</h1>"]
        for block in self.blocks:
            kind = block[0]
            if kind == "heading":
                out.append(f"<h{block[2]}>{_inline_html(block[1])}</h{block[2]}>")
            elif kind == "text":
                out.append(f"<p>{_inline_html(block[1])}</p>")
            elif kind == "bullets":
                out.append("<ul>" + "".join(f"<li>{_inline_html(i)}</li>" for i in block[1]) + "</ul>")
            elif kind == "table":
                head = "".join(f"<th>{_inline_html(h)}</th>" for h in block[1])
                body = "".join("<tr>" + "".join(f"<td>{_inline_html(c)}</td>" for c in row) + "</tr>" for row in block[2])
                out.append(f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")
            else:
                out.append(f"<figure><img src='{html.escape(block[1], quote=True)}' alt='{html.escape(block[2], quote=True)}'>"
                           f"<figcaption>{_inline_html(block[2])}</figcaption></figure>")
        out.append("</body></html>")
        return "\n".join(out)

    def write(self, directory) -> list[str]:
        """Write ``report.md`` and ``report.html`` into ``directory`` (created if missing; each file atomic).

        Parameters
        ----------
        directory : str or os.PathLike
            The output directory.

        Returns
        -------
        list of str
            The two paths written.
        """
        directory = os.fspath(directory)
        os.makedirs(directory, exist_ok=True)
        return [write_text(os.path.join(directory, name), text)
                for name, text in (("report.md", self.markdown()), ("report.html", self.html()))]
