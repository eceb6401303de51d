"""A web session calling Odoo as the web client does (JSON-RPC with its cookie, downloads by
GET), each request timed under a kind, and the figures of the kinds.

The session sends what the web client of the server's series sends (the series read from the
server when logging in): 18.0's grouped views call ``web_read_group(domain, fields, groupby)``
and read each open group's records apart, its pivot one ``read_group`` per grouping; 19.0's
call ``web_read_group(domain, groupby, aggregates)`` with the open groups' records in the answer,
its pivot one ``formatted_read_grouping_sets``."""

# A command-line benchmark's library: the figures are printed to the terminal.
# pylint: disable=print-used

import html
import json
import threading
import time
from collections import defaultdict
from datetime import timedelta

import requests

PASSWORD = "bench-load"
# Answers that are a business refusal (e.g. "just claimed by someone else"), not an error the
# user would see as one.
BUSINESS_ERRORS = {
    "odoo.exceptions.UserError",
    "odoo.exceptions.ValidationError",
    "odoo.exceptions.AccessError",
    "odoo.exceptions.MissingError",
}


def percentile(values, share):
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(share * len(ordered) + 0.5) - 1))
    return ordered[index]


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.times = defaultdict(list)
        self.errors = defaultdict(list)
        self.refused = defaultdict(list)

    def add(self, kind, elapsed, error=None, refused=None):
        with self.lock:
            if error:
                self.errors[kind].append(error)
            elif refused:
                self.refused[kind].append(refused)
            else:
                self.times[kind].append(elapsed)

    def print_table(self, seconds, last=()):
        """Per request kind: count, rate over ``seconds``, p50, p95, p99, errors and refusals;
        the kinds of ``last`` after the others."""
        print(
            f"{'request':22} {'count':>6} {'/s':>6} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} "
            f"{'errors':>7} {'refused':>8}"
        )
        kinds = sorted(
            set(self.times) | set(self.errors) | set(self.refused),
            key=lambda kind: (kind in last, kind),
        )
        for kind in kinds:
            times = self.times[kind]
            print(
                f"{kind:22} {len(times):6d} {len(times) / seconds:6.2f} "
                f"{percentile(times, 0.50) * 1000:8.0f} {percentile(times, 0.95) * 1000:8.0f} "
                f"{percentile(times, 0.99) * 1000:8.0f} {len(self.errors[kind]):7d} "
                f"{len(self.refused[kind]):8d}"
            )


class Client:
    """One web session, calling the server as the web client does."""

    def __init__(self, url, dbname, login, stats):
        self.url = url
        self.dbname = dbname
        self.login = login
        self.stats = stats
        self.session = requests.Session()
        self.context = {}
        self.uid = None
        self.series = None  # the major version of the server (18, 19), known once logged in
        self.last = None  # time of the last successful call

    def authenticate(self):
        result = self._post(
            "/web/session/authenticate",
            {"db": self.dbname, "login": self.login, "password": PASSWORD},
        )
        self.uid = result["result"]["uid"]
        self.context = result["result"]["user_context"]
        self.series = result["result"]["server_version_info"][0]

    def _post(self, path, params, timeout=300):
        response = self.session.post(
            f"{self.url}{path}",
            json={"jsonrpc": "2.0", "method": "call", "params": params, "id": 1},
            timeout=timeout,
        )
        response.raise_for_status()
        return response.json()

    def call(self, kind, path, params):
        """JSON-RPC call, timed under ``kind``. Returns the result, or None when it failed
        (counted as an error, or as a refusal when the server gave a business answer)."""
        return self.calls(kind, [(path, params)])[0]

    def calls(self, kind, batch):
        """The JSON-RPC calls ``batch`` ((path, params) each) that one screen makes together,
        made one after the other and timed together under ``kind``: their results, or Nones
        once one failed (counted as above)."""
        self.last = None
        results = []
        started = time.perf_counter()
        for path, params in batch:
            try:
                answer = self._post(path, params)
            except (requests.RequestException, ValueError) as exc:
                self.stats.add(kind, 0, error=f"{type(exc).__name__}: {exc}"[:300])
                return [None] * len(batch)
            if "error" in answer:
                elapsed = time.perf_counter() - started
                data = answer["error"].get("data") or {}
                message = f"{data.get('name')}: {data.get('message')}"[:300]
                if data.get("name") in BUSINESS_ERRORS:
                    self.stats.add(kind, elapsed, refused=message)
                else:
                    self.stats.add(kind, elapsed, error=message)
                return [None] * len(batch)
            results.append(answer["result"])
        elapsed = time.perf_counter() - started
        self.stats.add(kind, elapsed)
        self.last = elapsed
        return results

    def _kw(self, model, method, args, kwargs=None):
        """The path and parameters of a call of ``method`` on ``model``, in the session's
        context."""
        kwargs = dict(kwargs or {})
        kwargs["context"] = {**self.context, **kwargs.get("context", {})}
        return (
            f"/web/dataset/call_kw/{model}/{method}",
            {"model": model, "method": method, "args": args, "kwargs": kwargs},
        )

    def call_kw(self, kind, model, method, args, kwargs=None):
        return self.call(kind, *self._kw(model, method, args, kwargs))

    def call_button(self, kind, model, method, ids, context=None):
        return self.call(
            kind,
            f"/web/dataset/call_button/{model}/{method}",
            {
                "model": model,
                "method": method,
                "args": [ids],
                "kwargs": {"context": {**self.context, **(context or {})}},
            },
        )

    def get(self, kind, path, params, content_type=None):
        """A download (GET, as the browser fetches it) of a file of ``content_type``, timed
        under ``kind``."""
        started = time.perf_counter()
        try:
            response = self.session.get(f"{self.url}{path}", params=params, timeout=600)
        except requests.RequestException as exc:
            self.stats.add(kind, 0, error=f"{type(exc).__name__}: {exc}"[:300])
            return None
        elapsed = time.perf_counter() - started
        if response.status_code != 200 or not response.content:
            self.stats.add(kind, elapsed, error=f"HTTP {response.status_code}")
            return None
        if content_type and not response.headers.get("Content-Type", "").startswith(content_type):
            # A download that failed answers 200 with the error, which the web client shows.
            try:
                data = json.loads(html.unescape(response.text)).get("data") or {}
                message = f"{data.get('name')}: {data.get('message')}"
            except (ValueError, AttributeError):
                message = f"not a {content_type}: {response.text}"
            self.stats.add(kind, elapsed, error=message[:300])
            return None
        self.stats.add(kind, elapsed)
        return response.content

    def download_report(self, kind, report_name, ids):
        """A PDF report of the records ``ids``, downloaded as the web client does."""
        url = f"/report/pdf/{report_name}/{','.join(map(str, ids))}"
        return self.get(
            kind,
            "/report/download",
            {"data": json.dumps([url, "qweb-pdf"]), "context": json.dumps(self.context)},
            content_type="application/pdf",
        )


# ------------------------------------------------------------------------------------------
# The screens of Sales Follow-up, as the web client loads them
# ------------------------------------------------------------------------------------------

LEAD_CARD = {
    "followup_customer_name": {},
    "name": {},
    "followup_grade": {},
    "followup_next_date": {},
    "followup_next_action": {},
    "followup_last_summary": {},
    "followup_reclaim_label": {},
    "followup_postpone_count": {},
    "phone": {},
    "followup_call_number": {},
    "active": {},
    "user_id": {"fields": {"display_name": {}}},
}

PIPELINE_CARD = {
    "name": {},
    "partner_id": {"fields": {"display_name": {}}},
    "expected_revenue": {},
    "priority": {},
    "followup_grade": {},
    "followup_status": {},
    "followup_risk_level": {},
    "followup_next_date": {},
    "followup_reclaim_label": {},
    "activity_ids": {"fields": {}},
    "activity_state": {},
    "user_id": {"fields": {"display_name": {}}},
    "tag_ids": {"fields": {"display_name": {}}},
}

LEAD_FORM = {
    **PIPELINE_CARD,
    "followup_code": {},
    "followup_customer_name": {},
    "followup_last_date": {},
    "followup_last_summary": {},
    "followup_last_response_date": {},
    "followup_unanswered_count": {},
    "followup_next_action": {},
    "followup_risk_type_ids": {"fields": {"display_name": {}}},
    "followup_reclaim_date": {},
    "followup_duplicate_note": {},
    "followup_in_pool": {},
    "followup_origin": {},
    "stage_id": {"fields": {"display_name": {}}},
    "team_id": {"fields": {"display_name": {}}},
    "source_id": {"fields": {"display_name": {}}},
    "email_from": {},
    "phone": {},
    "description": {},
    "date_deadline": {},
    "probability": {},
}


class FollowupClient(Client):
    """The requests of each screen a salesperson or a manager opens, each timed under its
    kind; the choices (which stage, which record) are the caller's."""

    def today(self):
        """Today: its groups, then the list of what is due (on 19.0, the groups with the records
        of the open ones: the list opens its groups, expand="1")."""
        domain = [("followup_due_bucket", "!=", False), ("user_id", "=", self.uid)]
        if self.series >= 19:
            self.call_kw(
                "today_groups",
                "crm.lead",
                "web_read_group",
                [],
                {
                    "domain": domain,
                    "groupby": ["followup_due_bucket"],
                    "aggregates": [],
                    "limit": 80,
                    "offset": 0,
                    "order": "followup_next_date ASC, followup_grade ASC, id ASC",
                    "auto_unfold": True,
                    "opening_info": [],
                    "unfold_read_specification": LEAD_CARD,
                    "unfold_read_default_limit": 80,
                    "groupby_read_specification": {},
                },
            )
            return
        self.call_kw(
            "today_groups",
            "crm.lead",
            "web_read_group",
            [domain, ["followup_due_bucket"], ["followup_due_bucket"]],
            {"lazy": True},
        )
        self.call_kw(
            "today_list",
            "crm.lead",
            "web_search_read",
            [domain + [("followup_due_bucket", "in", ["overdue", "today"])]],
            {"specification": LEAD_CARD, "limit": 80, "order": "followup_next_date"},
        )

    def kanban(self, choose):
        """The pipeline kanban: its columns, then the cards of the column ``choose`` picks
        from the groups (on 19.0, the columns with the cards of each open one)."""
        domain = [("type", "=", "opportunity"), ("user_id", "=", self.uid)]
        if self.series >= 19:
            self.call_kw(
                "kanban_groups",
                "crm.lead",
                "web_read_group",
                [],
                {
                    "domain": domain,
                    "groupby": ["stage_id"],
                    "aggregates": ["expected_revenue:sum"],
                    "offset": 0,
                    "order": "",
                    "auto_unfold": True,
                    "opening_info": [],
                    "unfold_read_specification": PIPELINE_CARD,
                    "unfold_read_default_limit": 40,
                    "groupby_read_specification": {},
                },
            )
            return
        groups = self.call_kw(
            "kanban_groups",
            "crm.lead",
            "web_read_group",
            [domain, ["expected_revenue:sum"], ["stage_id"]],
            {"lazy": True},
        )
        stage = None
        if groups and groups["groups"]:
            stage = choose(groups["groups"])["stage_id"]
        stage_id = stage[0] if isinstance(stage, (list, tuple)) else stage
        self.call_kw(
            "kanban_cards",
            "crm.lead",
            "web_search_read",
            [domain + [("stage_id", "=", stage_id)]],
            {"specification": PIPELINE_CARD, "limit": 40},
        )

    def open_lead(self, lead):
        self.call_kw("open_lead", "crm.lead", "web_read", [[lead]], {"specification": LEAD_FORM})

    def log_followup(self, kind, values):
        """The follow-up dialog saved, then its Save button. Returns the log's id, or None
        when the server did not save it."""
        result = self.call_kw(
            kind,
            "sales.followup.log",
            "web_save",
            [[], values],
            {
                "specification": {"lead_id": {"fields": {"display_name": {}}}},
                "context": {"default_lead_id": values["lead_id"]},
            },
        )
        if not result:
            return None
        self.call_button(
            "log_saved", "sales.followup.log", "action_followup_save", [result[0]["id"]]
        )
        return result[0]["id"]

    def stock_note(self, lead):
        """Stock Odoo: a note posted from the chatter."""
        self.call(
            "stock_note",
            "/mail/message/post",
            {
                "thread_model": "crm.lead",
                "thread_id": lead,
                "post_data": {
                    "body": f"Load note {time.time():.6f}",
                    "message_type": "comment",
                    "subtype_xmlid": "mail.mt_note",
                },
            },
        )

    def stock_activity_done(self, activity):
        """Stock Odoo: an activity marked done."""
        self.call_kw(
            "stock_activity_done",
            "mail.activity",
            "action_feedback",
            [[activity]],
            {"feedback": "Done during the load"},
        )

    def raise_risk(self, lead, risk_type):
        self.call_kw(
            "raise_risk",
            "sales.followup.risk",
            "web_save",
            [[], {"lead_id": lead, "type_id": risk_type, "note": "Raised during the load"}],
            {"specification": {}, "context": {"default_lead_id": lead}},
        )

    def pool_page(self, offset):
        """A page of the pool's list: its records."""
        pool = self.call_kw(
            "pool_list",
            "sales.followup.pool.lead",
            "web_search_read",
            [[]],
            {
                "specification": {
                    "code": {},
                    "customer_name": {},
                    "name": {},
                    "grade": {},
                    "pool_date": {},
                },
                "limit": 80,
                "offset": offset,
            },
        )
        return pool["records"] if pool else []

    def claim(self, pool_lead):
        self.call_button("claim", "sales.followup.pool.lead", "action_claim", [pool_lead])

    def funnel_pivot(self, start, end):
        """The pivot by stage (rows) and salesperson (columns): its totals, rows, columns and
        cells, as the series' pivot reads them (18.0: one read_group each, which the browser
        sends at once, here one after the other, timed together; 19.0: one request of
        grouping sets)."""
        model = "sales.followup.funnel.report"
        domain = [("create_date", ">=", str(start)), ("create_date", "<", str(end))]
        measures = ["nbr:sum", "contacted:sum", "converted:sum", "won_revenue:sum"]
        groupings = [[], ["stage_id"], ["user_id"], ["stage_id", "user_id"]]
        if self.series >= 19:
            return self.call_kw(
                "funnel_pivot",
                model,
                "formatted_read_grouping_sets",
                [],
                {
                    "domain": domain,
                    "grouping_sets": groupings,
                    "aggregates": [*measures, "__count"],
                },
            )
        return self.calls(
            "funnel_pivot",
            [
                self._kw(
                    model,
                    "read_group",
                    [],
                    {"domain": domain, "fields": measures, "groupby": groupby, "lazy": False},
                )
                for groupby in groupings
            ],
        )

    def funnel_pdf(self, start, end):
        """The dialog saved, Print PDF, then the download, as the web client does it."""
        saved = self.call_kw(
            "funnel_dialog",
            "sales.followup.funnel.wizard",
            "web_save",
            [[], {"date_from": str(start), "date_to": str(end - timedelta(days=1))}],
            {"specification": {}},
        )
        if not saved:
            return None
        wizard = saved[0]["id"]
        action = self.call_button(
            "funnel_print", "sales.followup.funnel.wizard", "action_print_pdf", [wizard]
        )
        if not action:
            return None
        return self.download_report("funnel_pdf", action["report_name"], [wizard])

    def history_pdf(self, lead):
        return self.download_report(
            "history_pdf", "sales_followup_reports.report_lead_followup_history", [lead]
        )
