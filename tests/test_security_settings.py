"""Production security settings: `check --deploy` is clean, pages carry the headers."""

import os
import re
import subprocess
import sys

import pytest
from django.conf import settings
from django.urls import reverse

from .conftest import login

# The production environment README.md documents (Deploying), behind the TLS proxy.
PRODUCTION = {
    "SECRET_KEY": "Xq3v-9JmT7rWc2Lp0sYdH8kN4bZf6GuAeR1oVtI5yMxCn_QwSjDlKhPgFaUzBvE",
    "ALLOWED_HOSTS": "zhenggai.example.gov.cn",
    "CSRF_TRUSTED_ORIGINS": "https://zhenggai.example.gov.cn",
    "BEHIND_PROXY": "1",
    "DATABASE_URL": "postgres://rectify_app:app-password@127.0.0.1:5432/rectify",
}
# Where `migrate` runs: the owner's address as well (docs/SECURITY.md).
MIGRATING = {
    **PRODUCTION,
    "DATABASE_OWNER_URL": "postgres://rectify_owner:owner-password@127.0.0.1:5432/rectify",
}


def _run(args, env):
    """Run Python in a fresh interpreter with exactly this environment."""
    return subprocess.run(
        [sys.executable, *args],
        env={"PATH": os.environ["PATH"], **env},
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=60,
    )


def _settings_in(env, *names):
    code = "from django.conf import settings; " + "; ".join(
        f"print(repr(settings.{name}))" for name in names
    )
    result = _run(
        ["-c", f"import django; django.setup(); {code}"],
        {
            "DJANGO_SETTINGS_MODULE": "rectify.settings",
            **env,
        },
    )
    assert result.returncode == 0, result.stderr
    return dict(zip(names, result.stdout.splitlines(), strict=True))


@pytest.mark.parametrize("env", [PRODUCTION, MIGRATING], ids=["app", "migrate"])
def test_check_deploy_is_clean_with_the_documented_production_environment(env):
    result = _run(["manage.py", "check", "--deploy"], env)
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout, result.stdout + result.stderr
    assert "WARNING" not in result.stdout + result.stderr


def test_check_deploy_warns_on_a_plain_http_install():
    result = _run(["manage.py", "check", "--deploy"], {**PRODUCTION, "HTTPS": "0"})
    output = result.stdout + result.stderr
    for warning in ["security.W004", "security.W008", "security.W012", "security.W016"]:
        assert warning in output


def test_production_defaults_are_secure_and_behind_the_proxy_https_is_trusted():
    values = _settings_in(
        PRODUCTION,
        "SECURE_SSL_REDIRECT",
        "SECURE_HSTS_SECONDS",
        "SESSION_COOKIE_SECURE",
        "CSRF_COOKIE_SECURE",
        "SESSION_COOKIE_HTTPONLY",
        "CSRF_COOKIE_HTTPONLY",
        "SECURE_PROXY_SSL_HEADER",
        "SESSION_COOKIE_AGE",
    )
    assert values == {
        "SECURE_SSL_REDIRECT": "True",
        "SECURE_HSTS_SECONDS": str(365 * 24 * 3600),
        "SESSION_COOKIE_SECURE": "True",
        "CSRF_COOKIE_SECURE": "True",
        "SESSION_COOKIE_HTTPONLY": "True",
        "CSRF_COOKIE_HTTPONLY": "True",
        "SECURE_PROXY_SSL_HEADER": "('HTTP_X_FORWARDED_PROTO', 'https')",
        "SESSION_COOKIE_AGE": str(8 * 3600),
    }


@pytest.mark.parametrize("env", [{"HTTPS": "0"}, {"DEBUG": "1"}])
def test_plain_http_and_development_relax_the_https_only_settings(env):
    names = ["SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS", "SESSION_COOKIE_SECURE"]
    values = _settings_in({**PRODUCTION, **env}, *names, "CSRF_COOKIE_SECURE")
    assert set(values.values()) == {"False", "0"}


def test_migrations_run_as_the_owner_and_the_app_as_the_runtime_role():
    code = (
        "from django.conf import settings; from rectify.db_roles import owner_alias, "
        "runtime_role; print(owner_alias(), runtime_role(), settings.DATABASES['owner']['USER'])"
    )
    result = _run(
        ["-c", f"import django; django.setup(); {code}"],
        {"DJANGO_SETTINGS_MODULE": "rectify.settings", **MIGRATING},
    )
    assert result.stdout.split() == ["owner", "rectify_app", "rectify_owner"], result.stderr
    assert _settings_in(PRODUCTION, "DATABASES")["DATABASES"].count("'USER'") == 1


def test_each_setting_can_be_set_on_its_own():
    values = _settings_in(
        {**PRODUCTION, "SECURE_HSTS_SECONDS": "600", "SESSION_COOKIE_AGE": "1800"},
        "SECURE_HSTS_SECONDS",
        "SESSION_COOKIE_AGE",
    )
    assert values == {"SECURE_HSTS_SECONDS": "600", "SESSION_COOKIE_AGE": "1800"}


def _policy(response):
    return {
        directive.split()[0]: directive.split()[1:]
        for directive in response["Content-Security-Policy"].split(";")
        if directive.strip()
    }


def test_pages_carry_the_content_security_policy_and_the_other_headers(client, unit):
    client.force_login(unit.staff)
    for url in [reverse("login"), reverse("findings:inspection_list")]:
        response = client.get(url)
        assert response.status_code == 200
        policy = _policy(response)
        assert policy["default-src"] == ["'self'"]
        assert policy["script-src"] == ["'self'"]
        assert policy["style-src"] == ["'self'"]
        assert policy["frame-ancestors"] == ["'none'"]
        assert policy["form-action"] == ["'self'"]
        assert "unsafe-inline" not in response["Content-Security-Policy"]
        assert response["X-Frame-Options"] == "DENY"
        assert response["Referrer-Policy"] == "same-origin"
        assert response["X-Content-Type-Options"] == "nosniff"


def test_behind_the_proxy_plain_http_is_redirected_and_https_gets_hsts(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    login_url = reverse("login")
    plain = client.get(login_url, headers={"X-Forwarded-Proto": "http"})
    assert plain.status_code == 301
    assert plain["Location"].startswith("https://")
    secure = client.get(login_url, headers={"X-Forwarded-Proto": "https"})
    assert secure.status_code == 200
    assert secure["Strict-Transport-Security"].startswith("max-age=31536000")


TEMPLATE_SYNTAX = re.compile(r"{%.*?%}|{{.*?}}|{#.*?#}", re.S)
INLINE = [
    (re.compile(r"<script\b(?![^>]*\bsrc=)[^>]*>", re.I), "inline <script>"),
    (re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.I), "on* handler attribute"),
    (re.compile(r"<[a-z][^>]*\sstyle\s*=", re.I), "style= attribute"),
    (re.compile(r"<style\b", re.I), "<style> element"),
]


# The one exception: a published notice carries its styles in <style>, and its page is
# served with a policy allowing exactly that element by its SHA-256 (reports.views
# public_notice; tests/test_notice_publish.py and test_browser_notice.py check it).
ALLOWED_INLINE = {("reports/notice_document.html", "<style> element")}


def test_no_template_has_inline_script_or_style():
    """The policy forbids them; a template that has one would break in the browser."""
    folders = [settings.BASE_DIR / "templates"] + [
        path for path in settings.BASE_DIR.glob("*/templates") if ".venv" not in path.parts
    ]
    offending = []
    for folder in folders:
        for path in folder.rglob("*.html"):
            text = TEMPLATE_SYNTAX.sub("", path.read_text(encoding="utf-8"))
            name = path.relative_to(folder).as_posix()
            offending += [
                f"{path}: {what}"
                for pattern, what in INLINE
                if pattern.search(text) and (name, what) not in ALLOWED_INLINE
            ]
    assert not offending


@pytest.mark.browser
def test_the_browser_reports_no_policy_violation(page, unit):
    unit.add_findings(2)
    messages = []
    page.on("console", lambda message: messages.append(message.text))
    login(page, unit.staff.username)
    page.goto(reverse("findings:inspection_detail", args=[unit.inspection.code]))
    page.wait_for_load_state()
    assert page.locator("h1").count() >= 1
    assert not [m for m in messages if "Content Security Policy" in m]


@pytest.mark.browser
def test_the_admin_works_under_the_policy(page, unit):
    from findings.models import User

    User.objects.create_superuser("root", password="Admin-pass-123", display_name="系统管理员")
    finding = unit.add_findings(1)[0]
    messages = []
    page.on("console", lambda message: messages.append(message.text))
    login(page, "root", "Admin-pass-123")
    violations = {}
    for url in [
        reverse("admin:index"),
        reverse("admin:findings_finding_changelist"),
        reverse("admin:findings_finding_change", args=[finding.pk]),
        reverse("admin:findings_finding_history", args=[finding.pk]),
    ]:
        messages.clear()
        page.goto(url)
        page.wait_for_load_state()
        assert page.locator("#content").count() == 1
        violations[url] = [m for m in messages if "Content Security Policy" in m]
    # simple-history's history list has one style attribute (`border-top: 0` on the
    # paginator): blocked, with no harm but a thin line.
    history = violations.pop(reverse("admin:findings_finding_history", args=[finding.pk]))
    assert all(m.startswith("Applying inline style") for m in history)
    assert violations == dict.fromkeys(violations, [])
