"""Forms of the principal's setup pages (findings.setup_views)."""

from django import forms
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

from .models import Area, Inspection, Membership, Role


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class InspectionForm(forms.ModelForm):
    class Meta:
        model = Inspection
        fields = [
            "authority",
            "group",
            "kind",
            "onsite_start",
            "onsite_end",
            "feedback_date",
            "signoff_levels",
        ]
        widgets = {
            "onsite_start": DateInput(),
            "onsite_end": DateInput(),
            "feedback_date": DateInput(),
        }
        help_texts = {
            "authority": _("who ordered the inspection, e.g. 区委"),
            "group": _("e.g. 区委第二巡察组"),
        }

    def clean(self):
        data = super().clean()
        start, end = data.get("onsite_start"), data.get("onsite_end")
        if start and end and end < start:
            self.add_error("onsite_end", _("The on-site period ends before it starts."))
        feedback = data.get("feedback_date")
        if start and feedback and feedback < start:
            self.add_error("feedback_date", _("The feedback date is before the on-site period."))
        return data


class NewInspectionForm(InspectionForm):
    areas = forms.CharField(
        label=_("areas"),
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("one area per line, in order, e.g. 聚焦贯彻落实党的理论和路线方针政策方面"),
    )

    def clean_areas(self):
        titles = [line.strip() for line in self.cleaned_data["areas"].splitlines()]
        titles = [t for t in titles if t]
        if not titles:
            raise forms.ValidationError(_("Name at least one area."))
        limit = Area._meta.get_field("title").max_length
        for number, title in enumerate(titles, start=1):
            if len(title) > limit:
                raise forms.ValidationError(
                    _("Area %(number)s is longer than %(limit)s characters.")
                    % {"number": number, "limit": limit}
                )
        return titles


class AreaForm(forms.ModelForm):
    class Meta:
        model = Area
        fields = ["title"]


ROLE_CHOICES = [(role.value, role.label) for role in Role]


class MemberForm(forms.Form):
    display_name = forms.CharField(
        label=_("name shown"),
        max_length=100,
        help_text=_("as colleagues know them, e.g. 办公室干事"),
    )
    username = forms.CharField(
        label=_("login name"),
        max_length=150,
        validators=[
            RegexValidator(
                r"^[A-Za-z0-9_.-]{3,150}$",
                _("Use 3 or more letters, digits, dots, hyphens or underscores."),
            )
        ],
    )
    job_title = forms.CharField(label=_("job title"), max_length=100, required=False)
    role = forms.ChoiceField(label=_("role"), choices=ROLE_CHOICES)


class RoleForm(forms.ModelForm):
    class Meta:
        model = Membership
        fields = ["role"]
