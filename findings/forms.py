from django import forms
from django.utils.translation import gettext_lazy as _


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
