from odoo.tools import SQL


def post_init_hook(env):
    """Put the customer invoices posted before the installation in their stage.

    The stage field is computed when its column is created, before the stages
    exist; one UPDATE fixes that, whatever the size of the ledger."""
    stage_model = env["b2b.collection.stage"]
    current = stage_model._b2b_stage("current")
    env["account.move"].flush_model()
    rows = env.execute_query(
        SQL(
            """
        UPDATE account_move
           SET b2b_collection_stage_id = %s
         WHERE move_type = 'out_invoice'
           AND state = 'posted'
           AND b2b_collection_stage_id IS NULL
     RETURNING commercial_partner_id
        """,
            current.id,
        )
    )
    env["account.move"].invalidate_model(["b2b_collection_stage_id"])
    partners = env["res.partner"].browse({row[0] for row in rows if row[0]})
    env.add_to_compute(partners._fields["b2b_collection_stage_id"], partners)
    partners.flush_recordset()
    activity_type = env.ref(
        "b2b_collections.mail_activity_type_collection_followup",
        raise_if_not_found=False,
    )
    if activity_type:
        env["res.company"].search([("b2b_activity_type_id", "=", False)]).write(
            {"b2b_activity_type_id": activity_type.id}
        )
