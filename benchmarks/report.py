"""Write one benchmark's table into its own section of docs/BENCHMARKS.md.

Each benchmark owns a section delimited by HTML comments, so benchmarks can be
re-run one at a time without erasing the others' figures.
"""

from __future__ import annotations

import datetime as _dt
import os
import platform
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BENCHMARKS_MD = REPO / "docs" / "BENCHMARKS.md"
#: The workplace's shared data beside the checkout (``../shared``): benchmark
#: instances and real OSM extracts; override with ``$ODEKAKE_SHARED``.
SHARED = Path(os.environ.get("ODEKAKE_SHARED", REPO.parent / "shared"))
_HEADER = (
    "# Benchmarks\n\n"
    "Written by `make bench` (each section by its own benchmark; see `benchmarks/`).\n"
    "Every comparison was measured on the same machine in the same run as its baseline.\n"
)


def machine_line() -> str:
    """Describe the machine a measurement was taken on."""
    return (
        f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"measured {_dt.datetime.now().strftime('%Y-%m-%d %H:%M')}"
    )


def markdown_table(headers: list[str], rows: list[list[object]]) -> str:
    """Format rows as a GitHub-flavoured Markdown table."""
    def cell(v: object) -> str:
        if isinstance(v, float):
            return f"{v:.3f}" if abs(v) < 100 else f"{v:.1f}"
        return str(v)

    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def write_section(name: str, title: str, body: str, *, path: Path = BENCHMARKS_MD) -> None:
    """Replace (or append) the section `name` of the benchmarks file with `body`."""
    begin, end = f"<!-- begin {name} -->", f"<!-- end {name} -->"
    text = path.read_text(encoding="utf-8") if path.exists() else _HEADER
    section = f"{begin}\n## {title}\n\n{body.strip()}\n{end}"
    if begin in text and end in text:
        head, rest = text.split(begin, 1)
        _, tail = rest.split(end, 1)
        text = head + section + tail
    else:
        text = text.rstrip() + "\n\n" + section + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
