# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
import importlib.util
from datetime import timedelta
from pathlib import Path

from freezegun import freeze_time

from odoo import fields
from odoo.exceptions import AccessError
from odoo.fields import Command
from odoo.tests import new_test_user, tagged

from odoo.addons.queue_job.tests.common import trap_jobs

from .common import AiInvoicingCommon

MIGRATION = Path(__file__).parents[1] / "migrations" / "19.0.1.1.0" / "post-migrate.py"


@tagged("post_install", "-at_install")
class RolloutCommon(AiInvoicingCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # repeated orders of the same goods for one customer are these tests' set-up,
        # not the duplicates the controller checks look for
        cls.company.write({"ai_check_twins": False, "ai_check_line_history": False})
        cls.Scope = cls.env["ai.rollout.scope"]
        cls.default_scope = cls.Scope.search(
            [("company_id", "=", cls.company.id), ("is_company_default", "=", True)]
        )
        cls.categ_kegs = cls.env["product.category"].create({"name": "Beer kegs"})
        cls.categ_kegs_small = cls.env["product.category"].create(
            {"name": "Small kegs", "parent_id": cls.categ_kegs.id}
        )
        cls.categ_crates = cls.env["product.category"].create({"name": "Crates"})
        cls.product_keg = cls._create_product(
            name="Keg 30 l",
            type="consu",
            is_storable=True,
            invoice_policy="delivery",
            standard_price=5.0,
            lst_price=100.0,
            categ_id=cls.categ_kegs.id,
            taxes_id=[Command.set(cls.tax_sale_a.ids)],
        )
        cls.product_small_keg = cls._create_product(
            name="Keg 10 l",
            type="consu",
            is_storable=True,
            invoice_policy="delivery",
            standard_price=5.0,
            lst_price=40.0,
            categ_id=cls.categ_kegs_small.id,
            taxes_id=[Command.set(cls.tax_sale_a.ids)],
        )
        cls.product_crate = cls._create_product(
            name="Crate",
            type="consu",
            is_storable=True,
            invoice_policy="delivery",
            standard_price=5.0,
            lst_price=20.0,
            categ_id=cls.categ_crates.id,
            taxes_id=[Command.set(cls.tax_sale_a.ids)],
        )
        for product in (cls.product_keg, cls.product_small_keg, cls.product_crate):
            cls._stock(product, 1000)
        cls.manager = new_test_user(
            cls.env,
            login="ai_rollout_manager",
            name="Mona Manager",
            company_id=cls.company.id,
            groups="ai_invoicing.group_ai_invoicing_manager",
        )
        cls.scope_kegs = cls.Scope.create(
            {
                "name": "Beer kegs",
                "sequence": 1,
                "level": "pilot",
                "product_categ_ids": [Command.set(cls.categ_kegs.ids)],
                "pilot_size": 3,
            }
        )

    def _draft(self, product, qty=1, partner=None):
        order = self._order([(product, qty)], partner=partner)
        return self._deliver_and_run(order.picking_ids)

    def _rollout_logs(self, scope):
        return self.Log.search([("agent", "=", "rollout"), ("rollout_scope_id", "=", scope.id)])


@tagged("post_install", "-at_install")
class TestRolloutScopes(RolloutCommon):
    def test_default_scope_reproduces_company_settings(self):
        self.assertEqual(len(self.default_scope), 1)
        self.assertEqual(self.default_scope.level, "draft", "auto-post off: drafts stay draft")
        self.assertEqual(self.default_scope.pilot_size, 0, "no pilot for a database as it was")
        self.company.write({"ai_auto_post": True, "ai_auto_send": False})
        self.assertEqual(self.default_scope.level, "post")
        self.company.ai_auto_send = True
        self.assertEqual(self.default_scope.level, "post_send")
        logs = self._rollout_logs(self.default_scope)
        self.assertEqual(len(logs), 2, "every level change is logged")
        self.assertIn("company settings", logs[0].rationale)
        # and the other way round: the manager lowers the scope, the settings follow
        self.default_scope.with_user(self.manager).level = "draft"
        self.assertFalse(self.company.ai_auto_post)

    def test_default_scope_keeps_todays_behaviour(self):
        self.company.ai_auto_post = True
        log = self._draft(self.product_crate)
        self.assertEqual(log.decision, "posted")
        self.assertEqual(log.rollout_scope_id, self.default_scope)
        self.assertEqual(log.move_id.ai_rollout_scope_id, self.default_scope)

    def test_new_company_gets_its_scope(self):
        company = self.env["res.company"].create({"name": "Brewery Two", "ai_auto_post": True})
        scope = self.Scope.search([("company_id", "=", company.id)])
        self.assertEqual(len(scope), 1)
        self.assertTrue(scope.is_company_default)
        self.assertEqual(scope.level, "post_send")

    def test_a_narrow_scope_does_not_stand_in_for_the_default(self):
        """Demo data (or a manager) may make a narrower scope before the install hook runs."""
        company = self.env["res.company"].create({"name": "Brewery Three"})
        self.Scope.search([("company_id", "=", company.id)]).sudo().unlink()
        self.Scope.create(
            {
                "name": "Kegs only",
                "company_id": company.id,
                "product_categ_ids": [Command.set(self.categ_kegs.ids)],
            }
        )
        company._ai_ensure_default_rollout_scope()
        defaults = self.Scope.search(
            [("company_id", "=", company.id), ("is_company_default", "=", True)]
        )
        self.assertEqual(len(defaults), 1)
        self.assertFalse(defaults.product_categ_ids)

    def test_migration_makes_one_all_covering_scope(self):
        self.company.write({"ai_auto_post": True, "ai_auto_send": False})
        self.Scope.with_context(active_test=False).search(
            [("company_id", "=", self.company.id)]
        ).sudo().unlink()
        spec = importlib.util.spec_from_file_location("ai_rollout_migration", MIGRATION)
        migration = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(migration)
        migration.migrate(self.env.cr, "19.0.1.0.0")
        self.env.invalidate_all()
        scope = self.Scope.search([("company_id", "=", self.company.id)])
        self.assertEqual(len(scope), 1, "one scope, not one per run")
        self.assertEqual(scope.level, "post")
        self.assertFalse(scope.product_categ_ids or scope.partner_tag_ids)
        migration.migrate(self.env.cr, "19.0.1.0.0")
        self.assertEqual(self.Scope.search_count([("company_id", "=", self.company.id)]), 1)
        log = self._draft(self.product_crate)
        self.assertEqual(log.decision, "posted", "clean drafts posted as before")
        self.assertFalse(log.move_id._ai_sends_when_posted(), "and not sent, as before")

    def test_first_matching_scope_wins_with_subcategories(self):
        log = self._draft(self.product_small_keg)
        self.assertEqual(log.rollout_scope_id, self.scope_kegs, "a sub-category belongs to it")
        log = self._draft(self.product_crate)
        self.assertEqual(log.rollout_scope_id, self.default_scope)

    def test_order_spanning_scopes_takes_most_cautious(self):
        self.company.ai_auto_post = True  # default scope: post and send
        order = self._order([(self.product_crate, 1), (self.product_keg, 1)])
        log = self._deliver_and_run(order.picking_ids)
        self.assertEqual(log.rollout_scope_id, self.scope_kegs)
        self.assertEqual(log.move_id.ai_review_state, "pending")
        self.assertIn("pilot: 1 of 3 for scope Beer kegs", log.review_reason)

    def test_outside_every_scope_is_not_processed(self):
        self.default_scope.sudo().active = False
        order = self._order([(self.product_crate, 2)])
        log = self._deliver_and_run(order.picking_ids)
        self.assertEqual(log.decision, "skipped")
        self.assertFalse(log.move_id)
        self.assertIn("Not processed", log.rationale)
        self.assertIn("Crate", log.rationale)
        self.assertFalse(order.invoice_ids)

    def test_off_scope_is_not_processed(self):
        self.scope_kegs.level = "off"
        log = self._draft(self.product_keg)
        self.assertEqual(log.decision, "skipped")
        self.assertIn("Beer kegs is Off", log.rationale)

    def test_tags_warehouses_and_teams_select(self):
        tag = self.env["res.partner.category"].create({"name": "Horeca"})
        team = self.env["crm.team"].create({"name": "Horeca desk"})
        scope = self.Scope.create(
            {
                "name": "Horeca",
                "sequence": 0,
                "level": "post",
                "pilot_size": 0,
                "partner_tag_ids": [Command.set(tag.ids)],
                "warehouse_ids": [Command.set(self.warehouse.ids)],
                "team_ids": [Command.set(team.ids)],
            }
        )
        horeca = self._customer("Café Central", category_id=[Command.set(tag.ids)])
        order = self._order([(self.product_crate, 1)], partner=horeca, team_id=team.id)
        log = self._deliver_and_run(order.picking_ids)
        self.assertEqual(log.rollout_scope_id, scope)
        self.assertEqual(log.decision, "posted", "the scope's level, not the company switch")
        other_team = self.env["crm.team"].create({"name": "Retail"})
        order = self._order([(self.product_crate, 1)], partner=horeca, team_id=other_team.id)
        log = self._deliver_and_run(order.picking_ids)
        self.assertEqual(log.rollout_scope_id, self.default_scope, "another team: next scope")

    def test_billing_run_skips_orders_outside_scopes(self):
        self.scope_kegs.level = "off"
        order_off = self._order([(self.product_keg, 1)])
        order_in = self._order([(self.product_crate, 1)])
        for order in order_off | order_in:
            self._deliver(order.picking_ids)
        billing = self.env["ai.invoice.agent.billing"]
        with trap_jobs() as trap:
            logs = billing._enqueue(order_off | order_in, "manual")
            trap.perform_enqueued_jobs()
        self.assertIn(order_off.name, logs.source_data["out_of_scope"])
        self.assertFalse(order_off.invoice_ids)
        self.assertTrue(order_in.invoice_ids)


@tagged("post_install", "-at_install")
class TestRolloutPermissions(RolloutCommon):
    def test_reviewer_cannot_change_a_scope(self):
        scope = self.scope_kegs.with_user(self.reviewer)
        self.assertEqual(scope.level, "pilot", "reviewers read the rollout")
        with self.assertRaises(AccessError):
            scope.write({"level": "post"})
        with self.assertRaises(AccessError):
            scope.action_raise_level()
        with self.assertRaises(AccessError):
            self.Scope.with_user(self.reviewer).create({"name": "Mine", "level": "post"})
        self.assertEqual(self.scope_kegs.level, "pilot")

    def test_manager_cannot_forge_counters(self):
        with self.assertRaises(AccessError):
            self.scope_kegs.with_user(self.manager).write({"draft_count": 500})

    def test_scope_of_invoice_cannot_be_written_over_rpc(self):
        log = self._draft(self.product_keg)
        with self.assertRaises(AccessError):
            log.move_id.write({"ai_rollout_scope_id": self.default_scope.id})

    def test_scopes_are_per_company(self):
        other = self.env["res.company"].create({"name": "Other Brewery"})
        self.manager.company_ids = [Command.link(other.id)]
        other_scope = self.Scope.search([("company_id", "=", other.id)])
        visible = self.Scope.with_user(self.manager).with_company(self.company).search([])
        self.assertNotIn(other_scope, visible)


@tagged("post_install", "-at_install")
class TestRolloutPilot(RolloutCommon):
    def test_pilot_counts_the_first_drafts(self):
        self.scope_kegs.level = "post"
        logs = [self._draft(self.product_keg) for _i in range(4)]
        for number, log in enumerate(logs[:3], start=1):
            self.assertEqual(log.move_id.ai_review_state, "pending")
            self.assertEqual(
                log.review_reason.splitlines()[0], f"pilot: {number} of 3 for scope Beer kegs"
            )
            self.assertIn("pilot", log.move_id.ai_review_reason_codes)
        self.assertEqual(logs[3].decision, "posted", "after the pilot the level applies")
        self.assertEqual(self.scope_kegs.draft_count, 4)
        self.assertIn("Pilot completed", self.scope_kegs.pilot_progress)

    def test_pilot_level_reviews_every_draft(self):
        self.scope_kegs.pilot_size = 1
        self._draft(self.product_keg)
        log = self._draft(self.product_keg)
        self.assertEqual(log.move_id.ai_review_state, "pending")
        self.assertIn("is in pilot", log.review_reason)
        # approving a pilot draft leaves it draft: the level does not post
        log.move_id.with_user(self.reviewer)._ai_approve("fine")
        self.assertEqual(log.move_id.state, "draft")


@tagged("post_install", "-at_install")
class TestRolloutAccuracy(RolloutCommon):
    def test_approved_unchanged(self):
        log = self._draft(self.product_keg)
        log.move_id.with_user(self.reviewer)._ai_approve("ok")
        self.assertEqual(log.rollout_outcome, "unchanged")
        self.assertEqual(self.scope_kegs.count_unchanged, 1)
        self.assertEqual(self.scope_kegs.accuracy_rate, 100.0)

    def test_approved_after_a_change(self):
        log = self._draft(self.product_keg, qty=2)
        invoice = log.move_id
        invoice.invoice_line_ids.filtered("product_id").price_unit = 90.0
        invoice.with_user(self.reviewer)._ai_approve("price fixed")
        self.assertEqual(log.rollout_outcome, "changed")
        self.assertEqual(self.scope_kegs.count_changed, 1)
        # Analysis: measured, and the draft was wrong
        self.assertEqual(
            (log.kpi_measured, log.kpi_right_first_time, log.kpi_draft_wrong), (1, 0, 1)
        )
        self.assertEqual(self.scope_kegs.accuracy_rate, 0.0)

    def test_rejected(self):
        log = self._draft(self.product_keg)
        log.move_id.with_user(self.reviewer)._ai_reject("wrong customer")
        self.assertEqual(log.rollout_outcome, "rejected")
        self.assertEqual(self.scope_kegs.count_rejected, 1)

    def test_auto_posted_then_marked_wrong(self):
        self.scope_kegs.write({"level": "post", "pilot_size": 0})
        log = self._draft(self.product_keg)
        self.assertEqual(log.rollout_outcome, "posted", "right first time until corrected")
        self.env["ai.invoice.feedback.wizard"].with_user(self.reviewer).create(
            {
                "log_ids": [Command.set(log.ids)],
                "feedback": "wrong",
                "note": "the keg deposit was missing",
                "missed_check": "ai_check_prices",
            }
        ).action_confirm()
        self.assertEqual(log.rollout_outcome, "wrong")
        self.assertEqual(log.rollout_missed_check, "ai_check_prices")
        self.assertEqual(self.scope_kegs.count_wrong, 1)
        # the customer is back in review for its next drafts (5 by default)
        nxt = self._draft(self.product_keg)
        self.assertEqual(nxt.move_id.ai_review_state, "pending")
        self.assertIn("customer back in review", nxt.review_reason)
        self.assertIn("customer_watch", nxt.move_id.ai_review_reason_codes)
        partner = self.partner_a.with_company(self.company)
        self.assertEqual(partner.ai_rollout_review_left, 4)

    def test_reversed_by_credit_note_within_window(self):
        self.scope_kegs.write({"level": "post", "pilot_size": 0})
        log = self._draft(self.product_keg)
        invoice = log.move_id
        self._reverse(invoice, invoice.invoice_date + timedelta(days=10))
        self.assertEqual(log.rollout_outcome, "reversed")
        self.assertEqual(self.scope_kegs.count_reversed, 1)

    def test_credit_note_after_window_is_not_an_error(self):
        self.scope_kegs.write({"level": "post", "pilot_size": 0, "reversal_days": 5})
        log = self._draft(self.product_keg)
        invoice = log.move_id
        self._reverse(invoice, invoice.invoice_date + timedelta(days=10))
        self.assertEqual(log.rollout_outcome, "posted")

    def test_person_posting_a_draft_counts_like_approval(self):
        self.scope_kegs.write({"level": "draft", "pilot_size": 0})
        log = self._draft(self.product_keg)
        self.assertEqual(log.decision, "drafted")
        log.move_id.action_post()
        self.assertEqual(log.rollout_outcome, "unchanged")

    def _reverse(self, invoice, date):
        with freeze_time(date):
            return self._reverse_now(invoice, date)

    def _reverse_now(self, invoice, date):
        wizard = (
            self.env["account.move.reversal"]
            .with_context(active_model="account.move", active_ids=invoice.ids)
            .create({"date": date, "reason": "returned", "journal_id": invoice.journal_id.id})
        )
        wizard.refund_moves()
        refund = invoice.reversal_move_ids
        if refund.state == "draft":
            refund.action_post()
        return refund


@tagged("post_install", "-at_install")
class TestRolloutGraduation(RolloutCommon):
    def test_graduation_is_proposed_and_one_click_raises(self):
        self.scope_kegs.write({"graduation_min": 2, "graduation_rate": 98.0})
        for _i in range(2):
            self._draft(self.product_keg).move_id.with_user(self.reviewer)._ai_approve("ok")
        activity_type = self.env.ref("ai_invoicing.mail_activity_type_ai_rollout")
        activity = self.scope_kegs.activity_ids.filtered(
            lambda a: a.activity_type_id == activity_type
        )
        self.assertEqual(len(activity), 1)
        self.assertIn("Graduate Beer kegs to Draft", activity.summary)
        self.assertIn("100.0 % of the last 2", activity.note)
        self.assertEqual(
            activity.user_id.has_group("ai_invoicing.group_ai_invoicing_manager"), True
        )
        self.assertEqual(self.scope_kegs.level, "pilot", "proposed, not raised")
        self.scope_kegs.with_user(self.manager).action_raise_level()
        self.assertEqual(self.scope_kegs.level, "draft")
        log = self._rollout_logs(self.scope_kegs)
        self.assertEqual(len(log), 1)
        self.assertEqual(log.user_id, self.manager)
        self.assertEqual(log.source_data["old_level"], "pilot")
        self.assertEqual(log.source_data["new_level"], "draft")
        self.assertEqual(log.source_data["rate"], 100.0)
        self.assertFalse(
            self.scope_kegs.activity_ids.filtered(lambda a: a.activity_type_id == activity_type)
        )

    def test_no_graduation_below_threshold(self):
        self.scope_kegs.write({"graduation_min": 2, "graduation_rate": 98.0})
        self._draft(self.product_keg).move_id.with_user(self.reviewer)._ai_approve("ok")
        self._draft(self.product_keg).move_id.with_user(self.reviewer)._ai_reject("no")
        self.assertFalse(self.scope_kegs.activity_ids)

    def test_demotion_to_pilot(self):
        self.scope_kegs.write(
            {"level": "post", "pilot_size": 0, "demotion_min": 2, "demotion_error_rate": 5.0}
        )
        logs = [self._draft(self.product_keg) for _i in range(2)]
        self.assertEqual(self.scope_kegs.level, "post", "posted, not corrected: no error")
        wizard = self.env["ai.invoice.feedback.wizard"].create(
            {"log_ids": [Command.set(logs[0].ids)], "feedback": "wrong", "note": "bad price"}
        )
        wizard.action_confirm()
        self.assertEqual(self.scope_kegs.level, "pilot", "1 wrong of 2: 50 % errors")
        change = self._rollout_logs(self.scope_kegs)[0]
        self.assertIn("Demoted to Pilot", change.rationale)
        self.assertIn("50.0 % errors", change.rationale)
        self.assertEqual(change.source_data["errors"], 1)
        activity = self.scope_kegs.activity_ids
        self.assertIn("fell back to Pilot", activity.summary)
        self.assertTrue(activity.user_id.has_group("ai_invoicing.group_ai_invoicing_manager"))
        self.assertEqual(fields.Date.today(), change.create_date.date())
