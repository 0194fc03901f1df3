from . import b2b_collection_aging_data
from . import b2b_collection_aging_report
from . import b2b_collection_kpi_mixin
from . import b2b_collection_kpi
from . import b2b_collection_kpi_query
from . import b2b_collection_collector_kpi
