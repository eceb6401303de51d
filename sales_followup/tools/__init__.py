from . import tracker_parser
