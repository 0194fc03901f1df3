from . import test_fuzz
from . import test_money_received
from . import test_validation
from . import test_demo_story
