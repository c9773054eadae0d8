# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
"""The invoice e-mail assembled around Odoo's own body (pure Python, no ``odoo``).

Odoo's invoice template greets the customer, states the invoice and its amount, and signs
with the salesperson's signature; its layout adds the button to the invoice's portal page,
where the customer pays. The AI delivery agent adds at most one personal paragraph after
that greeting and makes sure the mail is signed once, by the salesperson or the company.
"""

import html
import re

_DOUBLE_BREAK = re.compile(r"<br\s*/?>\s*<br\s*/?>", re.IGNORECASE)
_SIGNATURE_START = re.compile(r"<div\b[^>]*>\s*--\s*<br", re.IGNORECASE)
_DIV_TAG = re.compile(r"<(/?)div\b[^>]*>", re.IGNORECASE)
_LAST_P_CLOSE = re.compile(r"</p>(?![\s\S]*</p>)", re.IGNORECASE)
_URL = re.compile(r"(https?://|www\.)\S+", re.IGNORECASE)
_SENTENCE_END = (".", "?", "!", "…", ")")


def opening_paragraph(text: str) -> str:
    """The personal sentences of an LLM e-mail text, without its greeting and sign-off
    (Odoo's template greets and signs) and without links (Odoo's button is the link)."""
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", text or "") if p.strip()]
    if paragraphs and _is_greeting(paragraphs[0]):
        paragraphs.pop(0)
    while paragraphs and _is_closing(paragraphs[-1]):
        paragraphs.pop()
    kept = [_URL.sub("", p).strip() for p in paragraphs]
    return " ".join(" ".join(p.split()) for p in kept if p)


def _is_greeting(paragraph: str) -> bool:
    first = paragraph.splitlines()[0].strip()
    return len(first) <= 80 and first.endswith((",", "!", ":")) and "\n" not in paragraph.strip()


def _is_closing(paragraph: str) -> bool:
    lines = [line.strip() for line in paragraph.splitlines() if line.strip()]
    return bool(lines) and len(lines[0]) <= 60 and not lines[0].endswith(_SENTENCE_END[:4])


def insert_opening(body: str, opening: str) -> str:
    """``opening`` (plain text) right after the template's greeting line."""
    if not opening:
        return body
    escaped = html.escape(opening)
    match = _DOUBLE_BREAK.search(body or "")
    if not match:
        return f"<p>{escaped}</p>{body or ''}"
    return f"{body[: match.end()]}{escaped}<br/><br/>{body[match.end() :]}"


def _signature_span(body: str):
    """Start and end of the template's ``--`` signature block, or None."""
    starts = list(_SIGNATURE_START.finditer(body))
    if not starts:
        return None
    start = starts[-1].start()
    depth = 0
    for tag in _DIV_TAG.finditer(body, start):
        depth += -1 if tag.group(1) else 1
        if depth == 0:
            return start, tag.end()
    return None


def has_signature(body: str) -> bool:
    return _signature_span(body or "") is not None


def replace_signature(body: str, lines: list[str]) -> str:
    """Sign ``body`` with ``lines`` (plain text) instead of the template's signature: in
    its place, or before the body's last paragraph end when it has none."""
    body = body or ""
    signature = "--<br/>" + "<br/>".join(html.escape(line) for line in lines if line)
    span = _signature_span(body)
    if span:
        start, end = span
        return f'{body[:start]}<div style="font-size: 13px;">{signature}</div>{body[end:]}'
    match = _LAST_P_CLOSE.search(body)
    if match:
        return f"{body[: match.start()]}<br/><br/>{signature}{body[match.start() :]}"
    return f"{body}<p>{signature}</p>"
