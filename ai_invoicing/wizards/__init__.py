from . import ai_invoice_feedback_wizard
from . import ai_invoice_review_wizard
from . import ai_dunning_promise_wizard
from . import ai_cash_accept_wizard
from . import ai_cash_reject_wizard
from . import ai_cash_manual_match_wizard
from . import ai_cash_partner_wizard
