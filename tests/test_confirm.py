"""The confirmation page of an irreversible step (rectify/confirm.py)."""

from django.contrib.auth.models import AnonymousUser
from django.test import RequestFactory

from rectify.confirm import confirmation_page, is_confirmed


def _post(data):
    request = RequestFactory().post("/steps/sign-off/?next=1", data)
    request.user = AnonymousUser()
    return request


def test_a_first_post_is_not_confirmed_and_the_second_is():
    assert not is_confirmed(_post({"reason": "x"}))
    assert not is_confirmed(_post({"confirmed": "yes"}))
    assert is_confirmed(_post({"reason": "x", "confirmed": "1"}))


def test_the_page_carries_every_field_back_to_the_same_address():
    request = _post({"reason": "退回<理由>", "ids": ["3", "4"], "csrfmiddlewaretoken": "t"})
    response = confirmation_page(
        request,
        title="销号",
        question="确定销号吗？",
        button="确认销号",
        back_url="/back/",
        details=[("问题", "1.1 理论学习")],
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert 'action="/steps/sign-off/?next=1"' in html
    assert 'name="reason" value="退回&lt;理由&gt;"' in html
    assert html.count('name="ids"') == 2
    assert 'name="confirmed" value="1"' in html
    assert 'value="t"' not in html  # the request's token is not carried, the page has its own
    assert "1.1 理论学习" in html and 'href="/back/"' in html
