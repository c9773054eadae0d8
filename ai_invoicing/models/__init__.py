from . import ai_invoice_log
from . import account_move
from . import res_company
from . import res_config_settings
from . import sale_order
from . import stock_picking
