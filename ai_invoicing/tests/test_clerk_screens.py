# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from lxml import etree

from odoo.tests import tagged

from .common import AiInvoicingCommon


@tagged("post_install", "-at_install")
class TestClerkScreens(AiInvoicingCommon):
    """What a clerk reads: menus, settings, the batch screen (issue 22)."""

    def test_draft_now_is_a_button_that_says_what_it_covers_not_a_menu(self):
        menus = self.env["ir.ui.menu"].search(
            [("parent_id", "=", self.env.ref("ai_invoicing.ai_invoicing_menu_root").id)]
        )
        self.assertNotIn("Draft Invoices Now", menus.mapped("name"))
        arch = self.env["ai.invoice.batch"].get_views([(False, "list")])["views"]["list"]["arch"]
        button = etree.fromstring(arch).xpath("//header/button")[0]
        self.assertEqual(button.get("string"), "Draft Period Invoices Now")
        self.assertIn("per period", button.get("confirm"))

    def test_follow_up_levels_under_configuration(self):
        menu = self.env.ref("ai_invoicing.ai_dunning_level_menu")
        self.assertEqual(menu.parent_id, self.env.ref("account.menu_finance_configuration"))

    def test_settings_integers_links_and_hidden_when_off(self):
        arch = self.env["res.config.settings"].get_views([(False, "form")])["views"]["form"]["arch"]
        doc = etree.fromstring(arch)
        percents = ("ai_price_tolerance", "ai_max_discount", "ai_cash_threshold", "ai_cash_margin")
        for name in percents:
            with self.subTest(field=name):
                self.assertEqual(doc.xpath(f"//field[@name='{name}']")[0].get("digits"), "[16, 0]")
        links = {
            button.get("string")
            for button in doc.xpath("//button[@type='action'][contains(@class, 'btn-link')]")
        }
        self.assertLessEqual({"Cash Application", "Follow-up Levels"}, links)
        followup = doc.xpath("//setting[@id='ai_followup_enabled']/div[hasclass('content-group')]")
        self.assertEqual(followup[0].get("invisible"), "not ai_followup_enabled")
