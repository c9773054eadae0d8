from . import test_project_invoicing
from . import test_project_llm
from . import test_project_labels
