"""Settings come from the environment only (see README "Settings").

Typed helpers fail loudly, as healthchecks does: a production instance without a
SECRET_KEY must not start with a guessable one.
"""

import os
from pathlib import Path

import dj_database_url
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BASE_DIR.parent


def env(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def envbool(name: str, default: str = "False") -> bool:
    value = env(name, default).strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off", ""}:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean, got {value!r}")


def envint(name: str, default: int) -> int:
    try:
        return int(env(name, str(default)))
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be an integer") from exc


def envfloat(name: str, default: float) -> float:
    try:
        return float(env(name, str(default)))
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be a number") from exc


def envlimits(name: str, default: dict[str, tuple[int, str]]) -> dict:
    """``urgent=2h,ordinary=7d,complex=15wd``: amount and unit (h hours, d days,
    wd working days) per urgency; urgencies not named keep their default."""
    units = {"h": "hours", "d": "days", "wd": "working_days"}
    limits = dict(default)
    for item in (i.strip() for i in env(name).split(",")):
        if not item:
            continue
        key, _, value = item.partition("=")
        number = value.strip().rstrip("hdw")
        unit = units.get(value.strip()[len(number) :])
        if key.strip() not in default or not number.isdigit() or unit is None:
            raise ImproperlyConfigured(
                f"{name}: {item!r} is not urgency=N(h|d|wd) with urgency one of "
                + ", ".join(default)
            )
        limits[key.strip()] = (int(number), unit)
    return limits


JINGMIN_ENV = env("JINGMIN_ENV", "development")
PRODUCTION = JINGMIN_ENV == "production"
VAR_DIR = Path(env("JINGMIN_VAR_DIR", str(PROJECT_DIR / "var")))
try:  # var/ is git-ignored: a fresh clone has none, and SQLite cannot create folders
    VAR_DIR.mkdir(parents=True, exist_ok=True)
except OSError as exc:
    raise ImproperlyConfigured(
        f"JINGMIN_VAR_DIR {VAR_DIR} does not exist and cannot be created: {exc}"
    ) from exc

SECRET_KEY = env("SECRET_KEY")
if not SECRET_KEY:
    if PRODUCTION:
        raise ImproperlyConfigured("SECRET_KEY must be set when JINGMIN_ENV=production")
    SECRET_KEY = "dev-only-key-not-for-production-0123456789-abcdefghijklmnopq"  # noqa: S105

DEBUG = envbool("DEBUG", "False" if PRODUCTION else "True")
ALLOWED_HOSTS = [
    h.strip()
    for h in env("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",")
    if h.strip()
]
CSRF_TRUSTED_ORIGINS = [
    o.strip() for o in env("CSRF_TRUSTED_ORIGINS").split(",") if o.strip()
]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_tasks",
    "django_tasks_db",
    "jingmin.core",
    "jingmin.audit",
    "jingmin.org",
    "jingmin.accounts",
    "jingmin.portal",
    "jingmin.appeals",
    "jingmin.catalogue",
    "jingmin.mediation",
    "jingmin.hotspots",
    "jingmin.open311",
    "jingmin.api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "jingmin.core.middleware.ChineseFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "jingmin.core.middleware.PolicyOnceCSPMiddleware",  # django-csp, policy built once (ADR 122)
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "jingmin.urls"
WSGI_APPLICATION = "jingmin.wsgi.application"

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
                "csp.context_processors.nonce",
                "jingmin.portal.context_processors.site",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL", f"sqlite:///{VAR_DIR / 'jingmin.sqlite3'}"),
        conn_max_age=envint("DB_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers run beside the one writer; FULL fsyncs every commit so a
    # power cut loses nothing acknowledged; IMMEDIATE takes the write lock at BEGIN
    # so two writers queue on busy_timeout instead of failing to upgrade a read lock.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; "
            "PRAGMA busy_timeout=20000; PRAGMA foreign_keys=ON;"
        ),
    }
    DATABASES["default"]["TEST"] = {"NAME": env("SQLITE_TEST_NAME") or None}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

if env("REDIS_URL"):
    CACHES = {
        "default": {
            "BACKEND": "jingmin.core.rediscache.RedisCache",  # one client per pool (ADR 124)
            "LOCATION": env("REDIS_URL"),
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Rate-limit buckets: auto = in Redis when the cache is Redis, else the database
# (cache | database force one; core/ratelimit.py, ADR 123).
RATE_LIMIT_STORE = env("RATE_LIMIT_STORE", "auto")

PASSWORD_HASHERS = [  # Argon2id with OWASP's m=19 MiB, t=2, p=1 (ADR 076)
    "jingmin.accounts.hashers.OwaspArgon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"
    },
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # ModelBackend that keeps the user in the cache when it is shared (ADR 132)
    "jingmin.accounts.backends.KeptUserBackend",
    "django.contrib.auth.backends.ModelBackend",  # sessions made before it
]
AXES_FAILURE_LIMIT = envint("LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_USERNAME_CALLABLE = "jingmin.accounts.forms.axes_username"
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_ENABLED = envbool("AXES_ENABLED", "True")
# The admin never shows a TOTP secret or its QR code after enrolment: whoever saw it
# could produce the staff member's second factor.
OTP_ADMIN_HIDE_SENSITIVE_DATA = True
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "portal:console"
LOGOUT_REDIRECT_URL = "portal:home"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
import xstatic.pkg.leaflet  # noqa: E402  (Leaflet from PyPI, never a CDN)

STATICFILES_DIRS = [BASE_DIR / "static", ("leaflet", xstatic.pkg.leaflet.BASE_DIR)]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = not PRODUCTION
MEDIA_ROOT = VAR_DIR / "media"
MEDIA_URL = "/media/"
DATA_UPLOAD_MAX_MEMORY_SIZE = envint("UPLOAD_MAX_BYTES", 5 * 1024 * 1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = DATA_UPLOAD_MAX_MEMORY_SIZE

# Sessions and cookies: HttpOnly everywhere, SameSite=Lax, secure in production.
# Sessions are read from the cache when it is shared (Redis): a log-out deletes the
# entry every process reads. Local-memory caches are per process, so without Redis
# a session is read from the database on every request (ADR 131).
SESSION_ENGINE = (
    "django.contrib.sessions.backends.cached_db"
    if env("REDIS_URL")
    else "django.contrib.sessions.backends.db"
)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = envint("SESSION_SECONDS", 8 * 3600)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", "True")
    SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    if envbool("BEHIND_TLS_PROXY"):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF, "data:"] + [u for u in [env("MAP_TILE_ORIGIN")] if u],
        "connect-src": [SELF],
        "font-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    },
    # Swagger UI and ReDoc (served from the sidecar, no CDN) inject inline styles.
    "EXCLUDE_URL_PREFIXES": ["/api/v1/docs", "/api/v1/redoc"],
}

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "jingmin.api.auth.ServiceTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "jingmin.api.pagination.CreatedCursorPagination",
    "DEFAULT_PARSER_CLASSES": [
        "jingmin.api.parsers.StorableJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "jingmin.api.exceptions.exception_handler",
    "UNAUTHENTICATED_USER": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Jingmin API",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Fields named kind/status/source/type carry different choices in different
    # apps; name the shared ones after their model (ADR 101).
    "ENUM_NAME_OVERRIDES": {
        "AnalysisKindEnum": "jingmin.hotspots.models.Analysis.Kind",
        "DisputeStatusEnum": "jingmin.mediation.models.Dispute.Status",
        "DisputeSourceEnum": "jingmin.mediation.models.Dispute.Source",
        "DisputeTypeEnum": "jingmin.mediation.models.Dispute.Type",
    },
}

# The database queue and `jingmin worker` (started by `jingmin serve`) by default;
# the tests run tasks inline (conftest.py sets the immediate backend).
TASKS = {
    "default": {
        "BACKEND": env("TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
    }
}

# Appeals (docs/manual/appeals.md, ADR 015/065): deadlines where the category sets
# none, the classifier's confidence threshold, the periodic job, retention.
APPEALS_REPLY_DEFAULTS = envlimits(
    "APPEALS_REPLY_DEFAULTS",
    {
        "urgent": (2, "hours"),
        "utilities": (24, "hours"),
        "ordinary": (7, "days"),
        "complex": (15, "days"),
    },
)
APPEALS_ACCEPT_HOURS = envint("APPEALS_ACCEPT_HOURS", 2)
APPEALS_CLOSE_WORKING_DAYS = envint("APPEALS_CLOSE_WORKING_DAYS", 5)
APPEALS_OBJECTION_WORKING_DAYS = envint("APPEALS_OBJECTION_WORKING_DAYS", 5)
APPEALS_INFO_WAIT_WORKING_DAYS = envint("APPEALS_INFO_WAIT_WORKING_DAYS", 5)
APPEALS_CLASSIFIER_THRESHOLD = envfloat("APPEALS_CLASSIFIER_THRESHOLD", 0.5)
APPEALS_PERIODIC_SECONDS = envint("APPEALS_PERIODIC_SECONDS", 300)
APPEAL_RETENTION_DAYS = envint("APPEAL_RETENTION_DAYS", 730)
MEDIATION_RETENTION_DAYS = envint("MEDIATION_RETENTION_DAYS", 730)
# Periodic jobs of `jingmin serve` / `jingmin worker` (ADR 103).
RETENTION_PERIODIC_SECONDS = envint("RETENTION_PERIODIC_SECONDS", 86400)
AUDIT_CHECKPOINT_SECONDS = envint("AUDIT_CHECKPOINT_SECONDS", 3600)
# Audited writes commit side by side on this many chains (ADR 140; PostgreSQL only,
# SQLite has one writer at a time and keeps one chain).
AUDIT_CHAINS = envint("AUDIT_CHAINS", 8)

# Open311 GeoReport v2 (docs/manual/api.md, ADR 050-053).
OPEN311_JURISDICTION_ID = env("OPEN311_JURISDICTION_ID", "jingmin.local")
OPEN311_CONTACT = env("OPEN311_CONTACT")  # empty: the built-in Chinese text
OPEN311_KEY_SERVICE = env("OPEN311_KEY_SERVICE")  # empty: the built-in text
OPEN311_MAX_BODY = envint("OPEN311_MAX_BODY", 12 * 1024 * 1024)
OPEN311_GRID_DEGREES = envfloat("OPEN311_GRID_DEGREES", 0.005)

# Where audit checkpoints and their signing key live: outside the database, so a
# person who can rewrite the database cannot also rewrite the signed heads.
AUDIT_SIGNING_KEY_FILE = Path(
    env("AUDIT_SIGNING_KEY_FILE", str(VAR_DIR / "keys" / "audit-signing.pem"))
)
AUDIT_CHECKPOINT_FILE = Path(
    env("AUDIT_CHECKPOINT_FILE", str(VAR_DIR / "audit-checkpoints.jsonl"))
)

# Field encryption for personal data (ID numbers, phones): keys outside the DB.
FIELD_ENCRYPTION_KEYS = [k for k in env("FIELD_ENCRYPTION_KEYS").split(",") if k]
if not FIELD_ENCRYPTION_KEYS and not PRODUCTION:
    FIELD_ENCRYPTION_KEYS = ["ZGV2LW9ubHktZmllbGQta2V5LW5vdC1mb3ItcHJvZC0wMQ=="]

BLIND_INDEX_KEY = env("BLIND_INDEX_KEY")
if not BLIND_INDEX_KEY:
    if PRODUCTION:
        raise ImproperlyConfigured(
            "BLIND_INDEX_KEY must be set when JINGMIN_ENV=production"
        )
    BLIND_INDEX_KEY = "dev-only-blind-index-key"  # noqa: S105
if PRODUCTION and not FIELD_ENCRYPTION_KEYS:
    raise ImproperlyConfigured(
        "FIELD_ENCRYPTION_KEYS must be set when JINGMIN_ENV=production"
    )

JINGMIN_BUREAU_NAME = env("BUREAU_NAME", "")
MAP_TILE_URL = env(
    "MAP_TILE_URL", ""
)  # e.g. http://tiles.intranet/{z}/{x}/{y}.png; empty = outlines only
NOTIFICATION_BACKEND = env("NOTIFICATION_BACKEND", "jingmin.core.notify.ConsoleBackend")
NOTIFICATION_FILE_DIR = VAR_DIR / "outbox"
PUBLIC_MIN_COUNT = envint(
    "PUBLIC_MIN_COUNT", 5
)  # small-count suppression on public statistics
# Tracking-page look-ups (appeals/views/public.py): per client address and per
# appeal number. Only the HTTP benchmark raises them (its load comes from one host).
TRACK_RATE_PER_ADDRESS = env("TRACK_RATE_PER_ADDRESS", "10/m")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    "loggers": {
        "axes": {"level": "WARNING"},
        "django.db.backends": {"level": "WARNING"},
    },
}

SILENCED_SYSTEM_CHECKS: list[str] = []
