from . import charts
