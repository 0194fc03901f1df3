from . import b2b_collection_placement_wizard
from . import b2b_collection_agency_scorecard
from . import b2b_collection_assessment
from . import b2b_collection_assessment_line
