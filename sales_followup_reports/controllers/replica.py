from contextlib import contextmanager

from odoo.http import request


@contextmanager
def primary_if_missing(model, ids):
    """Run the block on the request's transaction, or on a read-write one when the records
    ``ids`` of ``model`` are not all on the request's read-only transaction.

    A read-only route runs on the database replica when there is one, and a record saved on
    the primary a moment before (the print dialog filled just before Print or Export) may not
    be on a replica that has not caught up yet: then the block reads on the primary instead.
    Yields the environment to read with; during the block it is also ``request.env``, for the
    code that reads through the request."""
    env = request.env
    records = env[model].browse(ids)
    if not env.cr.readonly or records.exists() == records:
        yield env
        return
    # End the read-only transaction before opening the other one: nothing in it is of use.
    env.cr.rollback()
    with env.registry.cursor() as cr:
        request.env = env(cr=cr)
        try:
            yield request.env
        finally:
            request.env = env
