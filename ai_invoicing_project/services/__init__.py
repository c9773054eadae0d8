# Pure logic of project invoicing: no odoo import (tested with plain pytest).
