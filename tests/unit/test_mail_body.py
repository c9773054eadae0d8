# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from ai_invoicing.services.mail_body import (
    has_signature,
    insert_opening,
    opening_paragraph,
    replace_signature,
)

ODOO_BODY = (
    '<div style="margin: 0px;"><p style="font-size: 13px;">Dear Café Mokka BV,<br/><br/>'
    "Here is your invoice <span>INV/2026/00010</span> amounting in $ 180.00."
    "<br/><br/>Do not hesitate to contact us if you have any questions.<br/><br/>"
    '<div data-o-mail-quote="1">--<br data-o-mail-quote="1"/><div>System</div></div></p></div>'
)


def test_opening_drops_greeting_sign_off_and_links():
    text = (
        "Dear Café Mokka BV,\n\nThank you for your tenth order this year; the kegs left "
        "our warehouse on Monday. Pay at https://evil.example.com/pay now.\n\nKind regards,\n"
        "The team"
    )
    opening = opening_paragraph(text)
    assert not opening.startswith("Dear")
    assert "regards" not in opening
    assert "http" not in opening
    assert opening.startswith("Thank you for your tenth order")


def test_opening_keeps_a_text_without_greeting():
    assert opening_paragraph("Thanks again for your order.") == "Thanks again for your order."
    assert opening_paragraph("") == ""


def test_opening_after_the_single_greeting():
    body = insert_opening(ODOO_BODY, "Thanks <again>.")
    assert body.count("Dear") == 1
    assert body.index("Dear") < body.index("Thanks &lt;again&gt;.") < body.index("Here is your")


def test_opening_without_a_greeting_in_the_template_goes_first():
    assert insert_opening("<p>Hi</p>", "x").startswith("<p>x</p>")
    assert insert_opening("<p>Hi</p>", "") == "<p>Hi</p>"


def test_signature_replaced_once():
    assert has_signature(ODOO_BODY)
    body = replace_signature(ODOO_BODY, ["My Company (San Francisco)"])
    assert "System" not in body
    assert body.count("--<br") == 1
    assert "My Company (San Francisco)" in body
    assert body.endswith("</p></div>")


def test_signature_added_when_the_template_has_none():
    body = replace_signature("<div><p>Dear X,<br/><br/>Here.</p></div>", ["Acme & Co"])
    assert body == "<div><p>Dear X,<br/><br/>Here.<br/><br/>--<br/>Acme &amp; Co</p></div>"
    assert not has_signature("<p>no</p>")
