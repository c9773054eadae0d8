"""A payment reminder as a document: its plain text cut into blocks a template lays out.

The reminder's text (the level's template, the built-in one, the LLM's or the clerk's) lists
the invoices line by line and carries the payment links as URLs. As a document, the invoice
lines the built-in template wrote become one table (number, date, due date, amount due), a
payment link becomes a button in the e-mail and disappears from paper (no raw URL on a
letter). Text the template did not write (the LLM's, the clerk's) is kept as written.
"""

from collections.abc import Iterable

TABLE = "table"
TEXT = "text"
PAY = "pay"


def _find_block(lines: list[str], block: list[str]) -> int | None:
    """Index where ``block`` starts in ``lines`` (stripped lines compared), else None."""
    wanted = [line.strip() for line in block]
    if not wanted or not all(wanted):
        return None
    stripped = [line.strip() for line in lines]
    for start in range(len(lines) - len(wanted) + 1):
        if stripped[start : start + len(wanted)] == wanted:
            return start
    return None


def reminder_blocks(
    body: str, invoice_lines: Iterable[str], urls: Iterable[str], paper: bool = False
) -> list[tuple]:
    """The reminder ``body`` as blocks, in order:

    - ``("text", paragraph)``: a paragraph of plain text (lines joined by newlines);
    - ``("table",)``: where the invoice lines of ``invoice_lines`` stood (once, when the body
      holds them all, in order);
    - ``("pay", text, url)``: a line carrying a payment link, the text before the URL kept
      (e-mail only; on ``paper`` the line is dropped, and so is the line introducing a list of
      dropped links, such as "You can pay online here:").
    """
    urls = [url for url in urls if url]
    lines = (body or "").replace("\r\n", "\n").split("\n")
    invoice_lines = list(invoice_lines)
    start = _find_block(lines, invoice_lines)
    marked: list = list(lines)
    if start is not None:
        marked[start : start + len(invoice_lines)] = [(TABLE,)]

    items: list = []
    for line in marked:
        if isinstance(line, tuple):
            items.append(line)
            continue
        url = next((url for url in urls if url in line), None)
        if url is None:
            items.append((TEXT, line))
            continue
        if paper:
            # the introduction of the dropped links goes too ("You can pay online here:")
            while items and items[-1][0] == TEXT and items[-1][1].rstrip().endswith(":"):
                items.pop()
            items.append(("dropped",))
            continue
        prefix = line.replace(url, "").rstrip().rstrip(":").strip()
        if prefix.startswith("- "):
            prefix = prefix[2:]
        items.append((PAY, prefix, url))

    blocks: list[tuple] = []
    paragraph: list[str] = []

    def flush():
        if paragraph:
            blocks.append((TEXT, "\n".join(paragraph)))
            paragraph.clear()

    for item in items:
        if item[0] == TEXT:
            if item[1].strip():
                paragraph.append(item[1].rstrip())
            else:
                flush()
            continue
        flush()
        if item[0] != "dropped":
            blocks.append(item)
    flush()
    return blocks
