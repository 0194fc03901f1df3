from . import b2b_collection_agency_kpi
