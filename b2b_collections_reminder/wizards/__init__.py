from . import b2b_collection_run_wizard
