import base64
import csv
import hashlib
import io
import itertools
from collections import defaultdict
from contextlib import contextmanager

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools.translate import LazyGettext

from ..models.sales_followup_import_loader import AMBIGUOUS, CREATE_BATCH
from ..tools import tracker_cells as tc
from ..tools import tracker_columns as tcol
from ..tools import tracker_reader as tr
from ..tools import tracker_rows as trows

# Above this many rows the import runs in the background (cron "Sales Follow-up: tracker
# imports"): a request importing them would take minutes.
BACKGROUND_ROWS = 2000
# Leads shown as they will be imported, at the top of the preview.
PREVIEW_LEADS = 8
# Problems listed in the preview (all of them are in the rows-with-errors file).
MAX_PROBLEMS = 2000


class SalesFollowupImport(models.TransientModel):
    """Import a follow-up tracker spreadsheet into leads and structured follow-up logs.

    upload -> preview (nothing written: the first leads as they will be, counts, the stage
    mapping and the problems) -> import (one transaction; above BACKGROUND_ROWS rows, a
    background job). Reading the file is in ``tools/``, matching and writing in the
    ``sales.followup.import.loader`` model: this wizard only shows and asks.
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
            self._check_upload_size(vals.get("file"))
        return super().create(vals_list)

    def write(self, vals):
        self._input_check_write(vals)
        if "file" in vals:
            self._check_upload_size(vals["file"])
        return super().write(vals)

    @api.model
    def _check_upload_size(self, data):
        """Refuse a file above the limit from its encoded size, before it is decoded or
        stored (what is not a file at all is refused by the input guard)."""
        if isinstance(data, (str, bytes)) and len(data) * 3 // 4 > tr.MAX_FILE_SIZE:
            size = f"{len(data) * 3 / 4 / 1024 / 1024:.1f}"  # outside _(): not extracted there
            raise UserError(
                _(
                    "Tracker File: the file is %(size)s MB; the limit is %(limit)s MB. Split "
                    "the tracker into several files.",
                    size=size,
                    limit=tr.MAX_FILE_SIZE // 1024 // 1024,
                )
            )

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
        sheets = self._open_sheets()
        self.sheet_ids.unlink()
        self.sheet_ids = [
            (0, 0, {"index": index, "name": sheet.name}) for index, sheet in enumerate(sheets)
        ]
        # The first sheet that has a recognisable header.
        chosen = self.sheet_ids[:1]
        for record, sheet in zip(self.sheet_ids, sheets, strict=True):
            try:
                tcol.find_header(sheet.rows())
            except tr.TrackerTooLarge as error:
                raise UserError(
                    _("Sheet '%(sheet)s': %(error)s", sheet=sheet.name, error=self._text(error))
                ) from None
            except tr.TrackerError:
                continue
            chosen = record
            break
        self.sheet_id = chosen
        return self.action_load_sheet()

    def action_load_sheet(self):
        """(Re)detect the header and the columns of the chosen sheet, then preview."""
        self._input_check_ids()
        self.ensure_one()
        sheet = self._sheet()
        with self._reading(sheet):
            top = list(itertools.islice(sheet.rows(), tcol.HEADER_SCAN_ROWS + 1))
        if not any(any(not tc.is_empty(cell) for cell in row) for row in top):
            raise UserError(_("Sheet '%s' is empty.", sheet.name))
        rows = iter(top)
        try:
            header_index, header = tcol.find_header(rows)
        except tr.TrackerError as error:
            raise UserError(
                _("Sheet '%(sheet)s': %(error)s", sheet=sheet.name, error=self._text(error))
            ) from None
        samples = next(rows, None) or []
        self.column_ids.unlink()
        self.stage_line_ids.unlink()
        self.header_row = header_index + 1
        self.column_ids = [
            (
                0,
                0,
                {
                    "index": index,
                    "header": tc.as_text(cell) or _("(column %s)", index + 1),
                    "target": tcol.match_header(cell),
                    "sample": tc.as_text(samples[index])[:80] if index < len(samples) else "",
                },
            )
            for index, cell in enumerate(header)
            if not tc.is_empty(cell) or (index < len(samples) and not tc.is_empty(samples[index]))
        ]
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
        skipped = self.analysis_skip if self.analysis_key == self._analysis_key() else None
        if skipped is None:
            analysis = self._analyse()
            self._show(analysis)
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
            "mapping": {str(index): key for index, key in self._mapping().items()},
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
        leads, log_count = self._import_now(config)
        self.write(
            {
                "state": "done",
                "lead_ids": [(6, 0, leads.ids)],
                "log_create_count": log_count,
                "message": _(
                    "%(leads)s leads imported, %(skipped)s rows with errors left out.",
                    leads=len(leads),
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

    # ------------------------------------------------------------
    # Reading
    # ------------------------------------------------------------

    def _open_sheets(self):
        if not self.file:
            raise UserError(_("Tracker File: choose an .xls, .xlsx or .csv file."))
        try:
            return tr.open_sheets(base64.b64decode(self.file), self.filename or "")
        except tr.TrackerError as error:
            raise UserError(_("Tracker File: %s", self._text(error))) from None

    def _sheet(self):
        sheets = self._open_sheets()
        index = self.sheet_id.index if self.sheet_id else 0
        if index >= len(sheets):
            raise UserError(_("Sheet: the file has no sheet number %s.", index + 1))
        return sheets[index]

    def _text(self, message):
        """A message of the tools (a lazy translation, or an error carrying one) in the user's
        language."""
        if isinstance(message, Exception):
            message = message.args[0] if message.args else str(message)
        if isinstance(message, LazyGettext):
            return self.env._(message)
        return str(message)

    def _column_labels(self):
        """{column key: label} in the user's language: the choices of "Imported As"."""
        field = self.env["sales.followup.import.column"]._fields["target"]
        return dict(field._description_selection(self.env))

    def _mapping(self):
        """{column index: column key} of the mapped columns."""
        mapping = {column.index: column.target for column in self.column_ids if column.target}
        if not (trows.CUSTOMER_KEYS & set(mapping.values())):
            raise UserError(
                _("Columns: map at least one column to Customer or Contact to import leads.")
            )
        return mapping

    def _data_rows(self):
        """(row number as Excel shows it, cells) after the header, empty rows left out."""
        sheet = self._sheet()
        with self._reading(sheet):
            rows = sheet.rows()
            for _index in range(self.header_row or 1):
                next(rows, None)
            for number, row in enumerate(rows, start=(self.header_row or 1) + 1):
                if any(not tc.is_empty(cell) for cell in row):
                    yield number, row

    @contextmanager
    def _reading(self, sheet):
        """What the reader refuses while rows are read, as a message for the user."""
        try:
            yield
        except tr.TrackerError as error:
            raise UserError(
                _("Sheet '%(sheet)s': %(error)s", sheet=sheet.name, error=self._text(error))
            ) from None

    def _parsed_rows(self):
        """(row number, cells, TrackerRow or None, problems) of each data row, streamed."""
        mapping = self._mapping()
        today = fields.Date.context_today(self)
        for number, row in self._data_rows():
            cells = {
                key: row[index] if index < len(row) else None for index, key in mapping.items()
            }
            parsed, problems = trows.parse_row(number, cells, today)
            yield number, row, parsed, problems

    # ------------------------------------------------------------
    # Analysis: what the rows would give, and what is wrong with them
    # ------------------------------------------------------------

    def _analyse(self):
        """One pass over the sheet, keeping per lead only a digest (trows.LeadDigest) and the
        first leads in full for the preview; then the names the rows use are looked up."""
        problems, raw_rows, digests, previews = [], {}, {}, {}
        row_count = 0
        for number, row, parsed, row_problems in self._parsed_rows():
            row_count += 1
            problems.extend(row_problems)
            if any(problem.level == "error" for problem in row_problems):
                raw_rows[number] = row
            if parsed is None:
                continue
            digest = digests.get(parsed.key)
            if digest is None:
                digests[parsed.key] = trows.LeadDigest.from_row(parsed)
                if len(previews) < PREVIEW_LEADS:
                    previews[parsed.key] = trows.LeadPlan(parsed)
            else:
                clash = digest.add(parsed)
                if clash:
                    problems.append(clash)
                    raw_rows[number] = row
                    digest.error = True
                    continue
                if parsed.key in previews:
                    previews[parsed.key].add(parsed)
        for digest in digests.values():
            problems.extend(digest.date_problems())
        problems.extend(self._name_problems(digests))
        error_rows = {problem.row for problem in problems if problem.level == "error"}
        # A lead with an error in any of its rows is left out whole: nothing half-imported.
        for digest in digests.values():
            if error_rows.intersection(digest.rows):
                digest.error = True
        return {
            "rows": row_count,
            "digests": digests,
            "previews": previews,
            "problems": sorted(problems, key=lambda problem: problem.row),
            "error_rows": error_rows,
            "error_keys": {key for key, digest in digests.items() if digest.error},
            "raw_rows": raw_rows,
        }

    def _name_problems(self, digests):
        """Problems with the names the rows use: salespeople, stages. Refreshes the stage
        mapping with the stage values found."""
        loader = self.env["sales.followup.import.loader"]
        problems = []
        users = loader._user_index()
        for digest in digests.values():
            for column, name in (
                ("salesperson", digest.salesperson),
                ("followup_user", digest.followup_user),
            ):
                found = loader._resolve_user(users, name)
                if found == AMBIGUOUS:
                    problems.append(
                        trows.Problem(
                            digest.rows[0],
                            column,
                            name,
                            _("several users have this name: write the login instead"),
                        )
                    )
                elif name and found is None and column == "salesperson":
                    problems.append(
                        trows.Problem(
                            digest.rows[0],
                            column,
                            name,
                            _("no user with this name or login: the lead is imported unassigned")
                            if not self.assign_user_id
                            else _(
                                "no user with this name or login: the lead goes to %s",
                                self.assign_user_id.name,
                            ),
                            "warning",
                        )
                    )
        stage_rows = defaultdict(list)
        for digest in digests.values():
            if digest.stage:
                stage_rows[digest.stage].extend(digest.rows[:1])
        lines = self._sync_stage_lines({value: len(rows) for value, rows in stage_rows.items()})
        for line in lines:
            if line.stage_id or line.create_stage:
                continue
            message = (
                _("this stage matches several stages: choose one in the Stage Mapping tab")
                if line.match == "ambiguous"
                else _("unknown stage: map it to a stage or tick Create in the Stage Mapping tab")
            )
            problems.extend(
                trows.Problem(row, "stage", line.value, message) for row in stage_rows[line.value]
            )
        return problems

    def _sync_stage_lines(self, counts):
        """The stage mapping: one line per stage value of the file, matched by name in any
        language or by the stages' tracker names; what the user chose is kept."""
        lines = {line.value: line for line in self.stage_line_ids}
        (
            self.stage_line_ids - self.stage_line_ids.filtered(lambda line: line.value in counts)
        ).unlink()
        new_values = [value for value in counts if value not in lines]
        matches = self.env["sales.followup.import.loader"]._match_stages(
            new_values, self.team_id.id
        )
        create = []
        for value in new_values:
            stage_ids = matches[value]
            create.append(
                {
                    "wizard_id": self.id,
                    "value": value,
                    "row_count": counts[value],
                    "stage_id": stage_ids[0] if len(stage_ids) == 1 else False,
                    "match": "found"
                    if len(stage_ids) == 1
                    else ("ambiguous" if stage_ids else "unknown"),
                }
            )
        self.env["sales.followup.import.stage"].create(create)
        for value, line in lines.items():
            if value in counts:
                line.row_count = counts[value]
        return self.stage_line_ids.sorted("value")

    def _loader_options(self):
        """What the loader needs besides the rows: the stage of each stage value (stages the
        user asked for are created now), the default salesperson, the team."""
        to_create = self.stage_line_ids.filtered(
            lambda line: line.create_stage and not line.stage_id
        )
        created = self.env["sales.followup.import.loader"]._create_stages(
            to_create.mapped("value"), self.team_id.id
        )
        for line in to_create:
            line.stage_id = created[line.value]
        return {
            "stage_map": {
                line.value: line.stage_id.id for line in self.stage_line_ids if line.stage_id
            },
            "assign_user_id": self.assign_user_id.id or False,
            "team_id": self.team_id.id or False,
        }

    def _analysis_key(self):
        """What the preview depends on: the file, the sheet, the mappings, the choices, the
        day. The same key at import: the preview's analysis still holds."""
        digest = hashlib.sha256()
        for part in (
            self.file or b"",
            repr(
                (
                    self.sheet_id.index,
                    self.header_row,
                    sorted((c.index, c.target or "") for c in self.column_ids),
                    sorted(
                        (line.value, line.stage_id.id, line.create_stage)
                        for line in self.stage_line_ids
                    ),
                    self.assign_user_id.id,
                    self.team_id.id,
                    str(fields.Date.context_today(self)),
                )
            ).encode(),
        ):
            digest.update(part if isinstance(part, bytes) else part.encode())
        return digest.hexdigest()

    def _show(self, analysis):
        """Preview figures and the first leads as they will be imported."""
        loader = self.env["sales.followup.import.loader"]
        digests = [digest for digest in analysis["digests"].values() if not digest.error]
        existing = loader._match_existing(digests)
        names = {d.partner_name for d in digests if d.partner_name and d.key not in existing}
        known_partners = (
            set(
                self.env["res.partner"]
                .search([("name", "in", list(names)), ("is_company", "=", True)])
                .mapped("name")
            )
            if names
            else set()
        )
        known = loader._known_contacts(self.env["crm.lead"].union(*existing.values()))
        log_count = sum(
            len(digest.signatures - known[existing[digest.key].id])
            if digest.key in existing
            else len(digest.signatures)
            for digest in digests
        )
        today = fields.Date.context_today(self)
        moved = sum(
            1
            for digest in digests
            if digest.status not in ("converted", "lost", "dormant")
            and digest.next_date
            and digest.next_date < today
        )
        users = loader._user_index()
        unassigned = (
            0
            if self.assign_user_id
            else sum(
                1
                for digest in digests
                if not isinstance(loader._resolve_user(users, digest.salesperson), int)
                and not isinstance(loader._resolve_user(users, digest.followup_user), int)
                and not (digest.key in existing and existing[digest.key].user_id)
            )
        )
        reasons = loader._match_names(
            "crm.lost.reason",
            {d.lost_reason for d in digests if d.status == "lost" and d.lost_reason},
        )
        sources = loader._match_names("utm.source", {d.source for d in digests})
        industries = loader._match_names(
            "res.partner.industry", {d.industry for d in digests if d.key not in existing}
        )
        labels = self._column_labels()
        errors = [
            (
                0,
                0,
                {
                    "row": problem.row,
                    "column": labels.get(problem.column, problem.column),
                    "value": problem.value,
                    "message": self._text(problem.message),
                    "level": problem.level,
                },
            )
            for problem in analysis["problems"][:MAX_PROBLEMS]
        ]
        self.error_ids.unlink()
        self.write(
            {
                "analysis_key": self._analysis_key(),
                "analysis_skip": {
                    "rows": sorted(analysis["error_rows"]),
                    "keys": [list(key) for key in analysis["error_keys"]],
                },
                "row_count": analysis["rows"],
                "lead_create_count": len(digests) - len(existing),
                "lead_update_count": len(existing),
                "partner_create_count": len(names - known_partners),
                "log_create_count": log_count,
                "moved_count": moved,
                "unassigned_count": unassigned,
                "reasons_to_create": _missing(reasons),
                "sources_to_create": _missing(sources),
                "industries_to_create": _missing(industries),
                "error_count": len(analysis["error_rows"]),
                "error_ids": errors,
                "error_file": self._error_file(analysis),
                "error_filename": f"{(self.filename or 'tracker').rsplit('.', 1)[0]}_errors.csv"
                if analysis["error_rows"]
                else False,
                "preview_html": self._preview_html(analysis["previews"].values(), today, existing),
            }
        )

    def _preview_html(self, plans, today, existing):
        """The first leads as they will be imported (the loader's own values); ``existing``:
        {lead key: the lead a row updates}."""
        loader = self.env["sales.followup.import.loader"]
        users = loader._user_index()
        stages = {line.value: line for line in self.stage_line_ids}
        status_labels = dict(
            self.env["crm.lead"]._fields["followup_status"]._description_selection(self.env)
        )
        methods = dict(
            self.env["sales.followup.log"]._fields["method"]._description_selection(self.env)
        )
        leads = []
        for plan in plans:
            user_id = (
                loader._resolve_user(users, plan.salesperson)
                or loader._resolve_user(users, plan.followup_user)
                or self.assign_user_id.id
            )
            user = self.env["res.users"].browse(user_id if isinstance(user_id, int) else [])
            if not user and plan.key in existing:
                user = existing[plan.key].user_id  # an update keeps the lead's salesperson
            line = stages.get(plan.stage)
            status = plan.import_status
            if not plan.status and line and line.stage_id.is_won:
                status = "converted"
            closed = status in ("converted", "lost")
            if status == "converted" and user:
                next_text = _("after-sale revisit, spread over the rhythm")
            elif closed or status == "dormant" or not user:
                next_text = "–"
            elif plan.next_date and plan.next_date >= today:
                next_text = fields.Date.to_string(plan.next_date)
            else:
                next_text = _("spread over the grade's rhythm")
            leads.append(
                {
                    "title": plan.lead_title,
                    "customer": plan.partner_name or plan.contact,
                    "stage": (line.stage_id.name if line and line.stage_id else plan.stage) or "–",
                    "status": status_labels.get(status, status),
                    "lead_date": plan.lead_date,
                    "closing_date": plan.closing_date if closed else None,
                    "next": next_text,
                    "user": user.name or _("Unassigned"),
                    "logs": [
                        {
                            "date": contact.date,
                            "method": methods.get(contact.method, contact.method),
                            "summary": contact.summary[:80],
                        }
                        for contact in plan.sorted_contacts()
                    ],
                }
            )
        return self.env["ir.qweb"]._render(
            "sales_followup.import_preview", {"leads": leads, "currency": self.currency_id}
        )

    def _error_file(self, analysis):
        """The rows left out, as they were, plus what is wrong: to fix and import again (all
        the rows of a lead left out, so that the fixed file brings the whole lead). Cells that
        a spreadsheet would run as formulas are written as text."""
        if not analysis["error_rows"]:
            return False
        wanted = set(analysis["error_rows"])
        for digest in analysis["digests"].values():
            if digest.error:
                wanted.update(digest.rows)
        raw_rows = {number: row for number, row in analysis["raw_rows"].items() if number in wanted}
        if wanted - raw_rows.keys():
            for number, row in self._data_rows():
                if number in wanted:
                    raw_rows[number] = row
        labels = self._column_labels()
        messages = defaultdict(list)
        for problem in analysis["problems"]:
            if problem.level == "error":
                messages[problem.row].append(
                    _(
                        "%(column)s: %(problem)s",
                        column=labels.get(problem.column, problem.column),
                        problem=self._text(problem.message),
                    )
                )
        headers = {column.index: column.header for column in self.column_ids}
        width = max([len(row) for row in raw_rows.values()] + [max(headers, default=0) + 1])
        output = io.StringIO()
        writer = csv.writer(output)
        safe = tc.csv_safe
        writer.writerow([_("Row"), *[safe(headers.get(i, "")) for i in range(width)], _("Errors")])
        for number in sorted(raw_rows):
            row = list(raw_rows[number]) + [None] * width
            writer.writerow(
                [
                    number,
                    *[safe(tc.as_text(cell)) for cell in row[:width]],
                    safe("; ".join(messages[number])),
                ]
            )
        return base64.b64encode(output.getvalue().encode("utf-8-sig"))

    # ------------------------------------------------------------
    # Importing now (small files)
    # ------------------------------------------------------------

    def _import_now(self, config):
        """Build the leads again from the rows and write them chunk by chunk, flushing and
        emptying the caches in between. Rows of one lead in different chunks meet again through
        the re-import matching (the lead written by an earlier chunk is found)."""
        skip_rows = set(config["skip_rows"])
        skip_keys = {tuple(key) for key in config["skip_keys"]}
        loader = self.env["sales.followup.import.loader"]
        imported, log_count = [], 0
        chunk = {}

        def write_chunk():
            nonlocal log_count
            leads, logs = loader._import_plans(list(chunk.values()), config["options"])
            imported.extend(leads.ids)
            log_count += logs
            self.env.flush_all()
            self.env.invalidate_all()
            chunk.clear()

        for number, _row, parsed, _problems in self._parsed_rows():
            if parsed is None or number in skip_rows or parsed.key in skip_keys:
                continue
            plan = chunk.get(parsed.key)
            if plan:
                plan.add(parsed)
                continue
            if len(chunk) >= CREATE_BATCH:
                write_chunk()
            chunk[parsed.key] = trows.LeadPlan(parsed)
        if chunk:
            write_chunk()
        return self.env["crm.lead"].browse(list(dict.fromkeys(imported))), log_count


def _missing(matches):
    """The names a match left without a record, for the preview to list (False: none)."""
    return ", ".join(sorted(name for name, record_id in matches.items() if not record_id)) or False
