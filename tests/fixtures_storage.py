"""The media storage of each test: local disk, or an S3 API (loaded by the root conftest.py).

Every test gets an empty media storage of its own: a folder under its tmp_path, or, with
TEST_MEDIA_STORAGE=s3 in the environment, a fresh prefix in a bucket of moto's S3 server,
started once per session on 127.0.0.1 at a free port. Either way the storage is configured
by the settings' own `media_storage`, as MEDIA_STORAGE=s3 configures it in production.
The `s3_media` fixture puts one test on the S3 server whatever TEST_MEDIA_STORAGE says.
"""

import os
import posixpath
import uuid

import pytest
from django.core.files.storage import default_storage

from rectify.settings import media_storage

TEST_MEDIA_STORAGE = os.getenv("TEST_MEDIA_STORAGE", "local")
if TEST_MEDIA_STORAGE not in ("local", "s3"):
    raise ValueError(f"TEST_MEDIA_STORAGE: {TEST_MEDIA_STORAGE!r} is neither 'local' nor 's3'")

BUCKET = "rectify-test"
REGION = "us-east-1"
KEYS = {"S3_ACCESS_KEY_ID": "test-key", "S3_SECRET_ACCESS_KEY": "test-secret"}


def s3_client(endpoint):
    import boto3

    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id=KEYS["S3_ACCESS_KEY_ID"],
        aws_secret_access_key=KEYS["S3_SECRET_ACCESS_KEY"],
    )


@pytest.fixture(scope="session")
def s3_server():
    """The address of moto's S3 server, with the test bucket created."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    s3_client(endpoint).create_bucket(Bucket=BUCKET)
    yield endpoint
    server.stop()


class MediaStorage:
    """One test's media storage, and what the tests ask of it."""

    def __init__(self, settings, tmp_path):
        self.settings = settings
        self.tmp_path = tmp_path
        self.endpoint = None
        self.prefix = None
        self.generation = 0
        self.renew()

    def use_s3(self, endpoint):
        self.endpoint = endpoint
        self.renew()

    def renew(self):
        """Switch to a new, empty storage, as a fresh installation has."""
        self.generation += 1
        self.settings.MEDIA_ROOT = self.tmp_path / f"media-{self.generation}"
        if self.endpoint is None:
            entry = media_storage({"MEDIA_STORAGE": "local"})
        else:
            self.prefix = f"test-{uuid.uuid4().hex}"
            env = {"S3_ENDPOINT_URL": self.endpoint, "S3_BUCKET": BUCKET, "S3_REGION": REGION}
            entry = media_storage({"MEDIA_STORAGE": "s3", "S3_PREFIX": self.prefix, **env, **KEYS})
        self.settings.STORAGES = {**self.settings.STORAGES, "default": entry}

    def names(self, folder=""):
        """Every file in the storage under `folder`, sorted, by storage name."""
        try:
            folders, files = default_storage.listdir(folder)
        except FileNotFoundError:  # local disk: nothing was ever written there
            return []
        found = [posixpath.join(folder, name) for name in files]
        for sub in folders:
            found += self.names(posixpath.join(folder, sub))
        return sorted(found)

    def bucket_keys(self):
        """The keys under this test's prefix, listed by boto3 straight from the S3 server."""
        pages = s3_client(self.endpoint).get_paginator("list_objects_v2")
        return sorted(
            item["Key"]
            for page in pages.paginate(Bucket=BUCKET, Prefix=f"{self.prefix}/")
            for item in page.get("Contents", [])
        )


@pytest.fixture(autouse=True)
def media(settings, tmp_path, request):
    storage = MediaStorage(settings, tmp_path)
    if TEST_MEDIA_STORAGE == "s3":
        storage.use_s3(request.getfixturevalue("s3_server"))
    return storage


@pytest.fixture
def s3_media(media, s3_server):
    """This test's media storage on moto's S3 server."""
    media.use_s3(s3_server)
    return media
