# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from odoo.tests import tagged
from odoo.tools.translate import TranslationImporter, get_po_paths

from .common_checks import AiChecksCommon
from .test_cash_application import CashCommon

EMAIL_MISSING_EN = "The customer receives invoices by e-mail but has no e-mail address."
EMAIL_MISSING_FR = "Le client reçoit ses factures par e-mail mais n'a pas d'adresse e-mail."


def _install_french(env):
    """fr_FR installed with this addon's terms, as installing the language does."""
    env["res.lang"]._activate_lang("fr_FR")
    importer = TranslationImporter(env.cr, verbose=False)
    for po_path in get_po_paths("ai_invoicing", "fr_FR"):
        importer.load_file(po_path, "fr_FR")
    importer.save(overwrite=True)


@tagged("post_install", "-at_install")
class TestFindingsInTheReadersLanguage(AiChecksCommon):
    """The findings of services/checks.py are read in the reviewer's language."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        _install_french(cls.env)
        cls.reviewer.lang = "fr_FR"

    def test_a_french_reviewer_reads_a_finding_drafted_in_english_in_french(self):
        self.be_customer.write({"invoice_sending_method": "email", "email": False})
        log, invoice = self._draft(self.be_customer)  # the agent runs in English
        self.assertEqual(self._codes(log), ["channel_email_missing"])
        self.assertEqual(invoice.ai_check_findings[0]["message"], EMAIL_MISSING_EN)
        self.assertIn(EMAIL_MISSING_EN, str(invoice.with_context(lang="en_US").ai_check_html))
        html = str(invoice.with_user(self.reviewer).with_context(lang="fr_FR").ai_check_html)
        self.assertIn(EMAIL_MISSING_FR, html)
        self.assertNotIn("e-mail address", html)

    def test_checks_run_by_a_french_reviewer_write_french_with_their_figures(self):
        log, invoice = self._draft(self.be_customer)
        twin = invoice.copy({"ref": invoice.ref, "invoice_origin": invoice.invoice_origin})
        checks = self.env["account.move.ai.checks"].with_user(self.reviewer)
        [english] = checks.with_context(lang="en_US")._run_checks(twin)
        [french] = checks.with_context(lang="fr_FR")._run_checks(twin)
        self.assertEqual(english.code, "possible_duplicate")
        self.assertTrue(english.message.startswith("Possible duplicate of "), english.message)
        self.assertIn("same customer, same lines", english.message)
        self.assertTrue(french.message.startswith("Doublon possible de "), french.message)
        # the nested parts are said in French too, the figures are kept
        self.assertIn("même client, mêmes lignes, même total", french.message)
        self.assertIn(f"même origine {invoice.invoice_origin}", french.message)
        self.assertNotIn("same", french.message)
        day = invoice.invoice_date or invoice.date
        self.assertIn(f"({day.strftime('%m/%d/%Y')})", english.message, "en_US date format")
        self.assertIn(f"({day.strftime('%d/%m/%Y')})", french.message, "the French reader's date")


@tagged("post_install", "-at_install")
class TestCashReasonsInTheReadersLanguage(CashCommon):
    """The explanations of services/cash_matching.py in the language of whoever matches."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        _install_french(cls.env)
        cls.clerk.lang = "fr_FR"

    def test_a_french_cash_clerk_reads_the_match_explained_in_french(self):
        invoice = self._invoice(1000.0)
        line = self._line(400.0, f"{invoice.name} first instalment", partner_id=self.partner_a.id)
        cash = self.Cash.with_user(self.clerk).with_context(lang="fr_FR")
        cash._process(line.with_env(cash.env), "manual")
        top = self._suggestions(line)[:1]
        self.assertEqual(top.kind, "partial")
        self.assertIn(f"Référence {invoice.name} dans le libellé", top.explanation)
        self.assertIn("paiement partiel : ", top.explanation)
        self.assertIn("paiement partiel : 400,00 USD sur 1", top.explanation, "French amounts")
        self.assertIn("le reste reste ouvert", top.explanation)
        self.assertNotIn("in the label", top.explanation)
        self.assertNotIn("partial payment", top.explanation)
        # the same match run in English reads as before
        other = self._line(400.0, f"{invoice.name} first instalment", partner_id=self.partner_a.id)
        self._process(other)
        explanation = self._suggestions(other)[:1].explanation
        self.assertIn(f"Reference {invoice.name} in the label", explanation)
        self.assertIn("partial payment: 400.00 USD of 1,000.00 USD open", explanation)
        # and the French clerk reads that English match in French on the suggestion
        suggestion = self._suggestions(other)[:1].with_user(self.clerk).with_context(lang="fr_FR")
        self.assertIn("paiement partiel : 400,00 USD sur 1", suggestion.explanation_said)
        self.assertIn("paiement partiel : 400,00 USD sur 1", suggestion.explanation_line)
        self.assertNotIn("partial payment", suggestion.explanation_said)
        english = self._suggestions(other)[:1].with_context(lang="en_US")
        self.assertEqual(english.explanation_said, english.explanation, "English as stored")
