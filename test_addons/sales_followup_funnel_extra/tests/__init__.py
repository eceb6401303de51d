from . import test_funnel_extra
