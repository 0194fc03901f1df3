from . import b2b_collection_credit_override
