{
    "name": "B2B Collections: Agency Portal",
    "summary": "Collection agencies work their placements in the portal",
    "version": "18.0.2.0.0",
    "category": "Accounting/Accounting",
    "website": "https://github.com/b2b-collections/b2b_collections",
    "author": "B2B Collections contributors",
    "license": "AGPL-3",
    "installable": True,
    "depends": [
        "b2b_collections_agency",
    ],
    "data": [
        "security/b2b_collections_agency_portal_security.xml",
        "views/b2b_collection_agency_views.xml",
        "views/b2b_collection_portal_templates.xml",
    ],
    "assets": {
        "web.assets_tests": [
            "b2b_collections_agency_portal/static/tests/tours/*.js",
        ],
    },
}
