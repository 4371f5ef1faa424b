"""PDF 生成: Chinese text comes out, and nothing is fetched from the network or the disk."""
from __future__ import annotations

import base64
import io

import pytest
from pypdf import PdfReader

from pm.services.pdf import local_only_fetcher, refuse_non_local, render_pdf

PNG_1PX = base64.b64encode(bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
    "0000000d49444154789c6360000002000001e221bc330000000049454e44ae426082"
)).decode()


def _text(pdf: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def test_pdf_has_the_chinese_text():
    """A page in Chinese renders to a PDF whose text is that Chinese (the CJK font is found)."""
    pdf = render_pdf("<html><body><h1>维修资金公示</h1><p>期末余额 1,234.50 元</p></body></html>")
    assert pdf.startswith(b"%PDF-") and "维修资金公示" in _text(pdf).replace(" ", "")


@pytest.mark.parametrize("url", ["https://fonts.example.com/noto.woff2", "http://127.0.0.1/x.png", "file:///etc/passwd",
                                 "/etc/passwd", "ftp://x/y"])
def test_non_local_urls_are_refused(url):
    """Network, file and relative URLs are refused by the fetcher."""
    with pytest.raises(ValueError):
        refuse_non_local(url)
    with pytest.raises(ValueError):
        local_only_fetcher().fetch(url)


def test_a_page_with_remote_images_still_renders_without_them():
    """A remote image is skipped (not fetched) and the rest of the page still renders."""
    pdf = render_pdf('<html><body><img src="http://example.invalid/x.png"><p>公示</p>'
                     '<link rel="stylesheet" href="https://cdn.example.invalid/a.css"></body></html>')
    assert "公示" in _text(pdf)


def test_inline_data_images_are_allowed():
    """A data: image (a QR code, a seal) is embedded."""
    pdf = render_pdf(f'<html><body><img src="data:image/png;base64,{PNG_1PX}"><p>二维码</p></body></html>')
    reader = PdfReader(io.BytesIO(pdf))
    assert "二维码" in _text(pdf) and len(reader.pages[0].images) == 1
