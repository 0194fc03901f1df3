from . import b2b_collection_statement
from . import b2b_collection_kpi
