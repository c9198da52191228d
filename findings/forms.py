from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Status


class FindingFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("status"), required=False, choices=[("", _("all"))] + Status.choices
    )
    area = forms.TypedChoiceField(label=_("area"), required=False, coerce=int, empty_value=None)
    person = forms.TypedChoiceField(label=_("person"), required=False, coerce=int, empty_value=None)
    returned = forms.BooleanField(label=_("returned (被退回)"), required=False)
    extended = forms.BooleanField(label=_("extended (延期)"), required=False)

    def __init__(self, *args, areas, people, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].choices = [("", _("all"))] + [
            (area.position, f"（{area.position}）{area.title}") for area in areas
        ]
        self.fields["person"].choices = [("", _("all"))] + [(p.pk, str(p)) for p in people]
