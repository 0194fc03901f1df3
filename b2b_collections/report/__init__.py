from . import b2b_collection_statement
