from django import forms
from django.utils.translation import gettext_lazy as _

from findings.models import Area, Finding

from .models import (
    FIGURE_WORDS,
    BlockKind,
    CountsWording,
    FigureKind,
    LedgerShape,
    Notice,
    SectionStyle,
)


class VersionedForm(forms.Form):
    # The draft's version when the form was opened: a save in between refuses this one.
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)


class NoticeForm(forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)

    class Meta:
        model = Notice
        fields = ["title", "preamble_template", "preamble", "unsigned_rule"]
        widgets = {
            "unsigned_rule": forms.RadioSelect,
            "preamble": forms.Textarea(attrs={"rows": 4}),
        }


class AddBlockForm(VersionedForm):
    kind = forms.ChoiceField(label=_("Kind of block"), choices=BlockKind.choices)


DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class OverviewForm(VersionedForm):
    text = forms.CharField(
        label=_("Text"),
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("One paragraph a line."),
    )


class SectionForm(VersionedForm):
    heading = forms.CharField(label=_("Heading"), max_length=200)
    style = forms.ChoiceField(label=_("Paragraphs with a lead"), choices=SectionStyle.choices)


class LedgerForm(VersionedForm):
    style = forms.ChoiceField(label=_("Shape"), choices=LedgerShape.choices)
    heading = forms.CharField(
        label=_("Heading"),
        max_length=200,
        required=False,
        help_text=_(
            "With areas: empty continues the section before. "
            "With findings as headings: leave it empty."
        ),
    )

    def clean(self):
        data = super().clean()
        if data.get("style") == LedgerShape.FINDINGS and data.get("heading", "").strip():
            self.add_error(
                "heading", _("With findings as headings the ledger has no heading of its own.")
            )
        return data


class CountsForm(VersionedForm):
    as_of = forms.DateField(label=_("Counts as of"), widget=DATE_INPUT)
    style = forms.ChoiceField(label=_("Wording"), choices=CountsWording.choices)
    precision = forms.TypedChoiceField(
        label=_("Decimals of the completion rate"),
        choices=[(0, "98%"), (1, "98.7%"), (2, "98.71%")],
        coerce=int,
    )


class FiguresForm(VersionedForm):
    text = forms.CharField(
        label=_("Words before the figures"), max_length=200, required=False, initial="整改期间，"
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for kind in FigureKind:
            before, after = FIGURE_WORDS[kind]
            self.fields[f"{kind}_before"] = forms.CharField(
                label=kind.label, max_length=100, required=False, initial=before
            )
            self.fields[f"{kind}_number"] = forms.RegexField(
                label=_("number"),
                regex=r"^\d{1,9}(\.\d{1,2})?$",
                required=False,
                error_messages={"invalid": _("A number with at most two decimals.")},
            )
            self.fields[f"{kind}_after"] = forms.CharField(
                label=_("unit"), max_length=20, required=False, initial=after
            )

    def rows(self):
        return [
            (kind, self[f"{kind}_before"], self[f"{kind}_number"], self[f"{kind}_after"])
            for kind in FigureKind
        ]

    def figures(self):
        data = self.cleaned_data
        return {
            kind.value: {
                "before": data[f"{kind}_before"].strip(),
                "number": data[f"{kind}_number"] or "",
                "after": data[f"{kind}_after"].strip(),
            }
            for kind in FigureKind
        }


class ClosingForm(VersionedForm):
    text = forms.CharField(
        label=_("Closing"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text=_("Leave empty to generate it from the unit's contact data."),
    )


class SignoffForm(VersionedForm):
    text = forms.CharField(label=_("Signature"), max_length=200, required=False)
    as_of = forms.DateField(label=_("Date of the document"), required=False, widget=DATE_INPUT)


BLOCK_FORMS = {
    BlockKind.OVERVIEW: OverviewForm,
    BlockKind.SECTION: SectionForm,
    BlockKind.LEDGER: LedgerForm,
    BlockKind.COUNTS: CountsForm,
    BlockKind.FIGURES: FiguresForm,
    BlockKind.CLOSING: ClosingForm,
    BlockKind.SIGNOFF: SignoffForm,
}
BLOCK_FIELDS = ("heading", "text", "style", "as_of", "precision")


def block_initial(block, version):
    initial = {"version": version}
    for field in BLOCK_FIELDS:
        initial[field] = getattr(block, field)
    if block.kind == BlockKind.FIGURES:
        for kind, figure in block.figures.items():
            for part, value in figure.items():
                initial[f"{kind}_{part}"] = value
    return initial


def block_changes(form):
    """The block's fields as the form gives them (only those its kind has)."""
    changes = {f: form.cleaned_data[f] for f in BLOCK_FIELDS if f in form.cleaned_data}
    for key in ("heading", "text"):
        if key in changes:
            changes[key] = changes[key].strip()
    if isinstance(form, FiguresForm):
        changes["figures"] = form.figures()
    return changes


class ParagraphForm(forms.Form):
    lead = forms.CharField(label=_("lead phrase"), max_length=100, required=False)
    text = forms.CharField(
        label=_("text"), widget=forms.Textarea(attrs={"rows": 4}), required=False
    )

    def clean(self):
        data = super().clean()
        for key in ("lead", "text"):
            if key in data:
                data[key] = data[key].strip()
        if data.get("lead") and not data.get("text"):
            self.add_error("text", _("A paragraph with a lead phrase needs its text."))
        return data


ParagraphFormSet = forms.formset_factory(ParagraphForm, extra=1, can_order=True, can_delete=True)


def paragraph_formset(prefix, data=None, initial=None):
    return ParagraphFormSet(data, initial=initial, prefix=prefix)


def paragraphs_from(formset):
    """The paragraphs in the order the ORDER fields give, without deleted or empty forms."""
    return [
        {"lead": form.cleaned_data["lead"], "text": form.cleaned_data["text"]}
        for form in formset.ordered_forms
        if form.cleaned_data.get("text")
    ]


class AreaWordingForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    title = forms.CharField(
        label=_("Title of the area"), max_length=Area._meta.get_field("title").max_length
    )


class FindingWordingForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    statement = forms.CharField(label=_("Statement"), widget=forms.Textarea(attrs={"rows": 3}))
    public_statement = forms.CharField(
        label=Finding._meta.get_field("public_statement").verbose_name,
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text=_("Leave empty to print the statement as fed back."),
    )

    def clean(self):
        data = super().clean()
        for key in ("statement", "public_statement"):
            if key in data:
                data[key] = data[key].strip()
        return data
