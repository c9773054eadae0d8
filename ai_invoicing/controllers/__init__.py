from . import portal_receipt
