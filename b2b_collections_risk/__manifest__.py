{
    "name": "B2B Collections: Risk",
    "summary": "Who will pay late and when, learned from the company's own history and validated against naive baselines; risk grades, expected loss, 13-week cash-in forecast",
    "version": "18.0.1.0.0",
    "category": "Accounting/Accounting",
    "website": "https://github.com/b2b-collections/b2b_collections",
    "author": "B2B Collections contributors",
    "license": "AGPL-3",
    "installable": True,
    "depends": [
        "b2b_collections_reminder",
    ],
    "external_dependencies": {
        "python": ["numpy", "scikit-learn"],
    },
    "data": [
        "security/b2b_collections_risk_security.xml",
        "security/ir.model.access.csv",
        "data/ir_cron_data.xml",
        "views/b2b_collection_risk_model_views.xml",
        "views/b2b_collection_risk_score_views.xml",
        "views/b2b_collection_cashin_views.xml",
        "views/res_partner_views.xml",
        "views/b2b_collection_worklist_views.xml",
        "views/res_config_settings_views.xml",
        "views/menus.xml",
    ],
    "demo": [
        "demo/b2b_collections_risk_demo.xml",
    ],
}
