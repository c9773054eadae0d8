from . import test_checks
from . import test_failures
from . import test_invoice_flow
from . import test_llm_wiring
from . import test_review_routing
from . import test_review_tour
from . import test_review_workflow
from . import test_security
