import re

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, ValidationError

DEFAULT_LEAD_CODE_PREFIX = "LEAD"


class UtmSource(models.Model):
    _name = "utm.source"
    _inherit = ["sales.followup.input.guard", "utm.source"]

    followup_code_prefix = fields.Char(
        string="Lead Code Prefix",
        size=12,
        help="Short code that starts the codes of the leads from this source, "
        "e.g. EXPO gives EXPO-20231102-001. Empty: LEAD.",
    )
    followup_sequence_id = fields.Many2one(
        "ir.sequence",
        string="Lead Code Sequence",
        copy=False,
        readonly=True,
        help="Numbering of the lead codes of this source, created with the first lead.",
    )

    _sql_constraints = [
        (
            "followup_code_prefix_uniq",
            "unique(followup_code_prefix)",
            "Two sources cannot share a Lead Code Prefix.",
        ),
    ]

    @api.constrains("followup_code_prefix")
    def _check_followup_code_prefix(self):
        for source in self.filtered("followup_code_prefix"):
            if not re.fullmatch(r"[A-Za-z0-9_]+", source.followup_code_prefix):
                raise ValidationError(
                    _(
                        "Lead Code Prefix '%(prefix)s' of source %(name)s may only hold "
                        "letters, digits and underscores.",
                        prefix=source.followup_code_prefix,
                        name=source.name,
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        self._input_check_create(vals_list)
        for vals in vals_list:
            if vals.get("followup_code_prefix"):
                self._followup_check_prefix_access()
            self._followup_normalize_prefix(vals)
        return super().create(vals_list)

    def write(self, vals):
        self._input_check_write(vals)
        if "followup_code_prefix" in vals:
            self._followup_check_prefix_access()
        self._followup_normalize_prefix(vals)
        res = super().write(vals)
        if "followup_code_prefix" in vals:
            for source in self.filtered("followup_sequence_id"):
                source.followup_sequence_id.sudo().prefix = source._followup_sequence_prefix()
        return res

    @api.model
    def _followup_check_prefix_access(self):
        """A prefix numbers the leads of every salesperson: sales managers set it."""
        if not (self.env.su or self.env.user.has_group("sales_team.group_sale_manager")):
            raise AccessError(
                _("Lead Code Prefix: only sales managers set the lead code prefix of a source.")
            )

    @api.model
    def _followup_normalize_prefix(self, vals):
        if vals.get("followup_code_prefix"):
            vals["followup_code_prefix"] = vals["followup_code_prefix"].strip().upper()

    def _followup_sequence_prefix(self):
        self.ensure_one()
        code = self.followup_code_prefix or DEFAULT_LEAD_CODE_PREFIX
        return f"{code}-%(range_year)s%(range_month)s%(range_day)s-"

    def _followup_get_sequence(self):
        """The lead-code sequence of this source, created on first use.

        Sources without a prefix (or with the default one) share the default LEAD sequence, so
        that two of them never hand out the same code.
        """
        self.ensure_one()
        if self.followup_code_prefix in (False, DEFAULT_LEAD_CODE_PREFIX):
            return self.env.ref("sales_followup.ir_sequence_lead_code").sudo()
        if not self.followup_sequence_id:
            sequence = (
                self.env["ir.sequence"]
                .sudo()
                .create(
                    {
                        "name": _("Lead codes: %s", self.name),
                        "code": "sales_followup.lead_code.source",
                        "prefix": self._followup_sequence_prefix(),
                        "padding": 3,
                        "implementation": "no_gap",
                        "use_date_range": True,
                        "company_id": False,
                    }
                )
            )
            self.sudo().followup_sequence_id = sequence
        return self.followup_sequence_id.sudo()
