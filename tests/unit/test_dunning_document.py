"""A reminder's text laid out as a document: invoice table, pay buttons, no URL on paper."""

from ai_invoicing.services.dunning_document import reminder_blocks

LINES = ["- INV/1 (due 01/02/2026, 5 day(s) overdue): $ 100.00", "- INV/2 (due today): $ 50.00"]
URL1 = "https://erp.example.com/my/invoices/1?access_token=a#portal_pay"
URL2 = "https://erp.example.com/my/invoices/2?access_token=b#portal_pay"


def _body(link_text):
    return "\n".join(
        [
            "Dear Customer,",
            "",
            "The following invoices are due.",
            "",
            *LINES,
            "",
            "Total due: $ 150.00",
            "",
            f"You can pay online here: {link_text}",
            "",
            "Kind regards",
        ]
    )


def test_invoice_lines_become_one_table_and_the_link_a_button():
    blocks = reminder_blocks(_body(URL1), LINES, [URL1])
    assert blocks == [
        ("text", "Dear Customer,"),
        ("text", "The following invoices are due."),
        ("table",),
        ("text", "Total due: $ 150.00"),
        ("pay", "You can pay online here", URL1),
        ("text", "Kind regards"),
    ]


def test_no_url_on_paper_and_the_introduction_goes_too():
    several = "\n" + "\n".join([f"- INV/1: {URL1}", f"- INV/2: {URL2}"])
    for link_text in (URL1, several):
        blocks = reminder_blocks(_body(link_text), LINES, [URL1, URL2], paper=True)
        text = repr(blocks)
        assert "http" not in text
        assert "pay online" not in text
        assert ("table",) in blocks
        assert blocks[-1] == ("text", "Kind regards")


def test_several_links_are_one_button_each_named_by_invoice():
    several = "\n" + "\n".join([f"- INV/1: {URL1}", f"- INV/2: {URL2}"])
    blocks = reminder_blocks(_body(several), LINES, [URL1, URL2])
    assert ("pay", "INV/1", URL1) in blocks and ("pay", "INV/2", URL2) in blocks


def test_text_not_written_by_the_template_is_kept_as_written():
    body = "INV/1: $ 100.00, 01/02/2026. Pay here " + URL1
    blocks = reminder_blocks(body, LINES, [URL1])
    assert ("table",) not in blocks
    assert blocks == [("pay", "INV/1: $ 100.00, 01/02/2026. Pay here", URL1)]
