from . import geo
from . import rhythm
from . import tracker_reader
from . import tracker_columns
from . import tracker_cells
from . import tracker_rows
from . import pool
from . import input_check
