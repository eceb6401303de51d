from . import test_funnel_history
from . import test_funnel_kpis
from . import test_hostile_reports
from . import test_funnel_outputs
from . import test_translation
from . import test_pool_figures
from . import test_funnel_charts
from . import test_funnel_pivot
