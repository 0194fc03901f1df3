from . import b2b_collection_risk_model
from . import b2b_collection_risk_score
from . import b2b_collection_cashin
from . import b2b_collection_worklist
from . import res_company
from . import res_config_settings
from . import res_partner
