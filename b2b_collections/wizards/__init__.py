from . import b2b_collection_run_wizard
from . import b2b_collection_dispute_resolve
