from . import b2b_collection_run_wizard
from . import b2b_collection_dispute_resolve
from . import b2b_collection_aging_as_of
from . import b2b_collection_aging_export
from . import b2b_collection_placement_wizard
from . import portal_wizard_agency
from . import b2b_collection_assessment
