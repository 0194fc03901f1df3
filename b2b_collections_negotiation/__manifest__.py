{
    "name": "B2B Collections: Payment Plans and Settlements",
    "summary": "Instalment plans that follow the payments, settlements with an approved write-off",
    "version": "18.0.2.0.0",
    "category": "Accounting/Accounting",
    "website": "https://github.com/b2b-collections/b2b_collections",
    "author": "B2B Collections contributors",
    "license": "AGPL-3",
    "installable": True,
    "depends": [
        "b2b_collections",
    ],
    "data": [
        "security/b2b_collections_negotiation_security.xml",
        "security/ir.model.access.csv",
        "data/b2b_collection_plan_data.xml",
        "data/ir_cron_data.xml",
        "views/b2b_collection_payment_plan_views.xml",
        "views/b2b_collection_settlement_views.xml",
        "views/res_config_settings_views.xml",
        "views/menus.xml",
    ],
    "demo": [
        "demo/b2b_collections_negotiation_demo.xml",
    ],
}
