"""Published versions: public and internal (双公开), withdrawal, the stable address, the
status of a public page, and what happens when storage has lost a frozen file."""

import hashlib
import re

import pytest
from django.urls import reverse

from findings.models import Finding
from reports import services
from reports.models import NoticeVersion, NoticeWithdrawal

from .fixtures_notice import docx_paragraphs, html_text, pdf_text

pytestmark = pytest.mark.django_db

SECRET = "涉及国家秘密的整改成效。"


@pytest.fixture
def ready(unit):
    unit.add_signed_off(2, result="已整改到位。")
    unit.add_signed_off(1, area=unit.areas[1], result="已建立制度。")
    return unit


def publish(unit):
    return services.notice_publish(inspection=unit.inspection, by=unit.principal)


def public(version, suffix=""):
    return reverse(f"reports:public_notice{suffix}", args=[version.public_id])


def flat(text):
    return re.sub(r"\s+", "", text)


def served(response):
    return b"".join(response.streaming_content)


def withdraw(client, unit, version, reason="发布有误。", **extra):
    url = reverse("reports:notice_withdraw", args=[unit.inspection.code, version.number])
    return client.post(url, {"reason": reason, **extra})


def test_a_withheld_finding_is_absent_from_every_public_output_and_in_the_internal_one(
    ready, client
):
    secret = ready.add_signed_off(1, result=SECRET, withheld_reason="state_secret")[0]
    version = publish(ready)
    page = client.get(public(version)).content.decode()
    pdf = pdf_text(served(client.get(public(version, "_pdf"))))
    docx = "".join(docx_paragraphs(served(client.get(public(version, "_docx")))))
    for text in (html_text(page), flat(pdf), docx, *version.paragraphs):
        assert SECRET not in flat(text) and secret.statement not in flat(text)
    assert "已整改到位。" in flat(pdf) and "已整改到位。" in docx

    code = ready.inspection.code
    client.force_login(ready.staff)
    internal = client.get(reverse("reports:internal_notice", args=[code, 1]))
    assert SECRET in internal.content.decode()
    pdf_url = reverse("reports:internal_notice_file", args=[code, 1, "pdf"])
    docx_url = reverse("reports:internal_notice_file", args=[code, 1, "docx"])
    assert SECRET in flat(pdf_text(served(client.get(pdf_url))))
    assert SECRET in "".join(docx_paragraphs(served(client.get(docx_url))))
    assert SECRET in version.internal_paragraphs
    assert hashlib.sha256(version.internal_pdf.read()).hexdigest() == version.internal_pdf_sha256


def test_the_internal_version_is_for_members_only(ready, client, outsider):
    publish(ready)
    url = reverse("reports:internal_notice", args=[ready.inspection.code, 1])
    assert client.get(url).status_code == 302  # to the login
    client.force_login(outsider)
    assert client.get(url).status_code == 404
    client.force_login(ready.inspector)
    assert client.get(url).status_code == 200


def test_the_principal_withholds_a_finding_with_a_reason_kept_in_the_history(ready, client):
    finding = ready.areas[0].findings.first()
    url = reverse("reports:notice_withholding", args=[ready.inspection.code])
    client.force_login(ready.principal)
    assert "涉及国家秘密" in client.get(url).content.decode()
    response = client.post(url, {f"reason-{finding.pk}": "open_case"})
    assert response.status_code == 302
    finding.refresh_from_db()
    assert finding.withheld_reason == "open_case"
    record = finding.history.latest("history_id")
    assert record.history_change_reason == "不在公开版本中公布：正在查办的案件"
    assert record.history_user == ready.principal


def test_a_reason_not_in_the_list_is_refused_and_changes_nothing(ready, client):
    finding = ready.areas[0].findings.first()
    url = reverse("reports:notice_withholding", args=[ready.inspection.code])
    client.force_login(ready.principal)
    before = finding.history.count()
    response = client.post(url, {f"reason-{finding.pk}": "bored"}, follow=True)
    assert "请从所列理由中选择" in response.content.decode()
    finding.refresh_from_db()
    assert finding.withheld_reason == "" and finding.history.count() == before


def test_only_the_principal_withholds_findings(ready, client):
    finding = ready.areas[0].findings.first()
    url = reverse("reports:notice_withholding", args=[ready.inspection.code])
    client.force_login(ready.leader)
    assert client.post(url, {f"reason-{finding.pk}": "hype"}).status_code == 403
    assert Finding.objects.get(pk=finding.pk).withheld_reason == ""
    with pytest.raises(services.NoticeError):
        services.findings_withhold(
            inspection=ready.inspection, by=ready.leader, reasons={finding.pk: "hype"}
        )


def test_the_public_page_shows_the_version_its_date_and_the_sha256_of_its_files(ready, client):
    version = publish(ready)
    page = client.get(public(version)).content.decode()
    assert f'<dd class="notice-version-number">{version.number}</dd>' in page
    assert version.published_at.astimezone().strftime("%Y-%m-%d") in page
    assert version.pdf_sha256 in page and version.docx_sha256 in page
    assert hashlib.sha256(served(client.get(public(version, "_pdf")))).hexdigest() in page
    assert "较新版本" not in page


def test_an_older_version_says_a_newer_one_exists_and_links_it(ready, client):
    first = publish(ready)
    finding = ready.areas[1].findings.get()
    finding.result = finding.signed_result = "已建立并执行制度。"
    finding.save()
    second = publish(ready)
    old = client.get(public(first)).content.decode()
    assert "此通报已有较新版本" in old and public(second) in old
    assert "此通报已有较新版本" not in client.get(public(second)).content.decode()


def test_the_stable_address_shows_the_latest_version_not_withdrawn(ready, client):
    first = publish(ready)
    current = reverse("reports:current_notice", args=[first.notice.public_id])
    assert client.get(current).url == public(first)
    finding = ready.areas[1].findings.get()
    finding.result = finding.signed_result = "已建立并执行制度。"
    finding.save()
    second = publish(ready)
    assert client.get(current).url == public(second)
    client.force_login(ready.principal)
    withdraw(client, ready, second, confirmed="1")
    assert client.get(current).url == public(first)
    withdraw(client, ready, first, confirmed="1")
    assert client.get(current).status_code == 404
    assert client.get(public(first)).status_code == 410


def test_withdrawing_asks_to_confirm_then_records_it_and_the_files_stay_as_frozen(ready, client):
    version = publish(ready)
    stored_pdf = version.pdf.read()
    client.force_login(ready.principal)
    asked = withdraw(client, ready, version)
    assert asked.status_code == 200 and 'name="confirmed" value="1"' in asked.content.decode()
    assert not NoticeWithdrawal.objects.exists()
    assert withdraw(client, ready, version, confirmed="1").status_code == 302
    withdrawal = NoticeWithdrawal.objects.get()
    assert withdrawal.reason == "发布有误。" and withdrawal.withdrawn_by == ready.principal
    version = NoticeVersion.objects.get()
    assert version.pdf.read() == stored_pdf
    client.logout()
    page = client.get(public(version))
    text = page.content.decode()
    assert page.status_code == 410 and "已撤回" in text and "发布有误。" in text
    assert withdrawal.withdrawn_at.astimezone().strftime("%Y-%m-%d %H:%M") in text
    assert "已整改到位。" not in text
    assert client.get(public(version, "_pdf")).status_code == 410
    assert client.get(public(version, "_docx")).status_code == 410


def test_a_withdrawal_needs_a_reason_and_the_principal_and_happens_once(ready, client):
    version = publish(ready)
    client.force_login(ready.principal)
    withdraw(client, ready, version, reason="  ", confirmed="1")
    client.force_login(ready.leader)
    assert withdraw(client, ready, version, confirmed="1").status_code == 403
    assert not NoticeWithdrawal.objects.exists()
    services.version_withdraw(version=version, by=ready.principal, reason="有误。")
    with pytest.raises(services.NoticeError):
        services.version_withdraw(version=version, by=ready.principal, reason="再次。")
    assert NoticeWithdrawal.objects.count() == 1


def test_a_withdrawal_reason_with_a_nul_character_is_refused_with_a_message(ready, client):
    version = publish(ready)
    client.force_login(ready.principal)
    url = reverse("reports:notice_withdraw", args=[ready.inspection.code, version.number])
    response = client.post(url, {"reason": "有误\x00。", "confirmed": "1"}, follow=True)
    assert "文字中含有无法保存的空字符（NUL）" in response.content.decode()
    assert not NoticeWithdrawal.objects.exists()


@pytest.mark.parametrize("field, suffix", [("html", ""), ("pdf", "_pdf"), ("docx", "_docx")])
def test_a_frozen_file_lost_from_storage_is_a_404_not_a_500(ready, client, field, suffix):
    version = publish(ready)
    getattr(version, field).storage.delete(getattr(version, field).name)
    assert client.get(public(version, suffix)).status_code == 404


def test_the_notice_page_lists_unsigned_and_withheld_findings_and_the_stable_address(ready, client):
    ready.add_findings(1, result="未销号的成效。")
    ready.add_signed_off(1, result=SECRET, withheld_reason="hype")
    version = publish(ready)
    client.force_login(ready.principal)
    page = client.get(reverse("reports:notice_detail", args=[ready.inspection.code]))
    text = page.content.decode()
    assert "（1）3. 问题3" in text and "未销号" in text
    assert "可能引起炒作" in text
    assert reverse("reports:current_notice", args=[version.notice.public_id]) in text
    assert reverse("reports:notice_withdraw", args=[ready.inspection.code, 1]) in text
