from . import test_followup_log
from . import test_grading
from . import test_lead_code
from . import test_lifecycle
from . import test_performance
from . import test_risk
from . import test_rhythm
from . import test_security
