import re
from collections import defaultdict

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, ValidationError

from ..compat import Constraint
from ..tools import lead_code

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

    _followup_code_prefix_uniq = Constraint(
        "unique(followup_code_prefix)", "Two sources cannot share a Lead Code Prefix."
    )

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

    @api.model
    def _followup_allocate_codes(self, vals_list):
        """Give each new lead without a code the next SOURCE-YYYYMMDD-NNN code.

        One atomic UPDATE per sequence hands out the serials of the whole batch: the row lock
        it takes serialises concurrent creations of the same source until commit.
        """
        today = fields.Date.context_today(self)
        default_sequence = self.env.ref("sales_followup.ir_sequence_lead_code").sudo()
        sources = self.env["utm.source"].browse(
            {vals["source_id"] for vals in vals_list if vals.get("source_id")}
        )
        pending = defaultdict(list)
        for vals in vals_list:
            if not vals.get("followup_code"):
                source = sources.browse(vals.get("source_id"))
                sequence = source._followup_get_sequence() if source else default_sequence
                pending[sequence].append(vals)
        given = {vals["followup_code"] for vals in vals_list if vals.get("followup_code")}
        for sequence, group in pending.items():
            date_range_id = self._followup_daily_range(sequence, today)
            prefix, suffix = sequence._get_prefix_suffix(date=today, date_range=today)
            step = sequence.number_increment
            # A code set by hand (a manager, an import) is never handed out again: the serials
            # it holds are skipped, and the next ones taken.
            waiting = group
            while waiting:
                self.env.cr.execute(
                    "UPDATE ir_sequence_date_range SET number_next = number_next + %s "
                    "WHERE id = %s RETURNING number_next - %s",
                    (len(waiting) * step, date_range_id, len(waiting) * step),
                )
                first = self.env.cr.fetchone()[0]
                codes = lead_code.codes(prefix, suffix, first, len(waiting), step, sequence.padding)
                taken = given | self._followup_codes_in_use(codes)
                left = []
                for vals, code in zip(waiting, codes, strict=True):
                    if code in taken:
                        left.append(vals)
                    else:
                        vals["followup_code"] = code
                waiting = left
        if pending:
            self.env["ir.sequence.date_range"].invalidate_model(["number_next"])

    @api.model
    def _followup_codes_in_use(self, codes):
        """The codes among ``codes`` that leads already have (any company, archived too)."""
        self.env["crm.lead"].flush_model(["followup_code"])
        self.env.cr.execute(
            "SELECT followup_code FROM crm_lead WHERE followup_code = ANY(%s)", [list(codes)]
        )
        return {row[0] for row in self.env.cr.fetchall()}

    @api.model
    def _followup_daily_range(self, sequence, day):
        """Id of the sequence's one-day range for ``day`` (the serial restarts every day)."""
        query = (
            "SELECT id FROM ir_sequence_date_range "
            "WHERE sequence_id = %s AND date_from = %s AND date_to = %s ORDER BY id LIMIT 1"
        )
        self.env.cr.execute(query, (sequence.id, day, day))
        row = self.env.cr.fetchone()
        if not row:
            # Lock the sequence so that two transactions do not both open the day's range.
            self.env.cr.execute(
                "SELECT id FROM ir_sequence WHERE id = %s FOR UPDATE", (sequence.id,)
            )
            self.env.cr.execute(query, (sequence.id, day, day))
            row = self.env.cr.fetchone()
        if not row:
            date_range = (
                self.env["ir.sequence.date_range"]
                .sudo()
                .create(
                    {"sequence_id": sequence.id, "date_from": day, "date_to": day, "number_next": 1}
                )
            )
            date_range.flush_recordset()
            return date_range.id
        return row[0]
