"""PDF 生成: a standalone print page rendered by WeasyPrint, fetching nothing but inline data: URLs."""
# No network and no local files are ever read; Chinese text uses the system's fonts-noto-cjk.
from __future__ import annotations

import logging

logger = logging.getLogger(__name__)


def refuse_non_local(url: str) -> None:
    """Raise ValueError for every URL but inline data: (what the PDF renderer may fetch)."""
    if not url.startswith("data:"):
        logger.warning("PDF: refused to fetch %r", url)
        raise ValueError(f"refused non-local URL: {url}")


def local_only_fetcher():
    """A WeasyPrint URL fetcher that fetches inline data: URLs only."""
    # WeasyPrint is imported when a PDF is first made, not at app start: it takes a second to load and needs
    # pango, which web workers and jobs that never render a PDF do not.
    from weasyprint import URLFetcher

    class LocalOnly(URLFetcher):
        def fetch(self, url, headers=None):
            refuse_non_local(url)
            return super().fetch(url, headers)

    return LocalOnly()


def render_pdf(html: str) -> bytes:
    """The PDF of a standalone HTML page (its CSS inline; images only as data: URLs)."""
    from weasyprint import HTML  # see local_only_fetcher: loaded on first use

    return HTML(string=html, base_url=None, url_fetcher=local_only_fetcher()).write_pdf()
