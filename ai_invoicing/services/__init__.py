"""Pure-Python logic of ai_invoicing: no ``odoo`` import anywhere in this package."""
