{
    "name": "B2B Collections: product-wide tests",
    "summary": "Tests that need every B2B Collections addon at once (not for production)",
    "version": "18.0.2.0.0",
    "category": "Hidden/Tests",
    "website": "https://github.com/b2b-collections/b2b_collections",
    "author": "B2B Collections contributors",
    "license": "AGPL-3",
    "installable": True,
    "depends": [
        "b2b_collections_reminder",
        "b2b_collections_negotiation",
        "b2b_collections_agency_portal",
        "b2b_collections_risk",
        "b2b_collections_sale",
    ],
}
