from . import sales_followup_funnel_report
