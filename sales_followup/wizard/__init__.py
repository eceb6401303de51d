from . import crm_lead_lost
from . import sales_followup_dormant_wizard
