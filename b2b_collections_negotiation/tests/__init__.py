from . import test_access_rules
from . import test_payment_plan
from . import test_settlement
