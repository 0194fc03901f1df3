from . import test_fuzz
from . import test_money_received
from . import test_validation
