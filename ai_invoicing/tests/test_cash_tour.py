# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from odoo.tests import HttpCase, new_test_user, tagged

from .test_cash_application import CashCommon


@tagged("post_install", "-at_install")
class TestCashTour(CashCommon, HttpCase):
    """Cash application in a real browser (headless Chromium), as a cash clerk whose only
    accounting right is the one the user form grants."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.ai_cash_auto_apply = False
        cls.tour_clerk = new_test_user(
            cls.env,
            login="tour_cash_clerk",
            company_id=cls.company.id,
            groups="ai_invoicing.group_ai_cash_clerk",
        )

    def test_accept_and_reject_tour(self):
        one = self._invoice(111.0)
        two = self._invoice(222.0)
        line_one = self._line(111.0, f"Tour Payment One {one.name}", partner_id=self.partner_a.id)
        line_two = self._line(222.0, f"Tour Payment Two {two.name}", partner_id=self.partner_a.id)
        self._process(line_one | line_two)
        self.start_tour(
            "/odoo/action-ai_invoicing.ai_cash_suggestion_action",
            "ai_invoicing_cash_tour",
            login=self.tour_clerk.login,
        )
        self.assertPaid(one)
        self.assertTrue(line_one.is_reconciled)
        self.assertEqual(self._log(line_one).reviewer_id, self.tour_clerk)
        rejected = self._suggestions(line_two, "rejected")
        self.assertEqual(rejected.reject_reason, "Paid for another customer")
        self.assertFalse(line_two.is_reconciled)

    def test_manual_match_tour(self):
        other = self.partner_a.copy({"name": "Tour Other Customer"})
        invoice = self._invoice(250.0, partner=other, payment_reference="TOURINV-0001")
        line = self._line(247.0, "Tour Wire Three")
        self._process(line)
        self.assertEqual(self._log(line).decision, "no_match")
        self.start_tour(
            "/odoo/action-ai_invoicing.ai_bank_statement_line_action",
            "ai_invoicing_cash_manual_tour",
            login=self.tour_clerk.login,
        )
        self.assertTrue(line.is_reconciled)
        self.assertEqual(invoice.payment_state, "partial")
        self.assertAlmostEqual(invoice.amount_residual, 3.0)
        self.assertIn("Matched by hand by", self._log(line).rationale)
