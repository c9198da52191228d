from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from findings.models import Inspection, ProblemCategory
from ledger.forms import DateInput, EvidenceFilesForm
from rectify.posted import as_number

from .dashboard import FILTERS


class IssueForm(forms.Form):
    finding = forms.TypedChoiceField(
        label=_("on the finding"), coerce=int, required=False, empty_value=None
    )
    text = forms.CharField(label=_("what the office asks"), widget=forms.Textarea({"rows": 4}))
    reply_deadline = forms.DateField(label=_("reply by"), widget=DateInput())

    def __init__(self, *args, findings=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.findings = {f.pk: f for f in findings}
        self.fields["finding"].choices = [("", _("the whole unit"))] + [
            (f.pk, f"{f.area.position}.{f.number} {f.statement[:40]}") for f in findings
        ]

    def clean_finding(self):
        pk = self.cleaned_data["finding"]
        return self.findings.get(pk) if pk else None


class StepForm(EvidenceFilesForm):
    field_order = ["text", "reply_deadline", "files"]

    text = forms.CharField(label=_("text"), widget=forms.Textarea({"rows": 3}), required=False)
    reply_deadline = forms.DateField(
        label=_("new reply deadline"), widget=DateInput(), required=False
    )


class BehindForm(forms.Form):
    """Which list behind a dashboard number: ?show=overdue&unit=<code>&category=<id>|none."""

    show = forms.ChoiceField(choices=[(name, name) for name in FILTERS], required=False)
    unit = forms.SlugField(required=False)
    category = forms.CharField(required=False)

    def __init__(self, *args, round_, **kwargs):
        super().__init__(*args, **kwargs)
        self.round = round_

    def clean_unit(self):
        code = self.cleaned_data["unit"]
        if not code:
            return None
        inspection = Inspection.objects.filter(round=self.round, code=code).first()
        if inspection is None:
            raise ValidationError(_("No unit of this round has that code."))
        return inspection

    def clean(self):
        data = super().clean()
        value = data.get("category") or ""
        data["uncategorised"] = value == "none"
        data["category"] = None
        if value and value != "none":
            category = ProblemCategory.objects.filter(
                office=self.round.office_id, pk=as_number(value)
            ).first()
            if category is None:
                raise ValidationError(_("No category of this office has that number."))
            data["category"] = category
        return data


class CategoryNameForm(forms.Form):
    name = forms.CharField(label=_("Category name"), max_length=100)
