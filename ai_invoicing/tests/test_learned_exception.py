# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from datetime import timedelta

from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.fields import Command
from odoo.tests import Form, tagged

from ..services.checks import Finding
from .test_rollout import RolloutCommon


@tagged("post_install", "-at_install")
class TestLearnedExceptions(RolloutCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # repeated orders of the same goods for one customer are these tests' set-up,
        # not the duplicates the controller checks look for
        cls.company.write({"ai_check_twins": False, "ai_check_line_history": False})
        # the default scope drafts; only the discount check speaks in these tests
        cls.company.write({"ai_max_discount": 30.0, "ai_check_price_reference": False})
        cls.Exception = cls.env["ai.learned.exception"]
        cls.customer = cls._customer("Brasserie du Coin")

    def _discounted(self, discount, partner=None, product=None):
        order = self._order(
            [(product or self.product_crate, 10, {"discount": discount})],
            partner=partner or self.customer,
        )
        return self._deliver_and_run(order.picking_ids)

    def _approve_and_accept(self, log, user=None, **values):
        wizard = Form(
            self.env["ai.invoice.review.wizard"]
            .with_user(user or self.reviewer)
            .with_context(default_move_ids=log.move_id.ids, default_decision="approve")
        )
        wizard.accept_for_customer = True
        for name, value in values.items():
            setattr(wizard, name, value)
        wizard.save().action_confirm()
        return self.Exception.search([("source_move_id", "=", log.move_id.id)])

    def test_accept_for_customer_silences_within_bound(self):
        log = self._discounted(40.0)
        self.assertEqual(log.move_id.ai_review_state, "pending")
        self.assertIn("discount_too_high", log.move_id.ai_check_findings[0]["code"])
        exception = self._approve_and_accept(log)
        self.assertEqual(len(exception), 1)
        self.assertEqual(exception.partner_id, self.customer)
        self.assertEqual(exception.bound_kind, "discount")
        self.assertEqual(exception.bound, 40.0)
        self.assertEqual(exception.approved_by_id, self.reviewer)
        self.assertIn("40", exception.bound_display)
        # next time within the bound: silent, and the log names the exception and approver
        again = self._discounted(35.0)
        self.assertEqual(again.decision, "drafted")
        self.assertEqual(again.move_id.ai_review_state, "none")
        finding = again.findings[0]
        self.assertEqual(finding["severity"], "info")
        self.assertIn(f"learned exception #{exception.id}", finding["message"])
        self.assertIn("Rita Reviewer", finding["message"])
        # above the bound: held again (an exception never widens itself)
        above = self._discounted(45.0)
        self.assertEqual(above.move_id.ai_review_state, "pending")
        self.assertEqual(exception.bound, 40.0)

    def test_other_customer_and_company_are_not_silenced(self):
        self._approve_and_accept(self._discounted(40.0))
        other = self._discounted(40.0, partner=self._customer("Other Bar"))
        self.assertEqual(other.move_id.ai_review_state, "pending")

    def test_product_bound_exception(self):
        self._approve_and_accept(self._discounted(40.0), accept_product_id=self.product_crate)
        with_product = self._discounted(40.0)
        self.assertEqual(with_product.move_id.ai_review_state, "none")
        other_product = self._discounted(40.0, product=self.product_keg)
        self.assertEqual(other_product.move_id.ai_review_state, "pending")

    def test_expired_exception_no_longer_silences(self):
        exception = self._approve_and_accept(self._discounted(40.0))
        exception.date_expiry = fields.Date.today() - timedelta(days=1)
        self.assertEqual(self._discounted(40.0).move_id.ai_review_state, "pending")

    def test_revoked_exception_no_longer_silences(self):
        exception = self._approve_and_accept(self._discounted(40.0))
        with self.assertRaises(AccessError):
            exception.with_user(self.reviewer).action_revoke()
        exception.with_user(self.manager).action_revoke()
        self.assertFalse(exception.active)
        self.assertEqual(exception.revoked_by_id, self.manager)
        self.assertEqual(self._discounted(40.0).move_id.ai_review_state, "pending")

    def test_errors_are_never_silenced(self):
        # a manager's hand-made exception on an error code changes nothing
        self.Exception.with_user(self.manager).create(
            {"partner_id": self.customer.id, "code": "tax_mismatch", "bound_kind": "none"}
        )
        result = self.env["ai.learned.exception"]._ai_filter(self.env["account.move"], {})
        self.assertEqual(result, {})
        log = self._discounted(10.0)
        move = log.move_id
        findings = {move.id: [Finding("tax_mismatch", "error", "Taxes differ", "taxes")]}
        out = self.env["ai.learned.exception"]._ai_filter(move, findings)
        self.assertEqual(out[move.id][0].severity, "error")

    def test_nothing_to_accept_without_warning(self):
        self.company.ai_review_threshold = 1.0  # held by the amount, no warning
        log = self._discounted(0.0)
        with self.assertRaises(UserError):
            self._approve_and_accept(log)
        self.assertEqual(log.move_id.ai_review_state, "pending", "nothing approved either")

    def test_access(self):
        exception = self._approve_and_accept(self._discounted(40.0))
        as_reviewer = exception.with_user(self.reviewer)
        self.assertEqual(as_reviewer.bound, 40.0, "reviewers read exceptions")
        with self.assertRaises(AccessError):
            as_reviewer.write({"bound": 90.0})
        with self.assertRaises(AccessError):
            self.Exception.with_user(self.reviewer).create(
                {"partner_id": self.customer.id, "code": "discount_too_high"}
            )
        with self.assertRaises(AccessError):
            self.env["ai.learned.exception"].with_user(self.warehouse_user)._ai_learn(
                self.env["account.move"]
            )
        exception.with_user(self.manager).write({"bound": 35.0})
        self.assertEqual(exception.bound, 35.0, "managers edit")

    def test_multi_company(self):
        exception = self._approve_and_accept(self._discounted(40.0))
        other = self.env["res.company"].create({"name": "Other Brewery"})
        self.manager.company_ids = [Command.link(other.id)]
        visible = (
            self.Exception.with_user(self.manager)
            .with_company(other)
            .search([("company_id", "=", other.id)])
        )
        self.assertFalse(visible)
        self.assertNotIn(
            exception,
            self.Exception.with_user(self.manager)
            .with_context(allowed_company_ids=[other.id])
            .search([]),
        )
