from . import ir_filters
from . import res_config_settings
from . import sales_followup_review
from . import sales_followup_review_sent
from . import sales_followup_review_robot
from . import sales_followup_robot
