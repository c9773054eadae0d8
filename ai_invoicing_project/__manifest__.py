# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
{
    "name": "AI Invoicing: Projects and Milestones",
    "summary": "Draft project invoices at milestones and period ends, described for the client "
    "and routed to the project manager",
    "version": "19.0.1.1.0",
    "category": "Accounting/Accounting",
    "website": "https://github.com/ai-invoicing/ai_invoicing",
    "author": "ai_invoicing founders",
    "license": "LGPL-3",
    "application": False,
    "installable": True,
    "depends": ["ai_invoicing", "sale_timesheet", "sale_expense"],
    "external_dependencies": {"python": ["pydantic"]},
    "data": [
        "data/queue_job_data.xml",
        "data/ir_cron_data.xml",
        "views/project_project_views.xml",
        "views/ai_invoice_log_views.xml",
        "views/res_config_settings_views.xml",
    ],
    # Installs by itself once AI Invoicing and timesheet invoicing are both there
    # (Sales Expense, for re-invoiced expenses, comes with it).
    "auto_install": ["ai_invoicing", "sale_timesheet"],
}
