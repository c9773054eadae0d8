from . import test_project_invoicing
from . import test_project_llm
