"""What one run of the cash agent loaded and found, handed between its steps."""


class CashData:
    """What one matching run loaded: the engine's index and directory, and their Odoo records."""

    def __init__(self, index, directory, lines, items, currencies, rejected, examples, targeted):
        self.targeted = targeted  # one line: only the items it can pay were loaded
        self.open_references = None  # the open items' numbers, for the LLM's guardrails
        self.index = index
        self.directory = directory
        self.lines = lines  # statement line id -> cash_matching.StatementLine
        self.items = items  # move line id -> account.move.line
        self.currencies = currencies  # currency name -> res.currency
        self.rejected = rejected  # statement line id -> {frozenset(move line ids)}
        self.examples = examples  # a few invoice numbers, to show the LLM the numbering


class LineResult:
    """The outcome of matching one statement line."""

    def __init__(self, line, data):
        self.line = line
        self.data = data
        self.suggestions = []
        self.auto = None
        self.applied = None
        self.apply_error = None
        self.conflict = False
        self.llm = None
        self.llm_items = set()
