"""Server-side write rules of the collections fields.

Every field the addon stores declares who may write it with the field
parameter ``b2b_write`` (see ``WRITE_RULES``); the guard below enforces it on
``create`` and ``write`` whatever the entry path (form, JSON-RPC, import), so
that a readonly field in a view is also readonly for a client that calls
``write`` itself. Server code (actions after their own checks, the reminder
engine, scheduled actions) writes guarded fields through ``sudo()``: a remote
caller never runs as superuser.

Computed fields without an inverse are never written by clients either.
"""

from odoo import _, api, models
from odoo.exceptions import AccessError, ValidationError

from .b2b_collection_validation import GUARDED_TYPES, input_error

MANAGER_GROUP = "b2b_collections.group_b2b_collection_manager"
USER_GROUP = "b2b_collections.group_b2b_collection_user"
# the fields these addons define get the rules; the others keep their own
ADDON_PREFIX = "b2b_collections"

# b2b_write value -> what it allows; the test of the access policy and
# docs/security.md read the same table.
WRITE_RULES = {
    "user": "whoever may write the record (access rights and record rules)",
    "collector": "collections users (collectors and managers), not other "
    "users who may write the record",
    "create": "given when the record is created, never changed afterwards",
    "draft": "while the record is a draft; frozen once it leaves draft",
    "author": "given at creation; afterwards only a collections manager "
    "changes it, and the change is tracked in the chatter",
    "manager": "collections managers only",
    "action": "only the record's actions and the collections engine",
    "computed": "computed from other data; never written",
}


class B2bCollectionGuardMixin(models.AbstractModel):
    """Enforces the ``b2b_write`` rule of each field on create and write."""

    _name = "b2b.collection.guard.mixin"
    _description = "Collections Write Rules"

    # states in which the "draft" fields may change
    _b2b_draft_states = ("draft",)
    # records named by a sequence on creation: its code, and the field giving
    # the sequence date (the name is then an "action" field)
    _b2b_sequence_code = None
    _b2b_sequence_date_field = None

    def _valid_field_parameter(self, field, name):
        return name == "b2b_write" or super()._valid_field_parameter(field, name)

    @api.model
    def _b2b_write_rule(self, fname):
        """The write rule of field ``fname`` (a key of ``WRITE_RULES``), or
        None for fields of other addons, which keep their own rules."""
        field = self._fields[fname]
        rule = getattr(field, "b2b_write", None)
        if rule:
            return rule
        if (
            field.compute
            and not field.inverse
            and field.readonly
            and self._b2b_is_own_field(fname)
        ):
            return "computed"
        return None

    @api.model
    def _b2b_is_own_field(self, fname):
        """Whether only the collections addons define field ``fname``."""
        modules = self._fields[fname]._modules
        return bool(modules) and all(m.startswith(ADDON_PREFIX) for m in modules)

    @api.model
    def _b2b_fields_by_rule(self, fnames):
        by_rule = {}
        for fname in fnames:
            if fname in self._fields:
                rule = self._b2b_write_rule(fname)
                if rule and rule != "user":
                    by_rule.setdefault(rule, []).append(fname)
        return by_rule

    def _b2b_field_labels(self, fnames):
        return ", ".join(
            sorted(
                self._fields[fname]._description_string(self.env) for fname in fnames
            )
        )

    def _b2b_refuse(self, message, fnames):
        raise AccessError(
            _(
                "%(message)s (%(model)s: %(fields)s)",
                message=message,
                model=self._description,
                fields=self._b2b_field_labels(fnames),
            )
        )

    def _b2b_is_draft(self):
        """Whether the "draft" fields of this record may still change."""
        self.ensure_one()
        return "state" in self._fields and self.state in self._b2b_draft_states

    @api.model
    def _b2b_is_manager(self):
        return self.env.user.has_group(MANAGER_GROUP)

    @api.model
    def _b2b_check_create_values(self, vals_list):
        """Refuse values a client may not give when creating records, also
        through ``default_<field>`` context keys."""
        if self.env.su:
            return
        given = {
            key[8:]
            for key in self.env.context
            if key.startswith("default_") and key[8:] in self._fields
        }
        for vals in vals_list:
            given.update(vals)
        by_rule = self._b2b_fields_by_rule(given)
        forbidden = by_rule.get("action", []) + by_rule.get("computed", [])
        if forbidden:
            self._b2b_refuse(
                _("These fields are set by the record's actions, not by hand"),
                forbidden,
            )
        if by_rule.get("manager") and not self._b2b_is_manager():
            self._b2b_refuse(
                _("Only a collections manager can set these fields"),
                by_rule["manager"],
            )
        if by_rule.get("collector") and not self.env.user.has_group(USER_GROUP):
            self._b2b_refuse(
                _("Only collections users can set these fields"),
                by_rule["collector"],
            )

    def _b2b_check_write_values(self, vals):
        if self.env.su:
            return
        by_rule = self._b2b_fields_by_rule(vals)
        forbidden = by_rule.get("action", []) + by_rule.get("computed", [])
        if forbidden:
            self._b2b_refuse(
                _("These fields are set by the record's actions, not by hand"),
                forbidden,
            )
        if by_rule.get("create"):
            self._b2b_refuse(
                _("These fields cannot be changed once the record exists"),
                by_rule["create"],
            )
        if by_rule.get("draft"):
            frozen = self.filtered(lambda record: not record._b2b_is_draft())
            if frozen:
                self._b2b_refuse(
                    _(
                        "These fields can only be changed while the record is a "
                        "draft; %(record)s is not",
                        record=frozen[:1].display_name,
                    ),
                    by_rule["draft"],
                )
        managed = by_rule.get("manager", []) + by_rule.get("author", [])
        if managed and not self._b2b_is_manager():
            self._b2b_refuse(
                _("Only a collections manager can change these fields"), managed
            )
        if by_rule.get("collector") and not self.env.user.has_group(USER_GROUP):
            self._b2b_refuse(
                _("Only collections users can change these fields"),
                by_rule["collector"],
            )

    def copy_data(self, default=None):
        """A copy starts afresh: the fields actions set are not copied (those
        a caller gives in ``default`` still go through the create rules)."""
        vals_list = super().copy_data(default=default)
        if self.env.su:
            return vals_list
        given = set(default or ())
        reserved = {
            fname
            for fname in self._fields
            if fname not in given
            and self._b2b_write_rule(fname) in ("action", "computed")
        }
        return [
            {key: value for key, value in vals.items() if key not in reserved}
            for vals in vals_list
        ]

    def _b2b_write_as_action(self, vals):
        """Write fields reserved to actions, after checking that the user may
        write these records at all (access rights and record rules): for the
        ``action_*`` methods, once they have checked their own rules."""
        self.check_access("write")
        return self.sudo().write(vals)

    def _b2b_check_input(self, vals, operation):
        """Refuse the first value of ``vals`` the ORM must not be given (see
        ``b2b_collection_validation``): before it converts them, since inf,
        1e308, 2**31 or a garbage date crash the conversion or the INSERT
        before any constraint runs. Someone not allowed ``operation`` at all
        gets the AccessError, not a comment on the value."""
        model_fields = self._fields
        for fname, value in vals.items():
            field = model_fields.get(fname)
            if (
                field is not None
                and field.type in GUARDED_TYPES
                and (field._module or "").startswith(ADDON_PREFIX)
            ):
                message = input_error(self.env, field, value)
                if message:
                    self.check_access(operation)
                    raise ValidationError(message)

    @api.model_create_multi
    def create(self, vals_list):
        self._b2b_check_create_values(vals_list)
        for vals in vals_list:
            self._b2b_check_input(vals, "create")
        if self._b2b_sequence_code:
            for vals in vals_list:
                vals["name"] = self._b2b_next_name(vals)
        return super().create(vals_list)

    @api.model
    def _b2b_next_name(self, vals):
        company = self.env["res.company"].browse(
            vals.get("company_id") or self.env.company.id
        )
        date = vals.get(self._b2b_sequence_date_field or "") or None
        return (
            self.env["ir.sequence"]
            .with_company(company)
            .next_by_code(self._b2b_sequence_code, sequence_date=date)
            or "/"
        )

    def write(self, vals):
        self._b2b_check_write_values(vals)
        self._b2b_check_input(vals, "write")
        return super().write(vals)
