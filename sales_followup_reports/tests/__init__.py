from . import test_funnel_kpis
