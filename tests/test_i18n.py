"""Each product addon ships i18n/<addon>.pot with every term Odoo exports for it.

The terms are exported again here, the way `odoo-bin --i18n-export --modules=<addon>`
does, from the test database (``make test`` installs every addon in it) and compared
with the committed template: a translatable string added, changed or removed without
``make pot`` fails here."""

import io
from pathlib import Path

import polib
import pytest

import odoo
from odoo.tools.translate import trans_export

ROOT = Path(__file__).resolve().parents[1]
ADDONS = sorted(
    path.parent.name for path in ROOT.glob("b2b_collections*/__manifest__.py")
)


@pytest.fixture(scope="module")
def registry():
    return odoo.modules.registry.Registry(odoo.tools.config["db_name"])


def _msgids(pofile):
    return {entry.msgid for entry in pofile if entry.msgid}


@pytest.mark.parametrize("addon", ADDONS)
def test_pot_holds_every_term_of_the_addon(registry, addon):
    pot = ROOT / addon / "i18n" / f"{addon}.pot"
    assert pot.is_file(), f"{addon} has no i18n/{addon}.pot: run make pot"
    buffer = io.BytesIO()
    with registry.cursor() as cr:
        trans_export(None, [addon], buffer, "po", cr)
        cr.rollback()
    exported = _msgids(polib.pofile(buffer.getvalue().decode()))
    committed = _msgids(polib.pofile(str(pot)))
    assert exported, f"Odoo exported no term for {addon}: is it installed?"
    missing = sorted(exported - committed)
    stale = sorted(committed - exported)
    assert not missing and not stale, (
        f"{addon}/i18n/{addon}.pot is out of date (run make pot): "
        f"{len(missing)} terms missing {missing[:10]}, "
        f"{len(stale)} terms no longer used {stale[:10]}"
    )


def test_every_product_addon_has_a_template():
    """Only the product addons: the test addon ships no translations."""
    pots = sorted(path.parent.parent.name for path in ROOT.glob("*/i18n/*.pot"))
    assert pots == ADDONS
    for addon in ADDONS:
        assert [p.name for p in (ROOT / addon / "i18n").glob("*.pot")] == [
            f"{addon}.pot"
        ]
