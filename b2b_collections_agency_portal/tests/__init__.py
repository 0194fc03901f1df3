from . import test_access_rules
from . import test_agency_portal
