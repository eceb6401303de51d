import base64
import json
import logging

from markupsafe import Markup

from odoo import _, api, fields, models
from odoo.tools import SQL

from ..compat import cron_progress
from ..tools import tracker_reader as tr
from ..tools import tracker_rows as rows_tools

_logger = logging.getLogger(__name__)

# Rows read from the staging table and written per call of the cron: each call is one
# transaction, committed by the cron runner before the next one.
CHUNK_ROWS = 1000
# Rows staged per INSERT.
STAGE_BATCH = 2000


class SalesFollowupImportJob(models.Model):
    """A large tracker imported in the background by the cron "Sales Follow-up: tracker
    imports", with Odoo's cron progress API.

    The first call reads the file once into staged rows (sales.followup.import.job.row); each
    next call imports the next rows and records how far it got, in the same transaction as the
    leads it wrote: a worker stopped in the middle loses that chunk only, and the next run goes
    on from the last committed row — nothing is imported twice. The person who started it is
    told when it is done (Odoo inbox, or e-mail by their preference).
    """

    _name = "sales.followup.import.job"
    _description = "Follow-up Tracker Import Job"
    _inherit = ["sales.followup.input.guard", "mail.thread"]
    _input_strict_texts = False
    _order = "id desc"

    name = fields.Char(string="File", required=True, readonly=True)
    user_id = fields.Many2one(
        "res.users", string="Started By", required=True, readonly=True, index=True
    )
    company_id = fields.Many2one("res.company", required=True, readonly=True)
    state = fields.Selection(
        [
            ("queued", "Waiting"),
            ("importing", "Importing"),
            ("done", "Done"),
            ("failed", "Failed"),
        ],
        default="queued",
        required=True,
        readonly=True,
        tracking=True,
    )
    file = fields.Binary(string="Tracker File", attachment=True, readonly=True)
    sheet_index = fields.Integer(readonly=True)
    header_row = fields.Integer(readonly=True, help="Row number of the header, as Excel shows it.")
    config = fields.Json(
        readonly=True,
        help="Technical: the column mapping, the loader options and the rows left out.",
    )
    row_count = fields.Integer(string="Rows", readonly=True)
    rows_done = fields.Integer(string="Rows Imported", readonly=True)
    position = fields.Integer(
        readonly=True, help="Technical: the last row number imported (as Excel shows it)."
    )
    lead_count = fields.Integer(string="Leads", readonly=True)
    log_count = fields.Integer(string="Follow-up Logs", readonly=True)
    progress = fields.Float(compute="_compute_progress", help="Share of the rows imported, in %.")
    message = fields.Text(readonly=True)
    date_done = fields.Datetime(string="Finished On", readonly=True)
    lead_ids = fields.Many2many("crm.lead", string="Imported Leads", readonly=True)

    @api.depends("rows_done", "row_count", "state")
    def _compute_progress(self):
        for job in self:
            if job.state == "done":
                job.progress = 100.0
            else:
                job.progress = 100.0 * job.rows_done / job.row_count if job.row_count else 0.0

    # ------------------------------------------------------------
    # Starting
    # ------------------------------------------------------------

    @api.model
    def _start(self, wizard, config):
        """A job for the wizard's file and settings; the cron picks it up at once."""
        job = self.create(
            {
                "name": wizard.filename or _("Tracker"),
                "user_id": self.env.uid,
                "company_id": self.env.company.id,
                "file": wizard.file,
                "sheet_index": wizard.sheet_id.index if wizard.sheet_id else 0,
                "header_row": wizard.header_row or 1,
                "config": config,
                "row_count": wizard.row_count,
            }
        )
        self.env.ref("sales_followup.ir_cron_followup_import").sudo()._trigger()
        return job

    def action_open_leads(self):
        self._input_check_ids()
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("crm.crm_lead_opportunities")
        action.update(
            {
                "domain": [("id", "in", self.with_context(active_test=False).lead_ids.ids)],
                "context": {"active_test": False},
                "name": _("Imported Leads"),
            }
        )
        return action

    # ------------------------------------------------------------
    # Cron
    # ------------------------------------------------------------

    @api.model
    def _cron_process(self):
        """One step of the oldest unfinished job: read its file, or import its next rows."""
        job = self.search([("state", "in", ("queued", "importing"))], order="id", limit=1)
        if not job:
            return
        user = job.user_id
        job = job.with_user(user).with_company(job.company_id).with_context(lang=user.lang)
        try:
            with self.env.cr.savepoint():
                if job.state == "queued":
                    job.sudo()._stage_rows()
                else:
                    job._import_next_chunk()
        except Exception as error:  # noqa: BLE001 - any failure stops this job, not the cron
            _logger.exception("Tracker import job %s failed", job.id)
            job._finish(
                "failed", _("The import stopped: %(error)s", error=str(error) or repr(error))
            )
        self._report_progress(job)

    @api.model
    def _report_progress(self, job):
        self.env.cr.execute(
            "SELECT COALESCE(SUM(GREATEST(row_count - rows_done, 0)), 0) "
            "FROM sales_followup_import_job WHERE state IN ('queued', 'importing')"
        )
        remaining = self.env.cr.fetchone()[0]
        cron_progress(
            self.env, max(job.rows_done, 1) if remaining else job.rows_done, remaining=remaining
        )

    def _stage_rows(self):
        """Read the file once into staged rows (their cells as JSON), in one transaction."""
        self.ensure_one()
        self.env.cr.execute(
            "DELETE FROM sales_followup_import_job_row WHERE job_id = %s", [self.id]
        )
        sheets = tr.open_sheets(base64.b64decode(self.file), self.name)
        batch, count = [], 0
        for number, row in rows_tools.data_rows(sheets[self.sheet_index].rows(), self.header_row):
            batch.append(SQL("(%s, %s, %s)", self.id, number, json.dumps(tr.cells_to_json(row))))
            count += 1
            if len(batch) >= STAGE_BATCH:
                self._insert_staged(batch)
                batch = []
        if batch:
            self._insert_staged(batch)
        self.write({"state": "importing", "row_count": count, "file": False})

    def _insert_staged(self, values):
        self.env.cr.execute(
            SQL(
                "INSERT INTO sales_followup_import_job_row (job_id, number, cells) VALUES %s",
                SQL(", ").join(values),
            )
        )

    def _import_next_chunk(self):
        """Import the rows after the last one imported; the job's position moves in the same
        transaction as the leads written."""
        self.ensure_one()
        self.env.cr.execute(
            "SELECT number, cells FROM sales_followup_import_job_row "
            "WHERE job_id = %s AND number > %s ORDER BY number LIMIT %s",
            [self.id, self.position, CHUNK_ROWS],
        )
        staged = self.env.cr.fetchall()
        if not staged:
            self._finish("done")
            return
        rows = ((number, tr.cells_from_json(cells)) for number, cells in staged)
        lead_ids, log_count = self._import_rows(rows, self.config or {}, self.company_id)
        last = staged[-1][0]
        self.env.cr.execute(
            "DELETE FROM sales_followup_import_job_row WHERE job_id = %s AND number <= %s",
            [self.id, last],
        )
        self.sudo().write(
            {
                "position": last,
                "rows_done": self.rows_done + len(staged),
                "log_count": self.log_count + log_count,
            }
        )
        # Straight into the relation: adding through the ORM reads the field's whole current
        # value first, which grows with every chunk.
        field = self._fields["lead_ids"]
        self.env.cr.execute(
            SQL(
                "INSERT INTO %s (%s, %s) SELECT %s, unnest(%s::int[]) ON CONFLICT DO NOTHING",
                SQL.identifier(field.relation),
                SQL.identifier(field.column1),
                SQL.identifier(field.column2),
                self.id,
                lead_ids,
            )
        )
        self.invalidate_recordset(["lead_ids"])
        self.env.flush_all()
        self.env.invalidate_all()

    @api.model
    def _import_rows(self, rows, config, company, chunk_size=None):
        """Import ``rows`` ((row number, cells) of the rows below the header) as ``config``
        says (the mapping, the loader options, the rows and leads left out), the same in a
        request (the wizard, small files) and in each chunk of a job: the leads are built by
        tools.tracker_rows.iter_plans, in lists of ``chunk_size`` leads (None: all at once),
        each written by the loader in one go; with ``chunk_size``, the caches are flushed and
        emptied after each list. ``company``: whose word list reads the contacts.

        :return: (ids of the leads written, number of logs written)
        """
        loader = self.env["sales.followup.import.loader"]
        words = self.env["sales.followup.word"]._tracker_words(company)
        today = fields.Date.context_today(self)
        lead_ids, log_count = [], 0
        for plans in rows_tools.iter_plans(rows, config, today, words=words, chunk_size=chunk_size):
            leads, logs = loader._import_plans(plans, config.get("options", {}))
            lead_ids.extend(leads.ids)
            log_count += logs
            if chunk_size:
                self.env.flush_all()
                self.env.invalidate_all()
        return list(dict.fromkeys(lead_ids)), log_count

    def _finish(self, state, message=False):
        """Close the job and tell the person who started it (in their inbox, or by e-mail by
        their preference, and at once on screen). Written as the superuser: managers only read
        their jobs."""
        self.ensure_one()
        job = self.sudo()
        self.env.cr.execute("DELETE FROM sales_followup_import_job_row WHERE job_id = %s", [job.id])
        job.lead_count = len(job.with_context(active_test=False).lead_ids)  # lost ones too
        job.write(
            {
                "state": state,
                "message": message
                or _(
                    "%(leads)s leads and %(logs)s follow-up logs imported from %(rows)s rows.",
                    leads=job.lead_count,
                    logs=job.log_count,
                    rows=job.rows_done,
                ),
                "date_done": fields.Datetime.now(),
                "file": False,
            }
        )
        states = dict(self._fields["state"]._description_selection(self.env))
        job.message_notify(
            partner_ids=job.user_id.partner_id.ids,
            subject=_("Tracker import %(file)s: %(state)s", file=job.name, state=states[state]),
            body=Markup("<p>%s</p>") % job.message,
        )
        self.env["bus.bus"]._sendone(
            job.user_id.partner_id,
            "simple_notification",
            {
                "type": "success" if state == "done" else "danger",
                "title": _("Tracker import"),
                "message": job.message,
            },
        )
