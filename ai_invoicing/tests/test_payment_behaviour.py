# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from datetime import timedelta

from odoo.exceptions import AccessError, UserError
from odoo.fields import Command
from odoo.tests import new_test_user
from odoo.tools.misc import formatLang

from .test_followup import FollowupCommon


class PaymentBehaviourCommon(FollowupCommon):
    """A customer with paid, partly paid and credited invoices (helpers of the follow-ups)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Behaviour = cls.env["ai.payment.behaviour"]
        cls.clerk = new_test_user(
            cls.env,
            login="ai_pb_user",
            name="Ursula User",
            company_id=cls.company.id,
            groups="ai_invoicing.group_ai_invoicing_user,account.group_account_invoice",
        )

    def _paid_late(self, days_late, amount=100.0, partner=None, due_days_ago=60, **values):
        """An invoice due ``due_days_ago`` days ago, paid ``days_late`` days after its due date."""
        invoice = self._invoice(due_days_ago, amount, partner=partner, **values)
        self._pay(invoice, invoice.amount_residual, days_ago=due_days_ago - days_late)
        return invoice

    def _credit(self, invoice, amount=None):
        """A posted credit note reconciled with ``invoice`` (all of it by default)."""
        reversal = (
            self.env["account.move.reversal"]
            .with_context(active_model="account.move", active_ids=invoice.ids)
            .create({"journal_id": invoice.journal_id.id, "reason": "returned"})
        )
        refund = self.env["account.move"].browse(reversal.refund_moves()["res_id"])
        if amount is not None:
            refund.invoice_line_ids.price_unit = amount
        refund.action_post()
        lines = (refund | invoice).line_ids.filtered(
            lambda line: line.account_id.account_type == "asset_receivable" and not line.reconciled
        )
        if len(lines.move_id) == 2:  # Odoo reconciles a credit note with its invoice itself
            lines.reconcile()
        self.assertIn(refund, invoice._get_reconciled_invoices())
        return refund

    def _row(self, partner=None, company=None):
        company = company or self.company
        partner = partner or self.customer
        return self.Behaviour._get_for({(company.id, partner.id)})[company.id, partner.id]


class TestPaymentBehaviour(PaymentBehaviourCommon):
    def test_statistics_from_reconciliations(self):
        self._paid_late(0)
        self._paid_late(10, due_days_ago=70)
        # partial payments weighted by amount: half on the due date, half 20 days late
        partial = self._invoice(80, 200.0)
        self._pay(partial, 100.0, days_ago=80)
        self._pay(partial, 100.0, days_ago=60)
        # settled by a credit note only: not a payment
        credited = self._invoice(90, 50.0)
        self._credit(credited)
        self._invoice(5, 70.0)  # open and overdue
        self._invoice(-10, 30.0)  # open, not due
        row = self._row()
        self.assertEqual(row.invoices_paid, 3)
        self.assertEqual(row.credited_count, 1)
        self.assertAlmostEqual(row.average_days_late, 6.7)
        self.assertEqual(row.p90_days_late, 10)
        self.assertAlmostEqual(row.late_share, 66.7)
        self.assertEqual(row.days_late_recent, [0, 10, 10])  # newest invoice first
        self.assertEqual((row.open_overdue_count, row.open_overdue_amount), (1, 70.0))
        self.assertEqual(row.open_balance, 100.0)
        self.assertFalse(row.is_new)
        self.assertIn("3 paid invoice(s)", row.summary)

    def test_partial_credit_note_is_not_a_payment(self):
        invoice = self._invoice(40, 100.0)
        self._credit(invoice, amount=40.0)  # credited when it was 40 days late
        self._pay(invoice, 60.0, days_ago=40)  # the rest paid on the due date
        self.assertEqual(self._row().days_late_recent, [0])

    def test_foreign_currency_exchange_difference(self):
        """An invoice in another currency paid late at another rate: the exchange difference
        entry is no payment, the totals are in company currency."""
        invoice = self._invoice(30, 200.0, currency=self.other_currency)
        self._pay(invoice, invoice.amount_residual, days_ago=18)
        self.assertTrue(invoice.payment_state in ("paid", "in_payment"))
        row = self._row()
        self.assertEqual(row.days_late_recent, [12])
        self.assertEqual(row.average_amount, abs(invoice.amount_total_signed))

    def test_per_company(self):
        company_2 = self.setup_other_company()["company"]
        self.customer.company_id = False
        late_elsewhere = (
            self.env["account.move"]
            .with_company(company_2)
            .create(
                {
                    "move_type": "out_invoice",
                    "partner_id": self.customer.id,
                    "company_id": company_2.id,
                    "invoice_date": self.today - timedelta(days=100),
                    "invoice_date_due": self.today - timedelta(days=90),
                    "invoice_line_ids": [
                        Command.create(
                            {"name": "x", "quantity": 1, "price_unit": 10, "tax_ids": []}
                        )
                    ],
                }
            )
        )
        late_elsewhere.action_post()
        bank_2 = self.env["account.journal"].search(
            [("company_id", "=", company_2.id), ("type", "=", "bank")], limit=1
        )
        self.env["account.payment.register"].with_company(company_2).with_context(
            active_model="account.move", active_ids=late_elsewhere.ids
        ).create({"payment_date": self.today, "journal_id": bank_2.id})._create_payments()
        self._paid_late(0)
        here, there = self._row(), self._row(company=company_2)
        self.assertEqual(here.days_late_recent, [0])
        self.assertEqual(there.days_late_recent, [90])
        self.assertNotEqual(here, there)

    def test_new_customer(self):
        row = self._row(self._customer("Nobody Yet"))
        self.assertTrue(row.is_new)
        self.assertEqual(row.invoices_paid, 0)

    def test_incremental_refresh(self):
        self._paid_late(5)
        row = self._row()
        self.assertEqual(row.invoices_paid, 1)
        self.assertFalse(row.stale)
        other = self._customer("Someone Else")
        other_row = self._row(other)
        stamp = other_row.refreshed_at
        # a payment marks only its customer's row stale
        late = self._paid_late(20, due_days_ago=50)
        self.assertTrue(row.stale)
        self.assertFalse(other_row.stale)
        # the next draft's read refreshes that customer alone
        self.assertEqual(self._row().invoices_paid, 2)
        self.assertFalse(row.stale)
        self.assertEqual(other_row.refreshed_at, stamp)
        # unreconciling makes it stale again
        late.line_ids.matched_credit_ids.unlink()
        self.assertTrue(row.stale)

    def test_cron_picks_up_customers_paid_since_last_run(self):
        self.Behaviour._cron_refresh()  # remembers where the reconciliations stand
        self._paid_late(3)
        self.assertFalse(self.Behaviour.search([("partner_id", "=", self.customer.id)]))
        self.Behaviour._cron_refresh()
        row = self.Behaviour.search([("partner_id", "=", self.customer.id)])
        self.assertEqual(row.days_late_recent, [3])

    def test_customer_button_and_rights(self):
        self._paid_late(4)
        customer = self.customer.with_user(self.clerk)
        action = customer.action_ai_payment_behaviour()
        row = self.Behaviour.browse(action["res_id"])
        self.assertEqual(row.with_user(self.clerk).average_days_late, 4.0)
        self.assertEqual(customer.ai_payment_days_late, 4.0)
        with self.assertRaises(AccessError):
            row.with_user(self.clerk).write({"average_days_late": 0.0})
        with self.assertRaises(AccessError):
            self.Behaviour.with_user(self.clerk).create(
                {"partner_id": self.customer.id, "company_id": self.company.id}
            )
        outsider = new_test_user(
            self.env, login="pb_outsider", groups="base.group_user", company_id=self.company.id
        )
        with self.assertRaises(AccessError):
            row.with_user(outsider).read(["average_days_late"])

    def test_risk_note_reads_the_stored_behaviour(self):
        for due_days_ago in (200, 170, 140, 110):
            self._paid_late(30, due_days_ago=due_days_ago)
        self._invoice(10, 100.0)
        log = self._remind()
        self.assertIn("Payment behaviour: 4 paid invoice(s)", log.rationale)
        self.assertIn("100.0 % paid late", log.rationale)


class TestEarlyDiscountSuggestion(PaymentBehaviourCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.early = cls.env.ref("account.account_payment_term_30days_early_discount")
        cls.company.write(
            {
                "ai_early_discount_suggest": True,
                "ai_early_discount_term_id": cls.early.id,
                "ai_early_discount_min_days_late": 10.0,
                "ai_early_discount_min_balance": 1000.0,
            }
        )

    def _slow_payer(self):
        for due_days_ago in (150, 120, 90, 60):
            self._paid_late(25, amount=1000.0, due_days_ago=due_days_ago)
        self._invoice(5, 3000.0)  # a large open balance

    def test_suggested_to_a_slow_payer_with_the_cash_effect(self):
        self._slow_payer()
        row = self._row()
        self.assertEqual(row.discount_term_id, self.early)
        # paid 30 days after the invoice date (5 days of terms + 25 late), 4,000 a year:
        # about 11 a day, 23 days sooner with 2/7 Net 30
        self.assertIn("pays 25.0 day(s) late on average (30.0 day(s)", row.discount_note)
        self.assertIn("23.0 day(s) sooner", row.discount_note)
        self.assertIn(self._fmt(252.05), row.discount_note)
        self.assertIn(self._fmt(80.0), row.discount_note)  # 2 % of 4,000 a year

    def test_not_suggested_to_good_payers_or_small_balances(self):
        for due_days_ago in (150, 120, 90, 60):
            self._paid_late(0, amount=1000.0, due_days_ago=due_days_ago)
        self._invoice(5, 3000.0)
        self.assertFalse(self._row().discount_term_id)
        self.company.ai_early_discount_suggest = False
        self.assertFalse(self._row().discount_term_id)

    def test_accepted_by_a_person_never_automatic(self):
        self._slow_payer()
        row = self._row()
        customer = self.customer.with_company(self.company)
        before = customer.property_payment_term_id
        self.assertNotEqual(before, self.early, "a suggestion changes nothing by itself")
        with self.assertRaises(AccessError):
            row.with_user(self.clerk).action_accept_discount_terms()
        row.with_user(self.reviewer).action_accept_discount_terms()
        self.assertEqual(customer.property_payment_term_id, self.early)
        self.assertIn("accepting the early-payment discount", customer.message_ids[0].body)
        row.invalidate_recordset()
        self.assertFalse(row.discount_term_id, "not suggested again")
        with self.assertRaises(UserError):
            row.with_user(self.reviewer).action_accept_discount_terms()

    def _fmt(self, amount):
        return formatLang(self.env, amount, currency_obj=self.company.currency_id)
