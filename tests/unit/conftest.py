"""Import ``ai_invoicing.services`` and the fake LLM server without Odoo.

``ai_invoicing/__init__.py`` and ``ai_invoicing/tests/__init__.py`` import
Odoo; these stub packages point at the same folders without running them.
"""

import sys
import types
from pathlib import Path

ADDON = Path(__file__).resolve().parents[2] / "ai_invoicing"


def _stub(name, path):
    if name not in sys.modules:
        module = types.ModuleType(name)
        module.__path__ = [str(path)]
        sys.modules[name] = module


_stub("ai_invoicing", ADDON)
_stub("ai_invoicing.tests", ADDON / "tests")
