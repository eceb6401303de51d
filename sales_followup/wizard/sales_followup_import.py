import base64
import csv
import datetime
import io
import itertools
import re
from collections import defaultdict

from dateutil.relativedelta import relativedelta

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools.translate import LazyGettext

from ..tools import tracker_parser as tp

# Lead values compared when two rows describe the same lead.
CONFLICT_KEYS = ("status", "amount", "salesperson", "grade", "source")
# Leads written per chunk: the import flushes and empties the caches after each one.
CREATE_BATCH = 500


class SalesFollowupImport(models.TransientModel):
    """Import a follow-up tracker spreadsheet into leads and structured follow-up logs.

    upload -> preview (nothing written; counts and a table of problems) -> import (one
    transaction: every row, or with "skip rows with errors" every row without an error).
    """

    _name = "sales.followup.import"
    _description = "Import a Follow-up Tracker"

    state = fields.Selection(
        [("upload", "Upload"), ("preview", "Preview"), ("done", "Imported")],
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
    skip_errors = fields.Boolean(
        string="Skip rows with errors",
        help="Import the rows that can be read and leave the others out. When unchecked, a "
        "single error stops the whole import and nothing is written.",
    )
    # Preview
    row_count = fields.Integer(string="Rows", readonly=True)
    lead_create_count = fields.Integer(string="Leads to Create", readonly=True)
    lead_update_count = fields.Integer(string="Leads to Update", readonly=True)
    partner_create_count = fields.Integer(string="Customers to Create", readonly=True)
    log_create_count = fields.Integer(string="Follow-up Logs to Create", readonly=True)
    error_count = fields.Integer(string="Rows with Errors", readonly=True)
    error_ids = fields.One2many("sales.followup.import.error", "wizard_id", string="Problems")
    message = fields.Char(readonly=True)
    # Result
    lead_ids = fields.Many2many("crm.lead", string="Imported Leads", readonly=True)
    error_file = fields.Binary(string="Rows with Errors (CSV)", readonly=True, attachment=False)
    error_filename = fields.Char(readonly=True)

    @api.depends("sheet_ids")
    def _compute_several_sheets(self):
        for wizard in self:
            wizard.several_sheets = len(wizard.sheet_ids) > 1

    # ------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------

    def action_load(self):
        """Read the file: list its sheets, find the header, recognise the columns, preview."""
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
                tp.find_header(sheet.rows())
            except tp.TrackerError:
                continue
            chosen = record
            break
        self.sheet_id = chosen
        return self.action_load_sheet()

    def action_load_sheet(self):
        """(Re)detect the header and the columns of the chosen sheet, then preview."""
        self.ensure_one()
        sheet = self._sheet()
        top = list(itertools.islice(sheet.rows(), tp.HEADER_SCAN_ROWS + 1))
        if not any(any(not tp.is_empty(cell) for cell in row) for row in top):
            raise UserError(_("Sheet '%s' is empty.", sheet.name))
        rows = iter(top)
        try:
            header_index, header = tp.find_header(rows)
        except tp.TrackerError as error:
            raise UserError(
                _("Sheet '%(sheet)s': %(error)s", sheet=sheet.name, error=self._error_text(error))
            ) from None
        samples = next(rows, None) or []
        self.column_ids.unlink()
        self.header_row = header_index + 1
        self.column_ids = [
            (
                0,
                0,
                {
                    "index": index,
                    "header": tp.as_text(cell) or _("(column %s)", index + 1),
                    "target": tp.match_header(cell),
                    "sample": tp.as_text(samples[index])[:80] if index < len(samples) else "",
                },
            )
            for index, cell in enumerate(header)
            if not tp.is_empty(cell) or (index < len(samples) and not tp.is_empty(samples[index]))
        ]
        return self.action_preview()

    def action_preview(self):
        """Dry run: count what the import would create and list the problems. Nothing is
        written."""
        self.ensure_one()
        plan = self._analyse()
        self._show_plan(plan)
        self.write({"state": "preview", "message": False})
        return self._reopen()

    def action_import(self):
        self.ensure_one()
        summary = self._analyse()
        self._show_plan(summary)
        if summary["error_rows"] and not self.skip_errors:
            self.state = "preview"
            self.message = _(
                "%s rows have errors: nothing was imported. Fix them in the file (download the "
                "rows with errors below), or tick 'Skip rows with errors'.",
                len(summary["error_rows"]),
            )
            return self._reopen()
        leads = self._execute(summary)
        self.write(
            {
                "state": "done",
                "lead_ids": [(6, 0, leads.ids)],
                "message": _(
                    "%(leads)s leads imported, %(skipped)s rows with errors left out.",
                    leads=len(leads),
                    skipped=len(summary["error_rows"]),
                ),
            }
        )
        return self._reopen()

    def action_open_leads(self):
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
        }

    # ------------------------------------------------------------
    # Reading
    # ------------------------------------------------------------

    def _open_sheets(self):
        if not self.file:
            raise UserError(_("Tracker File: choose an .xls, .xlsx or .csv file."))
        try:
            return tp.open_sheets(base64.b64decode(self.file), self.filename or "")
        except tp.TrackerError as error:
            raise UserError(_("Tracker File: %s", self._error_text(error))) from None

    def _sheet(self):
        sheets = self._open_sheets()
        index = self.sheet_id.index if self.sheet_id else 0
        if index >= len(sheets):
            raise UserError(_("Sheet: the file has no sheet number %s.", index + 1))
        return sheets[index]

    def _error_text(self, error):
        """What a TrackerError or a cell's ValueError says, in the user's language (the reader
        raises lazy translations; other errors are shown as they come)."""
        message = error.args[0] if error.args else None
        if isinstance(message, LazyGettext):
            return self.env._(message)
        return str(error)

    def _column_labels(self):
        """{column key: label} in the user's language: the choices of "Imported As"."""
        field = self.env["sales.followup.import.column"]._fields["target"]
        return dict(field._description_selection(self.env))

    def _data_rows(self):
        """(row number as Excel shows it, cells) after the header, empty rows left out."""
        rows = self._sheet().rows()
        for _index in range(self.header_row or 1):
            next(rows, None)
        for number, row in enumerate(rows, start=(self.header_row or 1) + 1):
            if any(not tp.is_empty(cell) for cell in row):
                yield number, row

    # ------------------------------------------------------------
    # Analysis: rows -> leads to write, and problems
    # ------------------------------------------------------------

    def _parsed_rows(self):
        """(row number, cells, parsed lead or None, problems) for each data row, streamed."""
        mapping = {column.index: column.target for column in self.column_ids if column.target}
        targets = set(mapping.values())
        if not ({"partner_name", "partner_name_industry", "contact", "contact_function"} & targets):
            raise UserError(
                _("Columns: map at least one column to Customer or Contact to import leads.")
            )
        today = fields.Date.context_today(self)
        labels = self._column_labels()
        for number, row in self._data_rows():
            cells = {
                target: row[index] if index < len(row) else None
                for index, target in mapping.items()
            }
            parsed, problems = self._parse_row(number, cells, today, labels)
            yield number, row, parsed, problems

    def _analyse(self):
        """First pass over the sheet: problems, and per lead only what the preview and the
        checks need (its rows, the values compared between its rows, fingerprints of its
        contacts). The leads themselves are built again, chunk by chunk, when importing, so
        memory does not grow with the whole file."""
        problems, raw_rows, keys = [], {}, {}
        row_count = 0
        labels = self._column_labels()
        for number, row, parsed, row_problems in self._parsed_rows():
            row_count += 1
            problems.extend(row_problems)
            row_error = any(level == "error" for *_rest, level in row_problems)
            if row_error:
                raw_rows[number] = row
            if parsed is None:
                continue
            info = keys.get(parsed["key"])
            if info is None:
                info = keys[parsed["key"]] = {
                    "key": parsed["key"],
                    "rows": [number],
                    "code": parsed["code"],
                    "partner_name": parsed["partner_name"],
                    "contact": parsed["contact"],
                    "error": False,
                    "contacts": set(),
                    **{field: parsed[field] for field in CONFLICT_KEYS},
                }
            else:
                conflict = self._conflict(info, parsed, labels)
                if conflict:
                    problems.append((number, *conflict, "error"))
                    raw_rows[number] = row
                    info["error"] = True
                    continue
                info["rows"].append(number)
                for field in CONFLICT_KEYS:
                    if info[field] is None:
                        info[field] = parsed[field]
            info["contacts"].update(
                (contact["date"], contact["summary"].strip()) for contact in parsed["contacts"]
            )
            info["error"] = info["error"] or row_error
        users = self._user_map()
        for info in keys.values():
            name = info["salesperson"]
            if name and name.lower() not in users:
                problems.append(
                    (
                        info["rows"][0],
                        labels["salesperson"],
                        name,
                        _("no user with this name or login: the lead is imported unassigned"),
                        "warning",
                    )
                )
        return {
            "rows": row_count,
            "keys": keys,
            "problems": problems,
            "error_rows": {row for row, *_rest, level in problems if level == "error"},
            "raw_rows": raw_rows,
        }

    def _parse_row(self, number, cells, today, labels):
        """(parsed lead or None, problems) of one row; ``labels``: the columns' labels."""
        problems = []

        def problem(key, value, message, level="error"):
            problems.append((number, labels.get(key, key), tp.as_text(value)[:200], message, level))

        for key, value in cells.items():
            if isinstance(value, tp.FormulaCell):
                problem(
                    key,
                    value.formula,
                    _(
                        "formula without a computed value: open the file "
                        "in Excel, let it calculate, save it and import again"
                    ),
                )
                cells[key] = None
        partner_name = tp.as_text(cells.get("partner_name"))
        industry = tp.as_text(cells.get("industry"))
        if cells.get("partner_name_industry") is not None:
            partner_name, industry = tp.split_parenthesis(cells["partner_name_industry"])
        contact = tp.as_text(cells.get("contact"))
        function = tp.as_text(cells.get("function"))
        if cells.get("contact_function") is not None:
            contact, function = tp.split_parenthesis(cells["contact_function"])
        if not partner_name and not contact:
            problem("partner_name", None, _("no customer name and no contact: cannot make a lead"))
            return None, problems

        def date_of(key, default_year=None):
            try:
                return tp.parse_date(cells.get(key), default_year)
            except ValueError as error:
                problem(key, cells.get(key), self._error_text(error))
                return None

        first_contact = date_of("first_contact")
        followup_date = date_of("followup_date", first_contact and first_contact.year)
        close_date = date_of("close_date", first_contact and first_contact.year)
        next_date = date_of("next_date", first_contact and first_contact.year)
        year = (first_contact or followup_date or close_date or today).year
        try:
            amount, amount_note = tp.parse_amount(cells.get("amount"))
        except ValueError as error:
            problem("amount", cells.get("amount"), self._error_text(error))
            amount, amount_note = None, ""
        if amount_note:
            amount_note = self.env._(amount_note)
        try:
            status = tp.parse_status(cells.get("status"))
        except ValueError as error:
            problem("status", cells.get("status"), self._error_text(error))
            status = None
        try:
            grade = tp.parse_grade(cells.get("grade"))
        except ValueError as error:
            problem("grade", cells.get("grade"), self._error_text(error))
            grade = None

        contacts = []
        record = tp.as_text(cells.get("followup_record"))
        try:
            pieces = tp.split_followup_record(record, year, first_contact)
        except ValueError as error:
            problem("followup_record", record, self._error_text(error))
            pieces = []
        row_method = (
            tp.parse_method(tp.as_text(cells.get("method"))) if cells.get("method") else None
        )
        for day, method, summary, answered in pieces:
            day = day or followup_date or first_contact
            if day is None:
                problem(
                    "followup_record",
                    summary,
                    _(
                        "this contact has no date, and the row gives "
                        "neither a follow-up nor a first-contact date"
                    ),
                )
                continue
            if day > today:
                problem("followup_record", summary, _("contact dated %s, in the future", day))
                continue
            contacts.append(
                {
                    "date": day,
                    "method": row_method if len(pieces) == 1 and row_method else method,
                    "summary": summary,
                    "responded": answered,
                }
            )
        if contacts:
            feedback = tp.as_text(cells.get("feedback"))
            if feedback:
                contacts[-1]["customer_words"] = feedback
                contacts[-1]["responded"] = contacts[-1]["responded"] and tp.responded(feedback)
            if cells.get("next_action") is not None:
                contacts[-1]["next_action"] = tp.as_text(cells.get("next_action"))[:250]
        if first_contact and first_contact > today:
            problem("first_contact", cells.get("first_contact"), _("first contact in the future"))

        code = tp.as_text(cells.get("code"))
        phone = tp.as_text(cells.get("phone"))
        key = (
            ("code", code) if code else ("name", partner_name or contact, re.sub(r"\D", "", phone))
        )
        description = "\n".join(
            text
            for text in (
                tp.as_text(cells.get("need")),
                amount_note,
                tp.as_text(cells.get("notes")),
                record if not contacts and record else "",
            )
            if text
        )
        return (
            {
                "key": key,
                "code": code,
                "partner_name": partner_name,
                "industry": industry,
                "contact": contact,
                "function": function,
                "phone": phone,
                "email": tp.as_text(cells.get("email")),
                "address": tp.as_text(cells.get("address")),
                "need": tp.as_text(cells.get("need")),
                "description": description,
                "status": status,
                "grade": grade,
                "amount": amount,
                "close_date": close_date,
                "next_date": next_date,
                "next_action": tp.as_text(cells.get("next_action")),
                "source": tp.as_text(cells.get("source")),
                "salesperson": tp.as_text(cells.get("salesperson")),
                "stage": tp.as_text(cells.get("stage")),
                "lost_reason": tp.as_text(cells.get("lost_reason")),
                "contacts": contacts,
            },
            problems,
        )

    def _conflict(self, first, other, labels):
        """(column, value, message) when two rows of one lead disagree; ``labels``: the
        columns' labels."""
        for field in CONFLICT_KEYS:
            if (
                first[field] is not None
                and other[field] is not None
                and first[field] != other[field]
            ):
                return (
                    labels[field],
                    str(other[field]),
                    _(
                        "same lead as row %(row)s (%(key)s) but %(field)s differs: %(a)s / %(b)s",
                        row=first["rows"][0],
                        key=first["code"] or first["partner_name"],
                        field=labels[field],
                        a=first[field],
                        b=other[field],
                    ),
                )
        return None

    def _resolve(self, leads):
        """Find the records the leads refer to, in a few grouped searches: salespeople,
        existing leads (re-import), customers and existing logs."""
        users = self._user_map()
        for lead in leads:
            name = lead["salesperson"]
            lead["user"] = users.get(name.lower()) if name else None
        existing = self._match_existing(leads)
        for lead in leads:
            lead["existing"] = existing.get(lead["key"])
        companies = {lead["partner_name"] for lead in leads if lead["partner_name"]}
        existing_partners = (
            {
                partner.name: partner
                for partner in self.env["res.partner"].search(
                    [("name", "in", list(companies)), ("is_company", "=", True)]
                )
            }
            if companies
            else {}
        )
        for lead in leads:
            lead["partner"] = existing_partners.get(lead["partner_name"])
        # Logs already there (re-import): same lead, day and text.
        existing_leads = [lead["existing"].id for lead in leads if lead["existing"]]
        known = set()
        if existing_leads:
            for log in self.env["sales.followup.log"].search([("lead_id", "in", existing_leads)]):
                known.add((log.lead_id.id, log.date.date(), log.summary.strip()))
        for lead in leads:
            lead_id = lead["existing"].id if lead["existing"] else None
            fresh, seen = [], set()
            for contact in lead["contacts"]:
                signature = (lead_id, contact["date"], contact["summary"].strip())
                if signature in known or signature in seen:
                    continue
                seen.add(signature)
                fresh.append(contact)
            lead["contacts"] = fresh

    def _user_map(self):
        """Internal users by lower-cased name, login and each word of the name ("王磊 Wang Lei"
        is found as "王磊" and as "Wang Lei" too)."""
        by_name = {}
        for user in self.env["res.users"].search([("share", "=", False)]):
            by_name.setdefault(user.name.strip().lower(), user)
            by_name.setdefault(user.login.strip().lower(), user)
            for part in user.name.split():
                by_name.setdefault(part.strip().lower(), user)
        return by_name

    def _match_existing(self, leads):
        """{lead key: existing lead} by lead code, else by customer name + phone (re-import)."""
        Lead = self.env["crm.lead"].with_context(active_test=False)
        codes = [lead["code"] for lead in leads if lead["code"]]
        by_code = (
            {lead.followup_code: lead for lead in Lead.search([("followup_code", "in", codes)])}
            if codes
            else {}
        )
        names = [lead["partner_name"] or lead["contact"] for lead in leads if not lead["code"]]
        by_name = {}
        if names:
            for record in Lead.search(
                ["|", ("partner_name", "in", names), ("contact_name", "in", names)]
            ):
                phone = re.sub(r"\D", "", record.phone or "")
                for name in {record.partner_name, record.contact_name} - {False}:
                    by_name.setdefault((name, phone), record)
        found = {}
        for lead in leads:
            record = by_code.get(lead["code"]) if lead["code"] else by_name.get(lead["key"][1:])
            if record:
                found[lead["key"]] = record
        return found

    def _show_plan(self, plan):
        """Preview figures from the first pass: what the import would create or update."""
        leads = [info for info in plan["keys"].values() if not info["error"]]
        existing = self._match_existing(leads)
        names = {
            info["partner_name"]
            for info in leads
            if info["partner_name"] and info["key"] not in existing
        }
        known_partners = (
            set(
                self.env["res.partner"]
                .search([("name", "in", list(names)), ("is_company", "=", True)])
                .mapped("name")
            )
            if names
            else set()
        )
        known_logs = defaultdict(set)
        if existing:
            for log in self.env["sales.followup.log"].search(
                [("lead_id", "in", [lead.id for lead in existing.values()])]
            ):
                known_logs[log.lead_id.id].add((log.date.date(), log.summary.strip()))
        log_count = 0
        for info in leads:
            record = existing.get(info["key"])
            log_count += (
                len(info["contacts"] - known_logs[record.id]) if record else len(info["contacts"])
            )
        errors = [
            (
                0,
                0,
                {"row": row, "column": column, "value": value, "message": message, "level": level},
            )
            for row, column, value, message, level in plan["problems"][:2000]
        ]
        self.error_ids.unlink()
        self.write(
            {
                "row_count": plan["rows"],
                "lead_create_count": len(leads) - len(existing),
                "lead_update_count": len(existing),
                "partner_create_count": len(names - known_partners),
                "log_create_count": log_count,
                "error_count": len(plan["error_rows"]),
                "error_ids": errors,
                "error_file": self._error_file(plan),
                "error_filename": f"{(self.filename or 'tracker').rsplit('.', 1)[0]}_errors.csv"
                if plan["error_rows"]
                else False,
            }
        )

    def _error_file(self, plan):
        """The rows with errors, as they were, plus what is wrong: to fix and import again."""
        if not plan["error_rows"]:
            return False
        messages = defaultdict(list)
        for row, column, _value, message, level in plan["problems"]:
            if level == "error":
                messages[row].append(_("%(column)s: %(problem)s", column=column, problem=message))
        headers = {column.index: column.header for column in self.column_ids}
        width = max([len(row) for row in plan["raw_rows"].values()] + [max(headers, default=0) + 1])
        output = io.StringIO()
        writer = csv.writer(output)
        writer.writerow([_("Row"), *[headers.get(i, "") for i in range(width)], _("Errors")])
        for number in sorted(plan["raw_rows"]):
            row = list(plan["raw_rows"][number]) + [None] * width
            writer.writerow(
                [number, *[tp.as_text(cell) for cell in row[:width]], "; ".join(messages[number])]
            )
        return base64.b64encode(output.getvalue().encode("utf-8-sig"))

    # ------------------------------------------------------------
    # Writing (one transaction)
    # ------------------------------------------------------------

    def _execute(self, summary):
        """Second pass: build the leads again from the rows and write them chunk by chunk,
        flushing and emptying the caches in between. Rows of one lead in different chunks meet
        again through the re-import matching (the lead written by an earlier chunk is found)."""
        skip_keys = {key for key, info in summary["keys"].items() if info["error"]}
        imported = []
        chunk = {}

        def write_chunk():
            leads = list(chunk.values())
            self._resolve(leads)
            imported.extend(self._execute_leads(leads).ids)
            self.env.flush_all()
            self.env.invalidate_all()
            chunk.clear()

        for number, _row, parsed, _problems in self._parsed_rows():
            if parsed is None or number in summary["error_rows"] or parsed["key"] in skip_keys:
                continue
            lead = chunk.get(parsed["key"])
            if lead:
                lead["contacts"].extend(parsed["contacts"])
                for field in (
                    "next_date",
                    "next_action",
                    "close_date",
                    "lost_reason",
                    *CONFLICT_KEYS,
                ):
                    lead[field] = lead[field] or parsed[field]
                continue
            if len(chunk) >= CREATE_BATCH:
                write_chunk()
            chunk[parsed["key"]] = parsed
        if chunk:
            write_chunk()
        return self.env["crm.lead"].browse(list(dict.fromkeys(imported)))

    def _execute_leads(self, leads):
        if not leads:
            return self.env["crm.lead"]
        sources = self._find_or_create("utm.source", {lead["source"] for lead in leads})
        industries = self._find_or_create(
            "res.partner.industry", {lead["industry"] for lead in leads}
        )
        reasons = self._find_or_create("crm.lost.reason", {lead["lost_reason"] for lead in leads})
        stages = {stage.name.strip().lower(): stage for stage in self.env["crm.stage"].search([])}

        # Customers (companies) and their contacts.
        to_create = {}
        for lead in leads:
            name = lead["partner_name"]
            if name and not lead["partner"] and name not in to_create:
                to_create[name] = {
                    "name": name,
                    "is_company": True,
                    "industry_id": industries.get(lead["industry"], False),
                    "phone": lead["phone"] or False,
                    "street": lead["address"] or False,
                }
        created = (
            self.env["res.partner"]
            .with_context(tracking_disable=True, mail_create_nolog=True)
            .create(list(to_create.values()))
        )
        partners = dict(zip(to_create, created, strict=True))
        for lead in leads:
            lead["partner"] = lead["partner"] or partners.get(lead["partner_name"])
        contact_vals = {}
        for lead in leads:
            if lead["contact"] and lead["partner"] and not lead["existing"]:
                contact_vals.setdefault(
                    (lead["partner"].id, lead["contact"]),
                    {
                        "name": lead["contact"],
                        "parent_id": lead["partner"].id,
                        "function": lead["function"] or False,
                        "phone": lead["phone"] or False,
                        "email": lead["email"] or False,
                    },
                )
        self.env["res.partner"].with_context(tracking_disable=True, mail_create_nolog=True).create(
            list(contact_vals.values())
        )

        # Leads
        def lead_values(lead):
            values = {
                "name": lead["need"] or lead["partner_name"] or lead["contact"],
                "type": "opportunity",
                "partner_id": lead["partner"].id if lead["partner"] else False,
                "partner_name": lead["partner_name"] or False,
                "contact_name": lead["contact"] or False,
                "function": lead["function"] or False,
                "phone": lead["phone"] or False,
                "email_from": lead["email"] or False,
                "street": lead["address"] or False,
                "description": lead["description"] or False,
            }
            if lead["user"]:
                values["user_id"] = lead["user"].id
            elif not lead["existing"]:
                values["user_id"] = False
            if lead["source"]:
                values["source_id"] = sources[lead["source"]]
            if lead["amount"] is not None:
                values["expected_revenue"] = lead["amount"]
            if lead["grade"]:
                values["followup_grade"] = lead["grade"]
            if lead["code"] and not lead["existing"]:
                values["followup_code"] = lead["code"]
            stage = stages.get(lead["stage"].lower()) if lead["stage"] else None
            if stage and not stage.is_won:
                values["stage_id"] = stage.id
            return values

        Lead = self.env["crm.lead"].with_context(
            mail_create_nolog=True, sales_followup_import=True, tracking_disable=True
        )
        new = [lead for lead in leads if not lead["existing"]]
        for start in range(0, len(new), CREATE_BATCH):
            batch = new[start : start + CREATE_BATCH]
            records = Lead.create([lead_values(lead) for lead in batch])
            for lead, record in zip(batch, records, strict=True):
                lead["record"] = record
        for lead in leads:
            if lead["existing"]:
                lead["record"] = lead["existing"]
                lead["record"].with_context(tracking_disable=True).write(lead_values(lead))
        records = self.env["crm.lead"].browse([lead["record"].id for lead in leads])

        # Follow-up logs, in bulk: the follow-ups are scheduled once per lead below.
        log_vals = []
        for lead in leads:
            for contact in lead["contacts"]:
                log_vals.append(
                    {
                        "lead_id": lead["record"].id,
                        "date": datetime.datetime.combine(contact["date"], datetime.time(9, 0)),
                        "user_id": (lead["user"] or self.env.user).id,
                        "method": contact["method"],
                        "summary": contact["summary"],
                        "customer_words": contact.get("customer_words") or False,
                        "customer_responded": contact["responded"],
                        "next_action": contact.get("next_action") or False,
                        "due_date": False,
                    }
                )
        Log = self.env["sales.followup.log"].with_context(sales_followup_import=True)
        for start in range(0, len(log_vals), CREATE_BATCH * 5):
            Log.create(log_vals[start : start + CREATE_BATCH * 5])

        records._followup_after_import({lead["record"].id: lead["next_date"] for lead in leads})
        self._apply_outcomes(leads, reasons)
        records._followup_apply_risk_rules()
        return records

    def _apply_outcomes(self, leads, reasons):
        """Won, lost and dormant leads go through Odoo's own flows."""
        won = self.env["crm.lead"]
        lost = defaultdict(lambda: self.env["crm.lead"])
        close_dates = {}
        dormant = defaultdict(lambda: self.env["crm.lead"])
        today = fields.Date.context_today(self)
        for lead in leads:
            record, status = lead["record"], lead["status"]
            if status == "converted" and not record.stage_id.is_won:
                won |= record
            elif status == "lost" and record.active:
                lost[reasons.get(lead["lost_reason"], False)] |= record
            elif (
                status == "dormant"
                and record.active
                and record.followup_status
                in (
                    "to_contact",
                    "in_progress",
                )
            ):
                wakeup = (
                    lead["next_date"]
                    if lead["next_date"] and lead["next_date"] > today
                    else (today + relativedelta(months=3))
                )
                dormant[wakeup] |= record
            if status in ("converted", "lost") and lead["close_date"]:
                close_dates[record.id] = lead["close_date"]
        if won:
            won.action_set_won()
        for reason_id, records in lost.items():
            records.action_set_lost(lost_reason_id=reason_id)
        for wakeup, records in dormant.items():
            records._followup_set_dormant(wakeup)
        by_date = defaultdict(list)
        for lead_id, day in close_dates.items():
            by_date[day].append(lead_id)
        for day, ids in by_date.items():
            self.env["crm.lead"].with_context(active_test=False).browse(ids).write(
                {"date_closed": datetime.datetime.combine(day, datetime.time(12, 0))}
            )

    def _find_or_create(self, model, names):
        """{name: id} for the given names, creating the missing records. These are reference
        lists (sources, industries, lost reasons) that only administrators may extend by hand;
        the import, run by sales managers, extends them by name only."""
        names = {name for name in names if name}
        if not names:
            return {}
        Model = self.env[model].sudo()
        found = {record.name: record.id for record in Model.search([("name", "in", list(names))])}
        missing = sorted(names - set(found))
        if missing:
            for record in Model.create([{"name": name} for name in missing]):
                found[record.name] = record.id
        return found
