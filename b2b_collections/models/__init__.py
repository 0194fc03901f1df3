from . import res_company
from . import res_config_settings
from . import b2b_collection_stage
from . import account_move
from . import res_partner
from . import b2b_collection_note
from . import b2b_collection_worklist
from . import b2b_collection_demo
