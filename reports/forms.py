from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Notice


class NoticeForm(forms.ModelForm):
    # The draft's version when the form was opened: a save in between refuses this one.
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)

    class Meta:
        model = Notice
        fields = [
            "title",
            "preamble",
            "measures_title",
            "next_steps_lead",
            "closing",
            "unsigned_rule",
            "show_counts",
            "counts_as_of",
            "signature",
            "dated",
        ]
        widgets = {
            "unsigned_rule": forms.RadioSelect,
            "preamble": forms.Textarea(attrs={"rows": 4}),
            "next_steps_lead": forms.Textarea(attrs={"rows": 4}),
            "closing": forms.Textarea(attrs={"rows": 3}),
            "counts_as_of": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "dated": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }

    def clean(self):
        data = super().clean()
        if data.get("show_counts") and not data.get("counts_as_of"):
            self.add_error("counts_as_of", _("Give the date the counts are as of."))
        return data


class ParagraphForm(forms.Form):
    lead = forms.CharField(label=_("lead phrase"), max_length=100)
    text = forms.CharField(label=_("text"), widget=forms.Textarea(attrs={"rows": 4}))

    def clean(self):
        data = super().clean()
        for key in ("lead", "text"):
            if key in data:
                data[key] = data[key].strip()
        return data


ParagraphFormSet = forms.formset_factory(ParagraphForm, extra=1, can_order=True, can_delete=True)


def paragraph_formset(prefix, data=None, initial=None):
    return ParagraphFormSet(data, initial=initial, prefix=prefix)


def paragraphs_from(formset):
    """The paragraphs in the order the ORDER fields give, without deleted or empty forms."""
    return [
        {"lead": form.cleaned_data["lead"], "text": form.cleaned_data["text"]}
        for form in formset.ordered_forms
        if form.cleaned_data.get("lead") or form.cleaned_data.get("text")
    ]
