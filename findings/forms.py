from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Status


class FindingFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("status"), required=False, choices=[("", _("all"))] + Status.choices
    )
    area = forms.TypedChoiceField(label=_("area"), required=False, coerce=int, empty_value=None)
    person = forms.TypedChoiceField(label=_("person"), required=False, coerce=int, empty_value=None)

    def __init__(self, *args, areas, people, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].choices = [("", _("all"))] + [
            (area.position, f"（{area.position}）{area.title}") for area in areas
        ]
        self.fields["person"].choices = [("", _("all"))] + [(p.pk, str(p)) for p in people]


class CategoryForm(forms.Form):
    """One finding's 问题分类: one of the categories the panel offers, or none."""

    category = forms.TypedChoiceField(
        label=_("problem category"), required=False, coerce=int, empty_value=None
    )

    def __init__(self, *args, panel, **kwargs):
        kwargs.setdefault("initial", {"category": panel.current.pk if panel.current else None})
        super().__init__(*args, **kwargs)
        self.offered = {c.pk: c for c in panel.choices}
        self.fields["category"].choices = [("", _("not categorised"))] + [
            (c.pk, c.name) for c in panel.choices
        ]

    def clean_category(self):
        pk = self.cleaned_data["category"]
        return self.offered[pk] if pk else None
