from . import res_company
from . import res_config_settings
from . import b2b_collection_payment_mixin
from . import b2b_collection_payment_plan
from . import b2b_collection_payment_plan_instalment
from . import b2b_collection_settlement
from . import account_partial_reconcile
