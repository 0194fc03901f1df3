"""18.0.2.0.0 cuts the single b2b_collections addon into a base and feature
addons (reminders, negotiation, agencies, agency portal).

Before the base is updated, every record, model, field, selection value,
constraint and many2many table that moved hands over to its new addon (the
list, ``moved_records.json``, is what a fresh installation of 18.0.2.0.0
attributes to each feature addon), and the feature addons are marked to
install: nothing is deleted as an orphan, nothing is created twice, and the
database keeps every feature it had. Running it again changes nothing."""

import json
import logging
from pathlib import Path

_logger = logging.getLogger(__name__)

MOVED = json.loads((Path(__file__).parent / "moved_records.json").read_text())


def migrate(cr, version):
    if not version:
        return
    for addon, names in MOVED["xmlids"].items():
        cr.execute(
            """
            UPDATE ir_model_data
               SET module = %s
             WHERE module = 'b2b_collections' AND name = ANY(%s)
            """,
            (addon, names),
        )
        moved = cr.rowcount
        for table, key in (
            ("ir_model_constraint", "constraints"),
            ("ir_model_relation", "relations"),
        ):
            cr.execute(
                f"""
                UPDATE {table} t
                   SET module = new.id
                  FROM ir_module_module old, ir_module_module new
                 WHERE t.module = old.id AND old.name = 'b2b_collections'
                   AND new.name = %s AND t.name = ANY(%s)
                """,
                (addon, MOVED[key][addon]),
            )
        cr.execute(
            """
            UPDATE ir_module_module
               SET state = 'to install'
             WHERE name = %s AND state = 'uninstalled'
            """,
            (addon,),
        )
        _logger.info("b2b_collections 18.0.2.0.0: %s records moved to %s", moved, addon)
