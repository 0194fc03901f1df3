{
    "name": "B2B Collections: Sales",
    "summary": "Credit hold on sale orders: a customer on hold gets no order confirmed, unless a collections manager allows one",
    "version": "18.0.2.0.0",
    "category": "Accounting/Accounting",
    "website": "https://github.com/b2b-collections/b2b_collections",
    "author": "B2B Collections contributors",
    "license": "AGPL-3",
    "installable": True,
    "auto_install": True,
    "depends": [
        "sale",
        "b2b_collections",
    ],
    "data": [
        "views/sale_order_views.xml",
        "wizards/b2b_collection_credit_override_views.xml",
    ],
}
