# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from odoo import models


class IrModuleModule(models.Model):
    _inherit = "ir.module.module"

    def _load_module_terms(self, modules, langs, overwrite=False):
        """A language installed later also names the default follow-up levels (a customer
        reads them): those still named as created, in every company."""
        res = super()._load_module_terms(modules, langs, overwrite=overwrite)
        if "ai_invoicing" in modules:
            langs = [lang for lang in langs if lang != "en_US"]
            if langs:
                # sudo: ai.dunning.level - translating the defaults of every company
                self.env["ai.dunning.level"].sudo().with_context(
                    active_test=False
                )._translate_default_names(langs, only_unchanged=True)
        return res
