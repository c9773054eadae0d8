# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from lxml import etree

from odoo.tests import new_test_user, tagged
from odoo.tools.safe_eval import safe_eval

from .common import AiInvoicingCommon


@tagged("post_install", "-at_install")
class TestScreens(AiInvoicingCommon):
    """What a finance clerk reads: the queue, the logs, the analysis."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.ai_review_threshold = 50.0

    def _pending(self):
        order = self._order([(self.product_deliv, 2)])
        return self._deliver_and_run(order.picking_ids)

    def test_review_outcome_and_time_on_the_drafting_log(self):
        log = self._pending()
        self.assertEqual((log.state, log.kpi_review), ("needs_review", 100.0))
        self.env.cr.execute(
            "UPDATE ai_invoice_log SET create_date = create_date - interval '2 hours' "
            "WHERE id = %s",
            [log.id],
        )
        log.invalidate_recordset(["create_date"])
        log.move_id.with_user(self.reviewer)._ai_approve("Looks right")
        self.assertEqual(log.state, "approved")
        self.assertEqual(log.reviewer_id, self.reviewer)
        self.assertAlmostEqual(log.review_hours, 2.0, delta=0.05, msg="drafted 2 hours ago")
        self.assertEqual(log.kpi_review, 100.0, "it needed a review, whatever the outcome")
        review = self.Log.search([("move_id", "=", log.move_id.id), ("agent", "=", "review")])
        self.assertEqual(review.decision, "approved")
        # the invoice's amount is counted once, on the drafting log
        self.assertEqual(log.kpi_amount, log.move_id.amount_total)
        self.assertEqual(review.kpi_amount, 0.0)
        self.assertEqual(
            dict(log._fields["decision"]._description_selection(self.env))[log.decision],
            "Held for Review",
        )

    def test_queue_filters_use_reason_codes_and_the_company_threshold(self):
        log = self._pending()
        invoice = log.move_id
        self.assertIn("threshold", invoice.ai_review_reason_codes)
        money = self.env["ai.invoice.agent"]._money(50.0, self.company.currency_id)
        self.assertIn(money, invoice.ai_review_reason, "money formatted like the UI")
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "ai_invoicing.account_move_action_ai_review_queue"
        )
        filters = self._search_filters(action)
        context = safe_eval(action["context"])
        self.assertTrue(context.get("search_default_ai_review_pending"), "opens on Pending")
        queue = safe_eval(action["domain"]) + filters["ai_review_pending"]
        Move = self.env["account.move"].with_user(self.reviewer)
        self.assertIn(invoice, Move.search(queue))
        self.assertIn(invoice, Move.search(queue + filters["reason_threshold"]))
        self.assertNotIn(invoice, Move.search(queue + filters["reason_new_customer"]))
        invoice.with_user(self.reviewer)._ai_approve("Looks right")
        self.assertNotIn(invoice, Move.search(queue), "an approved invoice leaves the queue")

    def _search_filters(self, action):
        """{filter name: domain} of the search view the action opens with."""
        view = self.env["account.move"].get_views([(action["search_view_id"][0], "search")])
        arch = etree.fromstring(view["views"]["search"]["arch"])
        domains = {f.get("name"): f.get("domain") for f in arch.iter("filter")}
        names = ("ai_review_pending", "reason_threshold", "reason_new_customer")
        return {name: safe_eval(domains[name]) for name in names}

    def test_queue_list_has_approve_reject_buttons_for_reviewers_only(self):
        view = self.env.ref("ai_invoicing.account_move_view_list_ai_review")
        clerk = new_test_user(self.env, login="s_clerk", groups="account.group_account_invoice")
        for user, visible in ((self.reviewer, True), (clerk, False)):
            arch = (
                self.env["account.move"]
                .with_user(user)
                .get_views([(view.id, "list")])["views"]["list"]["arch"]
            )
            self.assertEqual('name="action_ai_approve"' in arch, visible, user.login)
        # no "AI Review" entry in the Action menu of every invoice and vendor bill list
        self.assertFalse(
            self.env["ir.actions.act_window"].search(
                [("res_model", "=", "ai.invoice.review.wizard"), ("binding_model_id", "!=", False)]
            )
        )

    def test_log_form_shows_json_only_in_debug_mode(self):
        ai_user = new_test_user(
            self.env, login="s_ai_user", groups="ai_invoicing.group_ai_invoicing_user"
        )
        Log = self.env["ai.invoice.log"].with_user(ai_user)
        arch = Log.get_views([(False, "form")])["views"]["form"]["arch"]
        self.assertIn("findings_html", arch)
        # without the technical group (debug mode) the JSON page is hidden
        self.assertIn('name="source_data" invisible="1"', arch)

    def test_findings_read_as_badges(self):
        log = self._pending()
        invoice = log.move_id
        invoice.invoice_line_ids.with_user(self.reviewer).write({"discount": 60.0})
        invoice.with_user(self.reviewer)._ai_approve()
        html = str(invoice.ai_check_html)
        self.assertIn("badge text-bg-warning", html)
        self.assertIn("60", html)
        self.assertTrue(invoice.ai_discount_flagged, "the lines show their discount")
