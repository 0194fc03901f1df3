"""Writing a refresh's predictions: one statement per table, whatever the
number of customers and invoices (arrays passed to ``unnest``)."""

import json

import numpy as np

from odoo.tools import SQL

from .risk_learning import grade_of


def _days_to_dates(days):
    return [str(d) for d in np.asarray(days, dtype="int64").astype("datetime64[D]")]


def store_predictions(env, company, model, history, result):
    """Replace the company's customer grades and open-invoice predictions by
    those of ``model``."""
    h = history
    uid = env.uid
    for table in ("b2b_collection_risk_invoice", "b2b_collection_risk_score"):
        env.cr.execute(
            SQL(
                "DELETE FROM %s WHERE company_id = %s",
                SQL.identifier(table),
                company.id,
            )
        )
    scored = result["open"]
    rows = scored["rows"]
    if len(rows):
        env.cr.execute(
            SQL(
                """
                INSERT INTO b2b_collection_risk_invoice
                       (move_id, partner_id, company_id, model_id, probability,
                        days_late, expected_date, confidence, amount_residual,
                        create_uid, write_uid, create_date, write_date)
                SELECT m, p, %(company)s, %(model)s, pr, dl, ed, cf, ar,
                       %(uid)s, %(uid)s, NOW() AT TIME ZONE 'UTC', NOW() AT TIME ZONE 'UTC'
                  FROM unnest(%(moves)s::int[], %(partners)s::int[], %(prob)s::float[],
                              %(days)s::float[], %(dates)s::date[], %(conf)s::varchar[],
                              %(residual)s::numeric[])
                    AS t(m, p, pr, dl, ed, cf, ar)
                """,
                company=company.id,
                model=model.id,
                uid=uid,
                moves=h.move_id[rows].tolist(),
                partners=h.company_partner[h.partner[rows]].tolist(),
                prob=np.round(scored["probability"], 4).tolist(),
                days=np.round(scored["days"], 1).tolist(),
                dates=_days_to_dates(scored["expected"]),
                conf=scored["confidence"].tolist(),
                residual=np.round(h.residual[rows], 2).tolist(),
            )
        )
    customers = result["customers"]
    partners = customers["partners"]
    if len(partners):
        scores = np.round(100 * customers["probability"]).astype(int)
        env.cr.execute(
            SQL(
                """
                INSERT INTO b2b_collection_risk_score
                       (partner_id, company_id, model_id, score, grade, probability,
                        days_late, confidence, factors_data,
                        create_uid, write_uid, create_date, write_date)
                SELECT p, %(company)s, %(model)s, s, g, pr, dl, cf, fd::jsonb,
                       %(uid)s, %(uid)s, NOW() AT TIME ZONE 'UTC', NOW() AT TIME ZONE 'UTC'
                  FROM unnest(%(partners)s::int[], %(scores)s::int[], %(grades)s::varchar[],
                              %(prob)s::float[], %(days)s::float[], %(conf)s::varchar[],
                              %(factors)s::text[])
                    AS t(p, s, g, pr, dl, cf, fd)
                """,
                company=company.id,
                model=model.id,
                uid=uid,
                partners=h.company_partner[partners].tolist(),
                scores=scores.tolist(),
                grades=[grade_of(s) for s in scores],
                prob=np.round(customers["probability"], 4).tolist(),
                days=np.round(customers["days"], 1).tolist(),
                conf=customers["confidence"].tolist(),
                factors=[json.dumps(f) for f in customers["factors"]],
            )
        )
        # the expected loss as the worklist computes it (one definition)
        env.cr.execute(
            SQL(
                """
                UPDATE b2b_collection_risk_score s
                   SET expected_loss = w.expected_loss
                  FROM (%(worklist)s) w
                 WHERE w.partner_id = s.partner_id AND w.company_id = s.company_id
                   AND s.company_id = %(company)s
                """,
                worklist=env["b2b.collection.worklist"]._b2b_query(
                    SQL("AND l.company_id = %s", company.id)
                ),
                company=company.id,
            )
        )
    for name in ("b2b.collection.risk.invoice", "b2b.collection.risk.score"):
        env[name].invalidate_model()
