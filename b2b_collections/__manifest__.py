{
    "name": "B2B Collections",
    "summary": "Debt-collections workbench for Odoo Accounting: worklist, stages, "
    "call notes, promises to pay and disputes",
    "version": "18.0.1.0.0",
    "category": "Accounting/Accounting",
    "website": "https://github.com/b2b-collections/b2b_collections",
    "author": "B2B Collections contributors",
    "license": "AGPL-3",
    "application": True,
    "installable": True,
    "post_init_hook": "post_init_hook",
    "depends": ["account"],
    "data": [
        "security/b2b_collections_security.xml",
        "security/ir.model.access.csv",
        "data/b2b_collection_stage_data.xml",
        "data/mail_activity_type_data.xml",
        "data/ir_cron_data.xml",
        "views/b2b_collection_stage_views.xml",
        "views/b2b_collection_note_views.xml",
        "views/b2b_collection_worklist_views.xml",
        "views/account_move_views.xml",
        "views/res_partner_views.xml",
        "views/res_config_settings_views.xml",
        "views/menus.xml",
    ],
    "demo": [
        "demo/b2b_collections_demo.xml",
    ],
    "assets": {
        "web.assets_tests": [
            "b2b_collections/static/tests/tours/*.js",
        ],
    },
}
