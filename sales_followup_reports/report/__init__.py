from . import sales_followup_funnel_report
from . import sales_followup_pool_report
from . import report_followup_funnel
from . import sales_followup_funnel_charts
