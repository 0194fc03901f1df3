from . import b2b_collection_statement
from . import b2b_collection_aging_report
from . import b2b_collection_kpi_mixin
from . import b2b_collection_kpi
from . import b2b_collection_collector_kpi
from . import b2b_collection_kpi_summary
from . import b2b_collection_agency_kpi
from . import b2b_collection_agency_scorecard
