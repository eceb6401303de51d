from markupsafe import Markup

from odoo import _, fields, models
from odoo.exceptions import UserError, ValidationError

from ..compat import MIXIN_LATER
from ..tools.system_write import system_env
from .sales_followup_log import _to_date, _visible_text

# One concern per file: postponing a follow-up without a contact is not the lead's fields,
# checks and actions of crm_lead.py.
# pylint: disable=consider-merging-classes-inherited


class CrmLead(models.Model):
    """No silent snoozing: a Follow-up moves to a later day without a contact only with a
    reason, said in the chatter and counted on the lead. The card, the Today list and the
    overdue risk follow the new due date (the rep decided, and said why); the discipline
    figures keep the original one: the contact that finally answers it counts as late."""

    _inherit = "crm.lead"

    followup_postpone_count = fields.Integer(
        string="Postponements",
        readonly=True,
        copy=False,
        help="How many times a follow-up of this lead was postponed without a contact.",
    )
    followup_postponed_from = fields.Date(
        string="Originally Due",
        readonly=True,
        copy=False,
        help="Due date of the open follow-up before it was postponed: the contact answering "
        "it is on rhythm only when made by this date.",
    )

    def action_followup_postpone(self):
        """Open the dialog asking for the new date and the reason."""
        self._input_check_ids()
        self.ensure_one()
        self._followup_check_postponable()
        return self._followup_dialog(
            _("Postpone the Follow-up"),
            "sales.followup.postpone.wizard",
            "sales_followup.sales_followup_postpone_wizard_view_form",
            {"default_lead_id": self.id},
        )

    def _followup_check_postponable(self):
        """The lead's open Follow-up, or a UserError when it has none to postpone."""
        activities = (
            self.env["sales.followup.engine"]._open_activities(self) if self.active else None
        )
        if not activities:
            raise UserError(
                _(
                    "Postpone: %s has no open follow-up to postpone.",
                    ", ".join(self.mapped("display_name")),
                )
            )
        return activities

    def _followup_postpone_default_date(self, days):
        """The default new due date: ``days`` after the due date (after today when it is
        overdue), moved to a working day."""
        self.ensure_one()
        return self.env["sales.followup.engine"]._postpone_default_date(self, days)

    def _followup_postpone(self, new_date, reason):
        """Move the lead's open Follow-up to ``new_date`` for ``reason``: checked, then said
        in the chatter, counted and kept as 'originally due' for the discipline figures.
        Nothing is written when a value is refused."""
        self.ensure_one()
        reason = _visible_text(reason if isinstance(reason, str) else "")
        if not reason:
            raise ValidationError(
                _("Reason: say why the follow-up is postponed without contacting the customer.")
            )
        day = _to_date(new_date) if new_date else None
        if day is None:
            raise ValidationError(
                _("New Due Date: %r is not a date (e.g. 2026-03-10).", new_date or "")
            )
        self.check_access("write")
        activity = self._followup_check_postponable()[:1]
        old_due = activity.date_deadline
        today = fields.Date.context_today(self)
        if day < today:
            raise ValidationError(
                _(
                    "New Due Date: %s is in the past; choose today or a later date.",
                    fields.Date.to_string(day),
                )
            )
        if day <= old_due:
            raise ValidationError(
                _(
                    "New Due Date: %(date)s is not later than the follow-up's due date "
                    "(%(due)s); log the contact instead.",
                    date=fields.Date.to_string(day),
                    due=fields.Date.to_string(old_due),
                )
            )
        self.env["sales.followup.settings"]._check_horizon(
            day,
            today,
            lambda date, latest: _(
                "New Due Date: %(date)s is too far away (%(latest)s at the latest); set the "
                "lead dormant instead when the customer asks to wait.",
                date=date,
                latest=latest,
            ),
        )
        original = min(self.followup_postponed_from or old_due, old_due)
        self.env["sales.followup.engine"]._move(activity, day)
        system_env(self).write(
            {
                "followup_postpone_count": self.followup_postpone_count + 1,
                "followup_postponed_from": original,
                "followup_date_fixed": True,
            }
        )
        self._message_log(
            body=Markup("<p>%s</p><p>%s</p>")
            % (
                _(
                    "Follow-up postponed from %(old)s to %(new)s without a contact "
                    "(postponement %(count)s).",
                    old=fields.Date.to_string(old_due),
                    new=fields.Date.to_string(day),
                    count=self.followup_postpone_count,
                ),
                reason,
            ),
            message_type="comment",
        )
        self._followup_apply_risk_rules()
        return True


def _my_next_later(activity_button):
    def button(self):
        """Odoo's button on the row, with what the activity's button answers (the Postpone
        dialog for a Follow-up) handed to the web client."""
        self._input_check_ids()
        self.ensure_one()
        mine = self.activity_ids.filtered(lambda act: act.user_id == self.env.user)[:1]
        return getattr(mine, activity_button)()

    return button


# The "later" buttons of a lead's row in lists (compat.MIXIN_LATER; none on 18.0).
for _name, _activity_button in MIXIN_LATER.items():
    setattr(CrmLead, _name, _my_next_later(_activity_button))
