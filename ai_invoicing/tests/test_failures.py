# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from unittest.mock import patch

from odoo.exceptions import UserError
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import AiInvoicingCommon, trap_jobs


@tagged("post_install", "-at_install")
class TestFailures(AiInvoicingCommon):
    """Bad input: a failed log with an actionable reason, an activity, no invoice."""

    def _queued_log(self, order):
        with trap_jobs():
            self._deliver(order.picking_ids)
        return self.Log.search([("picking_id", "=", order.picking_ids.id)])

    def _assert_failed(self, log, order, expected):
        self.assertEqual(log.state, "failed")
        self.assertIn(expected, log.error)
        self.assertFalse(order.invoice_ids, "no half-made invoice")
        failure_type = self.env.ref("ai_invoicing.mail_activity_type_ai_failure")
        activity = order.activity_ids.filtered(lambda a: a.activity_type_id == failure_type)
        self.assertEqual(len(activity), 1)
        self.assertTrue(activity.user_id)
        self.assertTrue(order.message_ids.filtered(lambda m: log.name in (m.body or "")))

    def test_cancelled_order(self):
        order = self._order([(self.product_deliv, 2)])
        log = self._queued_log(order)
        order.with_context(disable_cancel_warning=True)._action_cancel()
        result = self._run_log(log)
        self._assert_failed(log, order, "is cancelled")
        self.assertEqual(result, log.error, "the job ends: no endless retry")

    def test_locked_order(self):
        order = self._order([(self.product_deliv, 2)])
        log = self._queued_log(order)
        order.action_lock()
        self._run_log(log)
        self._assert_failed(log, order, "is locked")

    def test_customer_without_country(self):
        partner = self.partner_a.copy({"country_id": False, "name": "Nowhere Ltd"})
        order = self._order([(self.product_deliv, 2)], partner=partner)
        log = self._queued_log(order)
        self._run_log(log)
        self._assert_failed(log, order, "has no country")

    def test_currency_without_rate(self):
        code = "CHF" if self.company.currency_id.name == "EUR" else "EUR"
        currency = self.setup_other_currency(code, rates=[("2000-01-01", 2.0)])
        pricelist = self.env["product.pricelist"].create(
            {"name": "Foreign", "currency_id": currency.id}
        )
        order = self._order([(self.product_deliv, 2)], pricelist_id=pricelist.id)
        log = self._queued_log(order)
        currency.rate_ids.unlink()
        self._run_log(log)
        self._assert_failed(log, order, "has no exchange rate")

    def test_product_without_income_account(self):
        product = self._create_product(
            name="Orphan",
            type="consu",
            invoice_policy="delivery",
            lst_price=10.0,
            property_account_income_id=False,
        )
        category = self.env["product.category"].create({"name": "No accounts"})
        category.property_account_income_categ_id = False  # overrides the chart's default
        product.categ_id = category
        self.company.income_account_id = False
        order = self._order([(product, 1)])
        log = self._queued_log(order)
        self._run_log(log)
        self._assert_failed(log, order, "No income account for Orphan")

    def test_already_invoiced_by_hand_is_covered_not_failed(self):
        order = self._order([(self.product_deliv, 2)])
        log = self._queued_log(order)
        order._create_invoices()  # a clerk invoiced it by hand meanwhile
        manual = order.invoice_ids
        self._run_log(log)
        self.assertEqual((log.state, log.decision), ("done", "skipped"))
        self.assertIn(f"Covered by {manual.display_name}", log.rationale)
        self.assertEqual(order.invoice_ids, manual, "no second invoice")
        self.assertFalse(order.activity_ids, "nothing for a person to fix")

    def test_engine_error_rolls_back_invoice(self):
        """An error raised after the draft exists leaves no half-made invoice."""
        order = self._order([(self.product_deliv, 2)])
        log = self._queued_log(order)
        self.company.ai_auto_post = True
        invoices_before = self.env["account.move"].search_count([])
        with patch.object(
            type(self.env["ai.invoice.agent.draft"]), "_route", self._raise_user_error
        ):
            self._run_log(log)
        self.assertEqual(log.state, "failed")
        self.assertIn("Broken rule", log.error)
        self.assertEqual(self.env["account.move"].search_count([]), invoices_before)

    def test_unexpected_error_fails_cleanly(self):
        order = self._order([(self.product_deliv, 2)])
        log = self._queued_log(order)

        def boom(*args, **kwargs):
            raise RuntimeError("disk on fire")

        with (
            patch.object(type(self.env["ai.invoice.agent.draft"]), "_route", boom),
            mute_logger("odoo.addons.ai_invoicing.models.ai_invoice_log"),
        ):
            result = self._run_log(log)
        self.assertEqual(log.state, "failed")
        self.assertIn("RuntimeError: disk on fire", log.error)
        self.assertEqual(result, log.error, "the job ends; no endless retry")
        self._assert_failed(log, order, "Unexpected error")

    @staticmethod
    def _raise_user_error(*args, **kwargs):
        raise UserError("Broken rule")

    def test_retry_after_fix(self):
        partner = self.partner_a.copy({"country_id": False, "name": "Later Ltd"})
        order = self._order([(self.product_deliv, 2)], partner=partner)
        log = self._queued_log(order)
        self._run_log(log)
        self.assertEqual(log.state, "failed")
        partner.country_id = self.country_be
        with trap_jobs() as trap:
            log.action_retry()
            trap.assert_jobs_count(1, only=self._job_function(log))
            trap.perform_enqueued_jobs()
        # drafted; the checks route it to review: the order's fiscal position was
        # computed before the country was known
        self.assertEqual(log.state, "needs_review")
        self.assertEqual(log.move_id.ai_review_state, "pending")
        self.assertEqual(log.move_id, order.invoice_ids)
        self.assertEqual(len(order.invoice_ids), 1)
        # the earlier error stays in the log's history; the failure activity is done
        earlier = log.source_data["earlier_errors"][0]["error"]
        self.assertTrue(earlier)
        history = " ".join(log.message_ids.mapped("body"))
        self.assertIn("Retried by", history)
        self.assertIn(earlier.split("\n")[0][:40], history)
        failure = self.env.ref("ai_invoicing.mail_activity_type_ai_failure")
        self.assertFalse(order.activity_ids.filtered(lambda a: a.activity_type_id == failure))
