"""Work on many objects at once (an import of a whole ledger) without the cyclic garbage
collector walking them again and again.

Reading and planning a 10,000-row ledger makes some hundred thousand containers that
live until the import ends and form no reference cycles (measured: a full collection
after an import finds nothing of it to free). Each few hundred allocations CPython
runs a collection anyway, and the older generations walk every live object: a quarter
of the time of a re-import went there. `collection_paused` turns automatic collection
off for the duration of such work; reference counting frees everything as usual.
"""

import gc
from contextlib import contextmanager


@contextmanager
def collection_paused():
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
