import functools

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from ..models.sales_followup_import_loader import CREATE_BATCH
from ..tools import tracker_analysis as ta
from ..tools import tracker_rows as trows

# Above this many rows the import runs in the background (cron "Sales Follow-up: tracker
# imports"): a request importing them would take minutes.
BACKGROUND_ROWS = 2000
# The preview's figures: the loader's (tools.tracker_analysis.Preview), names listed.
PREVIEW_COUNTS = (
    "lead_create_count",
    "lead_update_count",
    "partner_create_count",
    "log_create_count",
    "moved_count",
    "unassigned_count",
)
PREVIEW_NAMES = ("reasons_to_create", "sources_to_create", "industries_to_create")


class SalesFollowupImport(models.TransientModel):
    """Import a follow-up tracker spreadsheet into leads and structured follow-up logs.

    upload -> preview (nothing written: the first leads as they will be, counts, the stage
    mapping and the problems) -> import (one transaction; above BACKGROUND_ROWS rows, a
    background job). This wizard only shows and asks: reading the file is in its sheets'
    model, the columns, the stage mapping and the problems in their own line models, the
    analysis in ``tools/tracker_analysis.py``, what a row becomes (the preview) and the
    writing in the ``sales.followup.import.loader`` model, the running of the rows in the
    ``sales.followup.import.job`` model (the same for a small file now and for a job).
    """

    _name = "sales.followup.import"
    _inherit = ["sales.followup.input.guard"]
    _description = "Import a Follow-up Tracker"
    _input_strict_texts = False

    state = fields.Selection(
        [
            ("upload", "Upload"),
            ("preview", "Preview"),
            ("running", "Importing in the Background"),
            ("done", "Imported"),
        ],
        default="upload",
        required=True,
    )
    file = fields.Binary(string="Tracker File", attachment=False)
    filename = fields.Char()
    sheet_ids = fields.One2many("sales.followup.import.sheet", "wizard_id", string="Sheets")
    sheet_id = fields.Many2one(
        "sales.followup.import.sheet",
        domain="[('wizard_id', '=', id)]",
        help="The sheet to import, when the workbook has several.",
    )
    several_sheets = fields.Boolean(compute="_compute_several_sheets")
    header_row = fields.Integer(readonly=True)
    column_ids = fields.One2many("sales.followup.import.column", "wizard_id", string="Columns")
    stage_line_ids = fields.One2many(
        "sales.followup.import.stage", "wizard_id", string="Stage Mapping"
    )
    skip_errors = fields.Boolean(
        string="Skip rows with errors",
        help="Import the rows that can be read and leave the others out. When unchecked, a "
        "single error stops the whole import and nothing is written.",
    )
    assign_user_id = fields.Many2one(
        "res.users",
        string="Assign Unassigned Leads To",
        domain="[('share', '=', False)]",
        help="Salesperson of the leads whose row names nobody (no 负责人 / 跟进人 column, or a "
        "name that is no user); their follow-up logs are credited to this salesperson too.",
    )
    team_id = fields.Many2one(
        "crm.team",
        string="Sales Team",
        help="Sales team of every imported lead; empty: the team of each lead's salesperson. "
        "Stage names are looked up in this team's pipeline.",
    )
    currency_id = fields.Many2one(
        related="company_id.currency_id", string="Amounts In", help="The company's currency."
    )
    company_id = fields.Many2one("res.company", default=lambda self: self.env.company)
    # Preview
    row_count = fields.Integer(string="Rows", readonly=True)
    lead_create_count = fields.Integer(string="Leads to Create", readonly=True)
    lead_update_count = fields.Integer(string="Leads to Update", readonly=True)
    partner_create_count = fields.Integer(string="Customers to Create", readonly=True)
    log_create_count = fields.Integer(string="Follow-up Logs to Create", readonly=True)
    moved_count = fields.Integer(
        string="Past Follow-ups Moved",
        readonly=True,
        help="Open leads whose next follow-up date in the tracker is already past: they get a "
        "follow-up spread over their grade's rhythm from tomorrow on working days instead, so "
        "that nobody starts with hundreds overdue.",
    )
    reasons_to_create = fields.Char(string="Lost Reasons to Create", readonly=True)
    sources_to_create = fields.Char(string="Sources to Create", readonly=True)
    industries_to_create = fields.Char(string="Industries to Create", readonly=True)
    unassigned_count = fields.Integer(
        string="Leads Without Salesperson",
        readonly=True,
        help="Leads whose rows name no salesperson who is a user: they are imported "
        "unassigned, without a follow-up, and their logs are credited to you. Choose whom to "
        "assign them to above.",
    )
    error_count = fields.Integer(string="Rows with Errors", readonly=True)
    error_ids = fields.One2many("sales.followup.import.error", "wizard_id", string="Problems")
    preview_html = fields.Html(string="First Leads", readonly=True, sanitize=False)
    analysis_key = fields.Char(readonly=True, help="Technical: what the last preview read.")
    analysis_skip = fields.Json(
        readonly=True, help="Technical: the rows and leads the last preview found in error."
    )
    message = fields.Char(readonly=True)
    background = fields.Boolean(compute="_compute_background")
    # Result
    lead_ids = fields.Many2many("crm.lead", string="Imported Leads", readonly=True)
    job_id = fields.Many2one("sales.followup.import.job", string="Background Import", readonly=True)
    job_state = fields.Selection(related="job_id.state", string="Job Status")
    job_progress = fields.Float(related="job_id.progress", string="Progress")
    error_file = fields.Binary(string="Rows with Errors (CSV)", readonly=True, attachment=False)
    error_filename = fields.Char(readonly=True)

    @api.model_create_multi
    def create(self, vals_list):
        self._input_check_create(vals_list)
        for vals in vals_list:
            self.env["sales.followup.import.sheet"]._check_upload_size(vals.get("file"))
        return super().create(vals_list)

    def write(self, vals):
        self._input_check_write(vals)
        if "file" in vals:
            self.env["sales.followup.import.sheet"]._check_upload_size(vals["file"])
        return super().write(vals)

    @api.depends("sheet_ids")
    def _compute_several_sheets(self):
        for wizard in self:
            wizard.several_sheets = len(wizard.sheet_ids) > 1

    @api.depends("row_count")
    def _compute_background(self):
        for wizard in self:
            wizard.background = wizard.row_count > BACKGROUND_ROWS

    # ------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------

    def action_load(self):
        """Read the file: list its sheets, find the header, recognise the columns, preview."""
        self._input_check_ids()
        self.ensure_one()
        Sheet = self.env["sales.followup.import.sheet"]
        self.sheet_id = Sheet._load(self, Sheet._open(self))
        return self.action_load_sheet()

    def action_load_sheet(self):
        """(Re)detect the header and the columns of the chosen sheet, then preview."""
        self._input_check_ids()
        self.ensure_one()
        Sheet = self.env["sales.followup.import.sheet"]
        sheet = Sheet._chosen(self)
        with Sheet._reading(sheet):
            found = ta.read_columns(sheet.rows())
        if found is None:
            raise UserError(_("Sheet '%s' is empty.", sheet.name))
        header_index, columns = found
        self.env["sales.followup.import.column"]._load(self, columns)
        self.stage_line_ids.unlink()
        self.header_row = header_index + 1
        return self.action_preview()

    def action_preview(self):
        """Dry run: what the import would write, and the problems. Nothing is written."""
        self._input_check_ids()
        self.ensure_one()
        self._show(self._analyse())
        self.write({"state": "preview", "message": False})
        return self._reopen()

    def action_import(self):
        self._input_check_ids()
        self.ensure_one()
        # The preview just shown, when nothing changed since: a large file is not read twice.
        if self.analysis_key != self._analysis_key():
            self._show(self._analyse())
        skipped = self.analysis_skip
        if skipped["rows"] and not self.skip_errors:
            self.state = "preview"
            self.message = _(
                "%s rows have errors: nothing was imported. Fix them in the file (download the "
                "rows with errors below), or tick 'Skip rows with errors'.",
                len(skipped["rows"]),
            )
            return self._reopen()
        config = {
            "mapping": {str(index): key for index, key in self.column_ids._mapping().items()},
            "options": self._loader_options(),
            "skip_rows": skipped["rows"],
            "skip_keys": skipped["keys"],
        }
        if self.background:
            job = self.env["sales.followup.import.job"]._start(self, config)
            self.write(
                {
                    "state": "running",
                    "job_id": job.id,
                    "message": _(
                        "%(rows)s rows are imported in the background; you are notified when "
                        "it is done. You can close this window and go on working.",
                        rows=self.row_count,
                    ),
                }
            )
            return self._reopen()
        # Small files now, as a background job does, in chunks of CREATE_BATCH leads.
        lead_ids, log_count = self.env["sales.followup.import.job"]._import_rows(
            self._data_rows(), config, self.company_id, chunk_size=CREATE_BATCH
        )
        self.write(
            {
                "state": "done",
                "lead_ids": [(6, 0, lead_ids)],
                "log_create_count": log_count,
                "message": _(
                    "%(leads)s leads imported, %(skipped)s rows with errors left out.",
                    leads=len(lead_ids),
                    skipped=len(skipped["rows"]),
                ),
            }
        )
        return self._reopen()

    def action_refresh(self):
        """Show where the background import is."""
        self._input_check_ids()
        self.ensure_one()
        if self.job_id.state in ("done", "failed"):
            self.write(
                {
                    "state": "done",
                    "message": self.job_id.message,
                    "lead_ids": [(6, 0, self.job_id.with_context(active_test=False).lead_ids.ids)],
                    "log_create_count": self.job_id.log_count,
                }
            )
        return self._reopen()

    def action_open_leads(self):
        self._input_check_ids()
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("crm.crm_lead_opportunities")
        action.update(
            {
                "domain": [("id", "in", self.lead_ids.ids)],
                "context": {"active_test": False},
                "name": _("Imported Leads"),
            }
        )
        return action

    def _reopen(self):
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "new",
            "name": _("Import Follow-up Tracker"),
            "context": {"dialog_size": "extra-large"},
        }

    def _data_rows(self):
        """(row number as Excel shows it, cells) of the chosen sheet below its header."""
        return self.env["sales.followup.import.sheet"]._data_rows(self)

    def _words(self):
        """The words the rows' contacts are read with (the company's word list)."""
        return self.env["sales.followup.word"]._tracker_words(self.company_id)

    # ------------------------------------------------------------
    # Preview
    # ------------------------------------------------------------

    def _analyse(self):
        """The analysis of the chosen sheet (tools.tracker_analysis), the stage mapping given
        the stage values found."""
        rows = trows.parse_rows(
            self._data_rows(),
            self.column_ids._mapping(),
            fields.Date.context_today(self),
            words=self._words(),
        )
        return ta.analyse(
            rows,
            self.env["sales.followup.import.loader"]._user_index(),
            self.assign_user_id.name or "",
            functools.partial(self.env["sales.followup.import.stage"]._sync, self),
        )

    def _loader_options(self, create_stages=True):
        """What the loader needs besides the rows: the stage of each stage value (the stages
        the user asked for are created now, unless not ``create_stages``), the default
        salesperson, the team."""
        if create_stages:
            self.stage_line_ids._create_stages(self.team_id.id)
        return {
            "stage_map": self.stage_line_ids._stage_map(),
            "assign_user_id": self.assign_user_id.id or False,
            "team_id": self.team_id.id or False,
        }

    def _analysis_key(self):
        """What the preview depends on: the file, the sheet, the mappings, the choices, the
        day. The same key at import: the preview's analysis still holds."""
        lines = self.stage_line_ids
        return ta.fingerprint(
            self.file or b"",
            (
                self.sheet_id.index,
                self.header_row,
                sorted((c.index, c.target or "") for c in self.column_ids),
                sorted((line.value, line.stage_id.id, line.create_stage) for line in lines),
                self.assign_user_id.id,
                self.team_id.id,
                str(fields.Date.context_today(self)),
            ),
        )

    def _show(self, analysis):
        """The preview: what the loader would write (its ``_preview``), the first leads as it
        would write them, the problems and the rows with errors to download."""
        loader = self.env["sales.followup.import.loader"]
        preview = loader._preview(analysis, self._loader_options(create_stages=False))
        self.error_ids.unlink()
        self.write(
            {
                "analysis_key": self._analysis_key(),
                "analysis_skip": {
                    "rows": sorted(analysis.error_rows),
                    "keys": [list(key) for key in analysis.error_keys],
                },
                "row_count": analysis.rows,
                **{name: getattr(preview, name) for name in PREVIEW_COUNTS},
                **{name: ", ".join(getattr(preview, name)) or False for name in PREVIEW_NAMES},
                **self.env["sales.followup.import.error"]._preview_values(self, analysis),
                "preview_html": self._preview_html(preview.leads),
            }
        )

    def _preview_html(self, leads):
        """The first leads (tools.tracker_analysis.LeadPreview), laid out by the template in the
        user's language."""

        def labels(model, name):
            return dict(self.env[model]._fields[name]._description_selection(self.env))

        return self.env["ir.qweb"]._render(
            "sales_followup.import_preview",
            {
                "leads": leads,
                "statuses": labels("crm.lead", "followup_status"),
                "methods": labels("sales.followup.log", "method"),
                "next_texts": {
                    "revisit": _("after-sale revisit, spread over the rhythm"),
                    "spread": _("spread over the grade's rhythm"),
                },
                "unassigned": _("Unassigned"),
            },
        )
