{
    "name": "Sales Follow-up Reports",
    "summary": "Follow-up funnel for managers: conversion, cycle time, lost reasons, risks and "
    "follow-up discipline per salesperson, on screen and as printable PDF / XLSX",
    "version": "18.0.1.4.0",
    "category": "Sales/CRM",
    "website": "https://github.com/sales-followup/sales_followup",
    "author": "Sales Follow-up Contributors",
    "license": "LGPL-3",
    "depends": ["sales_followup"],
    "data": [
        "security/ir.model.access.csv",
        "security/sales_followup_reports_security.xml",
        "wizard/sales_followup_funnel_wizard_views.xml",
        "report/sales_followup_funnel_report_views.xml",
        "report/sales_followup_pool_report_views.xml",
        "report/sales_followup_funnel_activity_templates.xml",
        "report/sales_followup_funnel_report_templates.xml",
        "report/sales_followup_funnel_charts_templates.xml",
        "report/crm_lead_followup_history_templates.xml",
        "report/sales_followup_reports.xml",
        "views/sales_followup_reports_menus.xml",
    ],
    "assets": {
        "web.report_assets_common": [
            "sales_followup_reports/static/src/scss/sales_followup_reports_report.scss",
        ],
    },
    "images": ["static/description/screenshot_funnel_pdf.png"],
    "installable": True,
    "application": False,
}
