# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from datetime import date

from odoo.tests import tagged
from odoo.tests.common import freeze_time

from .common import AiProjectCommon


@tagged("post_install", "-at_install")
class TestProjectLabels(AiProjectCommon):
    def _cron(self, today, count=1):
        with freeze_time(today):
            self._run_project_jobs(
                lambda: self.env["project.project"]._cron_ai_draft_period_invoices(), count
            )

    def test_whole_odoo_label_kept_description_after_it_no_employee_names(self):
        order, project = self._project_order([(self.product_time, 40)])
        time_line = order.order_line.filtered(lambda sl: sl.product_id == self.product_time)
        time_line.name = f"{time_line.name}\nAs per proposal P-2026-014\nPhase 2"
        project.ai_invoice_period = "weekly"
        task = self._task(order)
        self._timesheet(task, 2.0, date(2026, 3, 4), "Workshop")
        taxi = self._expense(order, "Taxi to the client", date(2026, 3, 4), 80.0)
        self._cron("2026-03-10")
        invoice = self._project_logs(project).move_id
        line = invoice.invoice_line_ids.filtered(lambda il: il.sale_line_ids == time_line)
        self.assertTrue(line.name.startswith(time_line.name), line.name)
        self.assertIn("As per proposal P-2026-014\nPhase 2\nTime spent from", line.name)
        expense_line = invoice.invoice_line_ids.filtered(
            lambda il: taxi in il.sale_line_ids.expense_ids
        )
        self.assertIn("Taxi to the client", expense_line.name)
        self.assertIn("Re-invoiced expense: Taxi to the client (03/04/2026)", expense_line.name)
        self.assertNotIn(self.employee_bob.name, expense_line.name)

    def test_descriptions_in_the_customers_language_and_date_format(self):
        self.env["res.lang"]._activate_lang("fr_BE")
        order, project = self._project_order([(self.product_time, 40)])
        order.partner_id.lang = "fr_BE"
        project.ai_invoice_period = "weekly"
        self._timesheet(self._task(order), 2.5, date(2026, 3, 4), "Workshop")
        self._cron("2026-03-10")
        label = self._project_logs(project).move_id.invoice_line_ids[:1].name
        self.assertIn("Temps passé du 02/03/2026 au 08/03/2026 : 2,50 h", label)
        self.assertNotIn("2026-03", label)
