"""PDF of a printed page (the stop sheet) by WeasyPrint, offline, in a Japanese font.

`render_pdf` turns the same HTML the browser prints into a PDF. Nothing is
fetched: the stylesheet is passed as text, the map is inline SVG, and the
URL fetcher refuses every URL but ``data:`` (`local_only_fetcher`).
Japanese text needs a Japanese font from Debian (``fonts-ipaexfont-gothic``
or ``fonts-noto-cjk``, installed by ``make install``); without one every
character prints as an empty box, so `japanese_font` asks fontconfig first
and `render_pdf` refuses with `PdfUnavailable` naming the package to install.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

__all__ = ["JAPANESE_FONTS", "PdfUnavailable", "japanese_font", "local_only_fetcher", "render_pdf"]

#: The fonts the sheet's CSS asks for, in order (``font-family`` in webapp/static/sheet.css).
JAPANESE_FONTS = ("IPAexGothic", "Noto Sans CJK JP", "IPAGothic", "Noto Serif CJK JP")
_INSTALL_HINT = "install a Japanese font: apt-get install fonts-ipaexfont-gothic (make install does it)"


class PdfUnavailable(RuntimeError):
    """The PDF cannot be made on this machine (no Japanese font, WeasyPrint's libraries missing)."""


def japanese_font() -> str | None:
    """Return the first of `JAPANESE_FONTS` that fontconfig knows (``fc-list :lang=ja``), or None."""
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return None
    out = subprocess.run([fc_list, ":lang=ja", "family"], capture_output=True, text=True, timeout=20,
                         check=False).stdout
    families = {name.strip() for line in out.splitlines() for name in line.split(",")}
    return next((f for f in JAPANESE_FONTS if f in families), None)


def local_only_fetcher():
    """Return a WeasyPrint URL fetcher that fetches only ``data:`` URLs (nothing from any host or file)."""
    from weasyprint.urls import URLFetcher

    return URLFetcher(allowed_protocols={"data"}, allow_redirects=False, timeout=1)


def render_pdf(html: str, *, stylesheet: Path) -> bytes:
    """Return the PDF of `html` printed with `stylesheet` (A4 and margins come from its ``@page``).

    Raises
    ------
    PdfUnavailable
        WeasyPrint or its system libraries are missing, or no Japanese font is installed.
    """
    try:
        from weasyprint import CSS, HTML
    except (ImportError, OSError) as exc:  # OSError: pango / harfbuzz not installed
        msg = f"PDF: WeasyPrint cannot start ({type(exc).__name__}); install weasyprint and Debian's pango"
        raise PdfUnavailable(msg) from None
    if japanese_font() is None:
        msg = f"PDF: no Japanese font installed (fc-list :lang=ja found none of {', '.join(JAPANESE_FONTS)}); " \
              f"{_INSTALL_HINT}"
        raise PdfUnavailable(msg)
    fetcher = local_only_fetcher()
    css = CSS(string=stylesheet.read_text(encoding="utf-8"), url_fetcher=fetcher)
    return HTML(string=html, url_fetcher=fetcher).write_pdf(stylesheets=[css])
