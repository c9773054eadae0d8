from . import ai_invoice_feedback_wizard
from . import ai_invoice_review_wizard
from . import ai_dunning_promise_wizard
from . import ai_cash_accept_wizard
from . import ai_invoice_feedback_wizard_rollout
from . import ai_invoice_review_wizard_learned
