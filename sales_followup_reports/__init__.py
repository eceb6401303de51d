from . import controllers
from . import report
from . import tools
from . import wizard
