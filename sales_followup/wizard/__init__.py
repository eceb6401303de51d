from . import crm_lead_lost
from . import sales_followup_dormant_wizard
from . import sales_followup_import
from . import sales_followup_import_column
from . import sales_followup_import_error
from . import sales_followup_import_sheet
from . import sales_followup_import_stage
from . import sales_followup_postpone_wizard
