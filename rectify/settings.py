"""Settings for Rectify, read from the environment.

SQLite is the default so that a checkout runs at once; production sets
DATABASE_URL to a postgres:// address.
"""

import os
from datetime import timedelta
from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlsplit

from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def envbool(name, default):
    return os.getenv(name, default).lower() in ("1", "true", "yes", "on")


def envint(name, default):
    return int(os.getenv(name, default))


def envlist(name, default=""):
    return [item.strip() for item in os.getenv(name, default).split(",") if item.strip()]


def database_from_url(url):
    """Django DATABASES entry for sqlite:///path or postgres://user:pass@host:port/name."""
    parts = urlsplit(url)
    if parts.scheme == "sqlite":
        path = unquote(parts.path)
        # sqlite:///relative/path is relative to BASE_DIR, sqlite:////abs/path is absolute
        name = path[1:] if path.startswith("//") else str(BASE_DIR / path.lstrip("/"))
        return {"ENGINE": "django.db.backends.sqlite3", "NAME": name}
    if parts.scheme in ("postgres", "postgresql"):
        options = dict(parse_qsl(parts.query))
        connect_timeout = envint("DB_CONNECT_TIMEOUT", "5")
        statement_timeout_ms = envint("DB_STATEMENT_TIMEOUT_MS", "30000")
        return {
            # Django's backend with a bound on every wait for an answer (see its docstring).
            "ENGINE": "rectify.postgresql",
            "NAME": unquote(parts.path.lstrip("/")),
            "USER": unquote(parts.username or ""),
            "PASSWORD": unquote(parts.password or ""),
            "HOST": parts.hostname or "",
            "PORT": str(parts.port or ""),
            "CONN_MAX_AGE": envint("DB_CONN_MAX_AGE", "60"),
            "CONN_HEALTH_CHECKS": True,
            "OPTIONS": {
                # Fail fast when the server is away; cap any one statement so a stuck
                # query cannot hold a worker (and its locks) indefinitely.
                "connect_timeout": connect_timeout,
                "options": f"-c statement_timeout={statement_timeout_ms}",
                # A server that answers nothing: a live one has cancelled any statement
                # by then. Not a libpq parameter: rectify.postgresql takes it out.
                "response_timeout": statement_timeout_ms / 1000 + connect_timeout,
                # A peer whose machine or network is gone: noticed by TCP while idle
                # (keepalives) and while data waits for an acknowledgement.
                "keepalives": 1,
                "keepalives_idle": 30,
                "keepalives_interval": 5,
                "keepalives_count": 3,
                "tcp_user_timeout": connect_timeout * 1000,
                **options,
            },
        }
    raise ImproperlyConfigured(f"DATABASE_URL: unsupported scheme {parts.scheme!r}")


def media_storage(env):
    """The STORAGES["default"] entry (evidence, published notices, uploads) for MEDIA_STORAGE.

    `local` (the default): files under MEDIA_ROOT. `s3`: objects in the S3_BUCKET of any
    S3-compatible store, private; nothing is ever linked to directly, the permission-checked
    views stream each file from the storage.
    """
    kind = env.get("MEDIA_STORAGE", "local")
    if kind == "local":
        return {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    if kind != "s3":
        raise ImproperlyConfigured(f"MEDIA_STORAGE: {kind!r} is neither 'local' nor 's3'.")
    if not env.get("S3_BUCKET"):
        raise ImproperlyConfigured("MEDIA_STORAGE=s3 needs S3_BUCKET.")
    return {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env["S3_BUCKET"],
            # Unset: AWS itself; otherwise the address of MinIO, Ceph, a cloud's S3 API...
            "endpoint_url": env.get("S3_ENDPOINT_URL") or None,
            # Unset keys: boto3 looks for credentials itself (instance role, ~/.aws).
            "access_key": env.get("S3_ACCESS_KEY_ID") or None,
            "secret_key": env.get("S3_SECRET_ACCESS_KEY") or None,
            "region_name": env.get("S3_REGION") or None,
            "addressing_style": env.get("S3_ADDRESSING_STYLE") or None,
            "location": env.get("S3_PREFIX", ""),
            # The canned ACL sent with each object; empty sends none, for AWS buckets whose
            # ACLs are disabled (they refuse any but bucket-owner-full-control).
            "default_acl": env.get("S3_ACL", "private") or None,
            # Never replace an object: a second file with a taken name gets a new name, as on
            # disk (the archive import refuses then).
            "file_overwrite": False,
            # Files read from the store are held in memory up to this size, then on disk.
            "max_memory_size": 2 * 1024 * 1024,
        },
    }


DEBUG = envbool("DEBUG", "False")

SECRET_KEY = os.getenv("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "insecure-development-key-do-not-use-in-production"

ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "rectify.admin_config.RectifyAdminConfig",  # django.contrib.admin, for 三员分立
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "simple_history",
    "csp",
    "rectify.third_party.AxesConfig",  # axes, named in Chinese
    "django_otp",
    "rectify.third_party.TOTPConfig",  # django_otp.plugins.otp_totp
    "rectify.third_party.StaticConfig",  # django_otp.plugins.otp_static
    "django_tasks",
    "rectify.third_party.TasksDBConfig",  # django_tasks_db
    "rectify",
    "findings",
    "accounts",
    "sheets",
    "ledger",
    "reports",
    "oversight",
    "archive",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "rectify.middleware.PrivateNoStoreMiddleware",
    "rectify.sessions.RenewSessionMiddleware",
    "rectify.middleware.ChineseFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # A second factor still to give, a password to change: nothing else until done.
    "accounts.middleware.AccountGateMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "rectify.middleware.DatabaseUnavailableMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "rectify.urls"
WSGI_APPLICATION = "rectify.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "ledger.context_processors.unread_notifications",
            ],
        },
    },
]

DATABASES = {"default": database_from_url(os.getenv("DATABASE_URL", "sqlite:///var/db.sqlite3"))}
# Migrations run as the tables' owner (DATABASE_OWNER_URL, set only where `migrate` runs);
# the app connects as DATABASE_URL's role, which owns nothing (rectify/db_roles.py).
if os.getenv("DATABASE_OWNER_URL"):
    DATABASES["owner"] = {
        **database_from_url(os.environ["DATABASE_OWNER_URL"]),
        "TEST": {"MIRROR": "default"},
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
DATABASE_ROUTERS = ["rectify.db_roles.MigrationRouter"]

AUTH_USER_MODEL = "findings.User"
LOGIN_URL = "login"
# `/` sends each role where its work is (ledger.landing).
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# django-axes first: it refuses a locked-out login before the password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    # The permissions of the three administrator roles (authenticates no one).
    "rectify.admin_roles.AdminRoleBackend",
]

# Password policy (accounts.validators reads these when a password is checked).
PASSWORD_MIN_LENGTH = envint("PASSWORD_MIN_LENGTH", "10")
# Of the four classes upper case, lower case, digits and symbols.
PASSWORD_MIN_CLASSES = envint("PASSWORD_MIN_CLASSES", "3")
# A new password may not be one of the last N (0: no check).
PASSWORD_HISTORY_COUNT = envint("PASSWORD_HISTORY_COUNT", "5")
# Older passwords must be changed at the next request (0: they never expire).
PASSWORD_MAX_AGE_DAYS = envint("PASSWORD_MAX_AGE_DAYS", "90")
# A person created without a password (a name in an imported ledger) sets one through a
# signed, single-use link that works this many days (accounts.FirstLoginLink).
FIRST_LOGIN_LINK_DAYS = envint("FIRST_LOGIN_LINK_DAYS", "7")

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "accounts.validators.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "accounts.validators.CharacterClassesValidator"},
    {"NAME": "accounts.validators.PasswordHistoryValidator"},
]

# Second factor (django-otp, TOTP with recovery codes): the roles that must use one,
# among the membership roles (principal, leader, staff, inspector), "office" for every
# member of an inspection office ("office:supervisor", "office:oversight" for one office
# role) and "admin" for staff and superusers. Empty: optional for everyone.
OTP_REQUIRED_ROLES = envlist("OTP_REQUIRED_ROLES")
OTP_TOTP_ISSUER = os.getenv("OTP_ISSUER", "整改台账")
# The admin lists devices (to remove a lost phone) but never shows their keys or codes.
OTP_ADMIN_HIDE_SENSITIVE_DATA = True

# Security. Secure defaults when DEBUG is off; HTTPS=0 relaxes the HTTPS-only settings
# for a plain-HTTP intranet install, and each one can still be set on its own.
HTTPS = envbool("HTTPS", "False" if DEBUG else "True")
# Behind a reverse proxy that terminates TLS, sets X-Forwarded-Proto and appends the
# client's address to X-Forwarded-For (and strips what the client sent).
BEHIND_PROXY = envbool("BEHIND_PROXY", "False")
if BEHIND_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", str(HTTPS))
SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", str(365 * 24 * 3600 if HTTPS else 0))
SECURE_HSTS_INCLUDE_SUBDOMAINS = envbool("SECURE_HSTS_INCLUDE_SUBDOMAINS", str(HTTPS))
SECURE_HSTS_PRELOAD = envbool("SECURE_HSTS_PRELOAD", str(HTTPS))
SESSION_COOKIE_SECURE = envbool("SESSION_COOKIE_SECURE", str(HTTPS))
CSRF_COOKIE_SECURE = envbool("CSRF_COOKIE_SECURE", str(HTTPS))
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True  # no script reads the token: forms carry it in a hidden field
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# A session ends after this many seconds without a request (rectify.sessions renews it).
SESSION_COOKIE_AGE = envint("SESSION_COOKIE_AGE", str(8 * 3600))

# django-csp 4: everything from this origin only; no inline script or style anywhere.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    },
}

# Login throttling (django-axes): LOGIN_FAILURE_LIMIT failures for one username from one
# address lock that pair for LOGIN_LOCKOUT_MINUTES, counted from the last failure;
# LOGIN_ADDRESS_FAILURE_LIMIT failures from one address over any usernames (password
# spraying) lock that address for every username (rectify.security.AddressLimitHandler).
AXES_FAILURE_LIMIT = envint("LOGIN_FAILURE_LIMIT", "5")
LOGIN_ADDRESS_FAILURE_LIMIT = envint("LOGIN_ADDRESS_FAILURE_LIMIT", "20")
AXES_HANDLER = "rectify.security.AddressLimitHandler"
AXES_COOLOFF_TIME = timedelta(minutes=envint("LOGIN_LOCKOUT_MINUTES", "30"))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "rectify.security.lockout_response"
AXES_CLIENT_IP_CALLABLE = "rectify.security.client_ip"

# History is append-only: the admin's history page shows past versions, never reverts.
SIMPLE_HISTORY_REVERT_DISABLED = True
# History pages need the historical model's own permission: the audit administrator's.
SIMPLE_HISTORY_ENFORCE_HISTORY_MODEL_PERMISSIONS = True
# The change reason holds typed text (a return or reopen reason, an import's file name):
# a text column, not simple-history's default varchar(100).
SIMPLE_HISTORY_HISTORY_CHANGE_REASON_USE_TEXT_FIELD = True

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(os.getenv("STATIC_ROOT", BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": media_storage(os.environ),
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG

# Where MEDIA_STORAGE=local keeps the files. Never served directly: evidence and notices go
# through views that check membership (or the public notice's unguessable address).
MEDIA_ROOT = Path(os.getenv("MEDIA_ROOT", BASE_DIR / "var" / "media"))
MEDIA_URL = "media/"

EMAIL_BACKEND = os.getenv("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = os.getenv("EMAIL_HOST", "localhost")
EMAIL_PORT = envint("EMAIL_PORT", "25")
EMAIL_HOST_USER = os.getenv("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.getenv("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = envbool("EMAIL_USE_TLS", "False")
EMAIL_USE_SSL = envbool("EMAIL_USE_SSL", "False")
DEFAULT_FROM_EMAIL = os.getenv("DEFAULT_FROM_EMAIL", "rectify@localhost")
SITE_URL = os.getenv("SITE_URL", "http://127.0.0.1:8000")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.getenv("LOG_LEVEL", "WARNING")},
}

# Ledger (issue 3): evidence uploads, reminders.
EVIDENCE_MAX_BYTES = envint("EVIDENCE_MAX_BYTES", str(20 * 1024 * 1024))  # per file
EVIDENCE_TYPES = envlist("EVIDENCE_TYPES", "pdf,ofd,doc,docx,xls,xlsx,jpg,png,zip")
REMINDER_DUE_SOON_DAYS = envint("REMINDER_DUE_SOON_DAYS", "10")
# The ledger's print view (issue 15): all rows of the current filter, up to this many;
# the page says when it stops and asks for a narrower filter.
PRINT_MAX_FINDINGS = envint("PRINT_MAX_FINDINGS", "1000")

# The notice (issue 16): bounds that keep one render of the PDF to a few seconds (about
# 80 µs a character and 3 ms a finding on the benchmark machine; the seed notice has 5,000
# characters). A longer notice is refused with a message instead of timing the worker out.
FINDING_TEXT_MAX_CHARS = envint("FINDING_TEXT_MAX_CHARS", "3000")  # statement, result text
NOTICE_MAX_FINDINGS = envint("NOTICE_MAX_FINDINGS", "300")
NOTICE_MAX_CHARS = envint("NOTICE_MAX_CHARS", "60000")

# import_inspection (issue 16): data.json is parsed whole, so its size bounds the memory an
# import takes (about ten times its size); the whole archive bounds the disk it fills.
ARCHIVE_DATA_MAX_BYTES = envint("ARCHIVE_DATA_MAX_BYTES", str(64 * 1024 * 1024))
ARCHIVE_MAX_BYTES = envint("ARCHIVE_MAX_BYTES", str(16 * 1024**3))

# Background work (imports, publishing, large exports): django-tasks with its database
# backend, run by `manage.py db_worker` as its own process (see README). Tests use the
# immediate backend (tests/conftest.py).
TASKS = {
    "default": {
        "BACKEND": os.getenv("TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}
# A running job whose worker has not reported for this many seconds is marked failed.
JOB_STALLED_SECONDS = envint("JOB_STALLED_SECONDS", "300")
# The modules whose `sweep_stalled()` the sweep task and the job pages call.
JOB_SWEEPERS = ["sheets.jobs", "sheets.exports", "reports.publishing"]
# The web export of a ledger with more rows than this runs as a task.
LEDGER_EXPORT_BACKGROUND_ROWS = envint("LEDGER_EXPORT_BACKGROUND_ROWS", "2000")
