from . import test_project_invoicing
from . import test_project_llm
from . import test_project_rollout
from . import test_project_labels
