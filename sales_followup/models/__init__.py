from . import crm_lead
from . import mail_activity
from . import res_config_settings
from . import sales_followup_log
from . import sales_followup_risk
from . import sales_followup_risk_type
from . import utm_source
