# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
import json
import os
import re
from datetime import timedelta

from odoo.exceptions import ValidationError
from odoo.tests import tagged
from odoo.tools import formatLang
from odoo.tools.misc import format_date
from odoo.tools.translate import TranslationImporter, get_po_paths

from odoo.addons.queue_job.tests.common import trap_jobs

from .fake_llm_server import completion
from .test_followup import FollowupCommon

LANGS = ("fr_BE", "nl_BE", "de_DE")
SHIPPED = (*LANGS, "es_ES", "it_IT")  # one per shipped translation
# What a reader of each language must find, and English that must not be left.
EXPECTED = {
    "fr_BE": {
        "reminder": [
            "Bonjour Client fr_BE,",
            "Selon nos registres",
            "Total dû",
            "Vous pouvez payer en ligne ici",
            "Cordialement",
        ],
        "subject": "Rappel de paiement : facture",
        "note": "Merci pour votre commande",
        "mail": ["Voici votre", "Voir Facture"],
    },
    "nl_BE": {
        "reminder": [
            "Geachte Client nl_BE,",
            "Volgens onze gegevens",
            "Totaal verschuldigd",
            "U kunt hier online betalen",
            "Met vriendelijke groeten",
        ],
        "subject": "Betalingsherinnering: factuur",
        "note": "Bedankt voor uw bestelling",
        "mail": ["Hierbij ontvang je jouw", "Bekijk Factuur"],
    },
    "de_DE": {
        "reminder": [
            "Sehr geehrtes Team von Client de_DE,",
            "laut unserer Buchhaltung",
            "Fälliger Gesamtbetrag",
            "Sie können hier online bezahlen",
            "Mit freundlichen Grüßen",
        ],
        "subject": "Zahlungserinnerung: Rechnung",
        "note": "Vielen Dank für Ihren Auftrag",
        "mail": ["hier finden Sie", "Rechnung ansehen"],
    },
}
ENGLISH = [
    "Dear ",
    "overdue",
    "Total due",
    "Balance to pay",
    "Kind regards",
    "You can pay",
    "Thank you for your order",
    "Please find attached",
    "Pay online securely",
]


class LanguagesCommon(FollowupCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Lang = cls.env["res.lang"]
        for code in SHIPPED:
            Lang._activate_lang(code)
        # Odoo's own terms (account's e-mail template) and ours, as installing a language
        # loads them (base's loader: account's override also loads every company's chart)
        importer = TranslationImporter(cls.env.cr, verbose=False)
        for code in SHIPPED:
            for module in ("account", "ai_invoicing"):
                for po_path in get_po_paths(module, code):
                    importer.load_file(po_path, code)
        importer.save(overwrite=True)
        cls.Level.search([("company_id", "=", cls.company.id)])._translate_default_names()
        cls.company.write({"ai_auto_post": True, "ai_auto_send": True})
        cls.customers = {
            code: cls._customer(f"Client {code}", lang=code, email=f"ap-{code}@example.com")
            for code in SHIPPED
        }

    def _fmt(self, code, amount):
        env = self.env(context=dict(self.env.context, lang=code))
        return formatLang(env, amount, currency_obj=self.company.currency_id)

    def _date(self, code, value):
        return format_date(self.env, value, lang_code=code)


@tagged("post_install", "-at_install")
class TestLanguages(LanguagesCommon):
    """fr_BE, nl_BE and de_DE customers read their reminder, invoice note and invoice e-mail
    entirely in their language, with their dates and amounts."""

    def test_default_levels_are_named_in_each_language(self):
        self.assertEqual(self.first.with_context(lang="fr_BE").name, "Premier rappel")
        self.assertEqual(self.second.with_context(lang="nl_BE").name, "Aanmaning")
        self.assertEqual(self.final.with_context(lang="de_DE").name, "Letzte Mahnung")

    def test_a_language_installed_later_names_the_untouched_default_levels(self):
        self.first.update_field_translations("name", {"fr_BE": "First reminder"})
        self.second.with_context(lang="en_US").name = "Nudge"  # renamed by the user
        self.second.update_field_translations("name", {"fr_BE": "Nudge"})
        self.env["ir.module.module"]._load_module_terms(["ai_invoicing"], ["fr_BE"])
        self.assertEqual(self.first.with_context(lang="fr_BE").name, "Premier rappel")
        self.assertEqual(self.second.with_context(lang="fr_BE").name, "Nudge", "left alone")

    def test_reminder_in_the_customers_language_and_format(self):
        for code in LANGS:
            with self.subTest(lang=code):
                customer = self.customers[code]
                invoice = self._invoice(8, 1234.5, partner=customer)
                log = self._remind(customer)
                self.assertEqual(log.source_data["lang"], code)
                mail = self._mails(customer)
                body = self._body(customer)
                amount = self._fmt(code, 1234.5)
                self.assertIn("1.234,50", amount, "Belgian and German amounts")
                self.assertIn(amount, body)
                due = self._date(code, invoice.invoice_date_due)
                sep = "." if code == "de_DE" else "/"
                self.assertEqual(due, invoice.invoice_date_due.strftime(f"%d{sep}%m{sep}%Y"))
                self.assertIn(f">{invoice.name}</td>", body, "the invoices in a table")
                self.assertIn(due, body)
                self.assertTrue(mail.subject.startswith(EXPECTED[code]["subject"]), mail.subject)
                for text in EXPECTED[code]["reminder"]:
                    self.assertIn(text, body)
                for english in ENGLISH:
                    self.assertNotIn(english, body)
                self.assertNotIn(str(invoice.invoice_date_due), body, "no ISO date")

    def test_invoice_note_and_email_in_the_customers_language(self):
        for code in LANGS:
            with self.subTest(lang=code):
                customer = self.customers[code]
                order = self._order([(self.product_deliv, 2)], partner=customer)
                with trap_jobs() as trap:
                    self._deliver(order.picking_ids)
                    trap.perform_enqueued_jobs()  # draft (posts), then the delivery job
                    trap.perform_enqueued_jobs()
                invoice = order.invoice_ids
                self.assertEqual(invoice.state, "posted")
                self.assertIn(EXPECTED[code]["note"], str(invoice.narration))
                self.assertNotIn("Thank you", str(invoice.narration))
                mails = (
                    self.env["mail.mail"]
                    .search([("model", "=", "account.move"), ("res_id", "=", invoice.id)])
                    .filtered(lambda mail: mail.message_type == "comment")
                )
                self.assertEqual(len(mails), 1)
                body = mails.body_html.replace("&nbsp;", "\xa0")
                for text in EXPECTED[code]["mail"]:
                    self.assertIn(text, body)
                self.assertIn(self._fmt(code, invoice.amount_total), body)
                self.assertIn(self._date(code, invoice.invoice_date_due), body)
                for english in ENGLISH:
                    self.assertNotIn(english, body)


@tagged("post_install", "-at_install")
class TestLanguagesLlm(LanguagesCommon):
    """The LLM writes in the customer's language; the guardrails read its figures and dates
    in that language's format: Odoo's figure passes, another one is refused."""

    def setUp(self):
        super().setUp()
        self.server = self._start_fake_llm(max_retries=0)

    def _answer(self, body):
        self.server.script(completion(json.dumps({"subject": "Rappel", "body": body})))

    def test_right_and_wrong_figures_and_dates_in_each_language(self):
        nnbsp = "\u202f"
        for code in SHIPPED:
            for variant in ("right", "narrow no-break space", "wrong figure", "wrong date"):
                with self.subTest(lang=code, variant=variant):
                    customer = self._customer(
                        f"{code} {variant}", lang=code, email=f"{code}@example.com"
                    )
                    invoice = self._invoice(8, 1234.5, partner=customer)
                    amount = self._fmt(code, 1234.5)
                    due = self._date(code, invoice.invoice_date_due)
                    if variant == "narrow no-break space":
                        amount = amount.replace("\xa0", nnbsp)
                    elif variant == "wrong figure":
                        amount = self._fmt(code, 1243.5)
                    elif variant == "wrong date":
                        due = self._date(code, invoice.invoice_date_due + timedelta(days=1))
                    body = f"{invoice.name}: {amount}, {due}. [PAYMENT_LINK]"
                    self._answer(body)
                    log = self._remind(customer)
                    self.assertEqual(len(log), 1)
                    request = json.dumps(self.server.requests[-1]["body"])
                    self.assertIn(f'\\"language\\": \\"{code}\\"', request)
                    self.assertIn(
                        self._date(code, invoice.invoice_date_due),
                        request,
                        "dates reach the LLM in the customer's format",
                    )
                    codes = [flag["code"] for flag in log.flags or []]
                    source = log.source_data["text_source"]
                    if variant.startswith("wrong"):
                        self.assertEqual(source, "template", body)
                        expected = (
                            "llm_amount_mismatch" if "figure" in variant else ("llm_date_mismatch")
                        )
                        self.assertIn(expected, codes)
                        self.assertNotIn(body.split(": ")[1], self._body(customer))
                    else:
                        self.assertEqual(source, "llm", (body, codes))
                        self.assertIn(f"{invoice.name}: {amount}, {due}.", self._body(customer))


@tagged("post_install", "-at_install")
class TestFollowupContact(FollowupCommon):
    def test_stale_contact_falls_back_and_foreign_contact_is_refused(self):
        billing = self.env["res.partner"].create(
            {
                "name": "Billing",
                "parent_id": self.customer.id,
                "type": "invoice",
                "email": "billing@brasserie.example.com",
            }
        )
        boss = self.env["res.partner"].create(
            {"name": "Boss", "parent_id": self.customer.id, "email": "boss@example.com"}
        )
        self.customer.ai_followup_contact_id = boss
        self.assertEqual(self.customer._ai_followup_contact(), boss)
        other = self._customer("Other Customer")
        boss.parent_id = other  # the contact moves to another customer
        self.assertEqual(self.customer._ai_followup_contact(), billing)
        self._invoice(8, 321.0)
        log = self._remind()
        self.assertEqual(self._mails().recipient_ids, billing, "never the other customer's")
        self.assertEqual(log.source_data["contact"]["id"], billing.id)
        stranger = self.env["res.partner"].create({"name": "Stranger", "parent_id": other.id})
        with self.assertRaises(ValidationError):
            self.customer.ai_followup_contact_id = stranger
        with self.assertRaises(ValidationError):
            self.customer.write({"ai_followup_contact_id": boss.id})


@tagged("post_install", "-at_install")
class TestLanguagesPrinted(LanguagesCommon):
    """What the customer holds in hand: the reminder letter, the invoice and the statement
    (PDF), in the customer's language with its dates and amounts. With ``AI_LANG_SHOTS`` set
    to a folder, the PDFs and the e-mail bodies are written there to be looked at."""

    PRINTED = {
        "fr_BE": {
            "statement": ["Relevé de compte", "Total dû", "Dont échu"],
            "online": "Vous pouvez payer en ligne ici",
        },
        "nl_BE": {
            "statement": ["Rekeningoverzicht", "Totaal verschuldigd", "Waarvan vervallen"],
            "online": "U kunt hier online betalen",
        },
        "de_DE": {
            "statement": ["Kontoauszug", "Fälliger Gesamtbetrag", "Davon überfällig"],
            "online": "Sie können hier online bezahlen",
        },
    }

    def _has(self, text, html, why=""):
        self.assertTrue(text in html, f"{text!r} missing {why}")

    def _lacks(self, text, html, why=""):
        self.assertFalse(text in html, f"{text!r} found {why}")

    def _number(self, code, amount):
        return formatLang(self.env(context=dict(self.env.context, lang=code)), amount)

    def _html(self, report, records):
        html, _type = self.env["ir.actions.report"]._render_qweb_html(report, records.ids)
        return html.decode().replace("&nbsp;", "\xa0")

    def _shoot(self, name, report=None, records=None, html=None):
        folder = os.environ.get("AI_LANG_SHOTS")
        if not folder:
            return
        os.makedirs(folder, exist_ok=True)
        if html is not None:
            with open(os.path.join(folder, f"{name}.html"), "w", encoding="utf-8") as file:
                file.write(html)
            return
        reports = self.env["ir.actions.report"].with_context(force_report_rendering=True)
        pdf, _type = reports._render_qweb_pdf(report, records.ids)
        with open(os.path.join(folder, f"{name}.pdf"), "wb") as file:
            file.write(pdf)

    def test_letter_invoice_and_statement_in_the_customers_language(self):
        for code in LANGS:
            with self.subTest(lang=code):
                customer = self.customers[code]
                invoice = self._invoice(8, 1234.5, partner=customer)
                log = self._remind(customer)
                amount, due = self._fmt(code, 1234.5), self._date(code, invoice.invoice_date_due)
                letter = self._html("ai_invoicing.action_report_ai_followup_letter", log)
                printed = self.PRINTED[code]
                # on paper, no link to click (how to pay by transfer when the company
                # has a bank account: test_followup_send)
                for text in [*EXPECTED[code]["reminder"], EXPECTED[code]["subject"]]:
                    if text != printed["online"]:
                        self._has(text, letter)
                self._lacks(printed["online"], letter)
                self._has(amount, letter)
                self._has(due, letter)
                self._has(self._date(code, log.dunning_date), letter, "the letter's date")
                statement = self._html("ai_invoicing.action_report_ai_customer_statement", customer)
                for text in self.PRINTED[code]["statement"]:
                    self._has(text, statement)
                self._has(due, statement)
                self._has(self._number(code, 1234.5), statement)
                for html in (letter, statement):
                    html = re.sub(r"<[^>]*>", " ", html)  # what is read, not the markup
                    for english in [*ENGLISH, "Statement of Account", "Of which overdue"]:
                        self._lacks(english, html)
                    self._lacks(str(invoice.invoice_date_due), html, "no ISO date")
                self._shoot(f"{code}-letter", "ai_invoicing.action_report_ai_followup_letter", log)
                self._shoot(
                    f"{code}-statement",
                    "ai_invoicing.action_report_ai_customer_statement",
                    customer,
                )
                self._shoot(f"{code}-reminder-mail", html=self._body(customer))

    def test_invoice_pdf_and_mail_in_the_customers_language(self):
        for code in LANGS:
            with self.subTest(lang=code):
                customer = self.customers[code]
                order = self._order([(self.product_deliv, 2)], partner=customer)
                with trap_jobs() as trap:
                    self._deliver(order.picking_ids)
                    trap.perform_enqueued_jobs()
                    trap.perform_enqueued_jobs()
                invoice = order.invoice_ids
                printed = self._html("account.account_invoices", invoice)
                self._has(EXPECTED[code]["note"], printed)
                self._has(self._number(code, invoice.amount_total), printed)
                self._has(self._date(code, invoice.invoice_date_due), printed)
                for english in ENGLISH:
                    self._lacks(english, re.sub(r"<[^>]*>", " ", printed))
                self._shoot(f"{code}-invoice", "account.account_invoices", invoice)
                mail = self.env["mail.mail"].search(
                    [("model", "=", "account.move"), ("res_id", "=", invoice.id)]
                )
                self._shoot(f"{code}-invoice-mail", html=mail[:1].body_html)
