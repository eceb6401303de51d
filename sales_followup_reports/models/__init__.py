from . import ir_filters
