from . import b2b_collection_dispute_resolve
from . import b2b_collection_aging_as_of
from . import b2b_collection_aging_export
from . import b2b_collection_kpi_summary
from . import b2b_collection_credit_override
