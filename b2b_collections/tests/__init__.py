from . import test_stage
