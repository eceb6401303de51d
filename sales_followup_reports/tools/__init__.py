from . import charts
from . import review_schedule
