from . import test_risk_learning
from . import test_risk_refresh
