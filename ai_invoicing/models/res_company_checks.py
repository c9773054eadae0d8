# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from odoo import fields, models


class ResCompany(models.Model):
    """Switches and tolerances of the controller checks (line by line, entitlements,
    who is invoiced, place of supply): ``account_move_ai_checks_*.py``."""

    _inherit = "res.company"

    # Line against the customer's history
    ai_check_line_history = fields.Boolean(
        string="Check Lines Against the Customer's History",
        default=True,
        help="Compare each line with the same product on the customer's posted invoices: a "
        "quantity far outside what it usually takes (unit of measure mistakes included), a "
        "unit price other than what it recently paid with no pricelist change to explain it, "
        "taxes other than the ones the product always had for this customer.",
    )
    ai_line_history_min = fields.Integer(
        string="Line History (invoice lines)",
        default=3,
        help="Posted invoice lines of a product a customer needs before its lines are "
        "compared with them.",
    )
    ai_line_history_days = fields.Integer(
        string="Line History Look-Back (days)",
        default=365,
        help="Only posted invoice lines of the last this many days are compared (at most 20 "
        "per customer and product).",
    )
    ai_line_qty_factor = fields.Float(
        string="Unusual Quantity Factor (x)",
        default=5.0,
        help="A quantity this many times the customer's usual quantity of the product (or "
        "that many times smaller), beyond anything it took before, is a warning.",
    )
    ai_line_price_tolerance = fields.Float(
        string="Price vs History Tolerance (%)",
        default=2.0,
        help="A net unit price further than this percentage from what the customer recently "
        "paid for the product, and from what its pricelist gives today, is a warning.",
    )
