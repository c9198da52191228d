"""Files in the media storage: evidence, published notices, uploaded workbooks.

The media storage is STORAGES["default"]: local disk under MEDIA_ROOT, or an S3-compatible
store with MEDIA_STORAGE=s3 (see `media_storage` in settings). App code reaches these files
only through Django's storage API, by FileField or by name in `default_storage`, never by a
path on disk: on several app hosts a file written by one host is read by another.
Readers that need a real file (zipfile, openpyxl) read a temporary copy from `local_copy`.
"""

import posixpath
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path

from django.core.files.storage import default_storage

CHUNK_BYTES = 1 << 20


@contextmanager
def local_copy(name, *, storage=None):
    """A temporary local file with the content of the stored file `name`, removed on exit.

    Keeps the name's last part (and so its extension). FileNotFoundError when the storage
    has no such file.
    """
    storage = storage or default_storage
    with tempfile.TemporaryDirectory(prefix="rectify-") as folder:
        path = Path(folder) / posixpath.basename(name)
        with storage.open(name, "rb") as source, path.open("wb") as target:
            shutil.copyfileobj(source, target, CHUNK_BYTES)
        yield path
