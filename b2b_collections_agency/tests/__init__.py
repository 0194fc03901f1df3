from . import test_access_rules
from . import test_agency
from . import test_agency_monitoring
from . import test_assessment
from . import test_placement_preselection
