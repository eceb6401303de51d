{
    "name": "Sales Follow-up Funnel Extra (tests)",
    "summary": "Test-only addon: adds a column to the follow-up funnel through its "
    "_select_additional_fields hook, as another module would",
    "version": "1.0.0",
    "category": "Hidden/Tests",
    "website": "https://github.com/sales-followup/sales_followup",
    "author": "Sales Follow-up Contributors",
    "license": "LGPL-3",
    "maintainers": ["sales-followup"],
    "development_status": "Beta",
    "depends": ["sales_followup_reports"],
    "data": [],
    "installable": True,
    "application": False,
}
