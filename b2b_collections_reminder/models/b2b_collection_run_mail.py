"""The emails of a reminder run, posted a batch of customers at a time.

A mail template's body is compiled each time it is rendered on its own: posted
one reminder at a time (``message_post_with_source``), every email paid the
compilation again. The composer in comment mode renders a template for many
records in one go, then posts each record's message as
``message_post_with_source`` does; so the run posts its batch's emails per
template, after its customers' other work. The emails that carry the statement
PDF (customers who ask for it) are posted with it, one by one, when they are
sent. An email that cannot be posted is noted in the run's issues and on the
customer's chatter, with an activity for the collector; the reminder's other
channels are not undone."""

from odoo import _, fields, models


class B2bCollectionRunMail(models.Model):
    _inherit = "b2b.collection.run"  # pylint: disable=consider-merging-classes-inherited

    def _b2b_post_email(self, contacts, template, attachments=None):
        """Post the email of ``template`` on each of ``contacts``, rendered
        together: queued, sent by the mail queue after the commit."""
        composer = (
            self.env["mail.compose.message"]
            .with_context(
                mail_notify_force_send=False,
                default_composition_mode="comment",
                default_model=contacts._name,
                default_res_ids=contacts.ids,
                default_template_id=template.id,
            )
            .create(
                {
                    "message_type": "comment",
                    "subtype_id": self.env.ref("mail.mt_comment").id,
                    "attachment_ids": (attachments or self.env["ir.attachment"]).ids,
                }
            )
        )
        _mails, messages = composer._action_send_mail()
        by_contact = {message.res_id: message for message in messages}
        for contact in contacts:
            contact.message_id = by_contact.get(contact.id)

    def _b2b_post_emails(self, contacts):
        """The emails of ``contacts`` (reminders of this batch still without
        their email), a call per template; if a call fails, each email is
        posted on its own."""
        for template, group in contacts.grouped("template_id").items():
            if self._b2b_all_together(
                group,
                lambda batch, template=template: self._b2b_post_email(batch, template),
                "emails",
            ):
                continue
            failures = self._b2b_each_alone(
                group,
                lambda contact, template=template: self._b2b_post_email(
                    contact, template
                ),
                "email",
            )
            for contact, error in failures.items():
                self._b2b_note_email_failure(contact, error)

    def _b2b_note_email_failure(self, contact, error):
        message = _(
            "%(level)s: the email to %(contact)s could not be prepared "
            "(%(error)s). Its other channels went.",
            level=contact.level_id.name,
            contact=contact.recipient_id.display_name,
            error=error,
        )
        self.env["b2b.collection.run.issue"].create(
            {
                "run_id": self.id,
                "partner_id": contact.partner_id.id,
                "kind": "info",
                "message": message,
            }
        )
        contact.partner_id.message_post(body=message, subtype_xmlid="mail.mt_note")
        contact.write(
            {
                "delivery_reported": True,
                "failure_activity_id": contact.partner_id.activity_schedule(
                    "mail.mail_activity_data_call",
                    date_deadline=fields.Date.context_today(self),
                    summary=_(
                        "Reminder email not sent: %(level)s",
                        level=contact.level_id.name,
                    ),
                    note=message,
                    user_id=(contact.collector_id or self.env.user).id,
                ).id,
            }
        )
