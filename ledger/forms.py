from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from findings.models import FindingKind

from .evidence import EvidenceRefused, allowed_extensions, check_upload


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input; cleans to a list of files."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data if d]
        return [single(data, initial)] if data else []


class EvidenceFilesForm(forms.Form):
    """A form with evidence files, each checked as evidence (ledger progress, 督办 replies)."""

    files = MultipleFileField(label=_("evidence files"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["files"].help_text = _("Several files allowed: %(types)s.") % {
            "types": ", ".join(allowed_extensions())
        }

    def clean_files(self):
        checked, errors = [], []
        for upload in self.cleaned_data["files"]:
            try:
                checked.append(check_upload(upload))
            except EvidenceRefused as refused:
                errors.append(ValidationError(str(refused)))
        if errors:
            raise ValidationError(errors)
        return checked


class ProgressForm(EvidenceFilesForm):
    field_order = ["on_date", "text", "files"]

    on_date = forms.DateField(label=_("date"), widget=DateInput(), initial=timezone.localdate)
    text = forms.CharField(
        label=_("progress"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )

    def clean(self):
        data = super().clean()
        if not self.errors and not data.get("text", "").strip() and not data.get("files"):
            raise ValidationError(_("Describe the progress or attach a file."))
        return data


class VersionedForm(forms.Form):
    """An edit form that carries the finding's version it was opened at."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class FindingEditForm(VersionedForm):
    result = forms.CharField(
        label=_("result (整改成效, public)"),
        widget=forms.Textarea(attrs={"rows": 5}),
        required=False,
    )

    def __init__(self, *args, current=None, **kwargs):
        super().__init__(*args, **kwargs)
        # `current`: the finding edited; a set deadline is not in the form
        if current is not None and current.deadline is not None:
            del self.fields["deadline"]
        # Printed in the notice: bounded so that the notice renders in a few seconds.
        self.fields["result"].validators.append(
            MaxLengthValidator(
                settings.FINDING_TEXT_MAX_CHARS,
                _(
                    "The result text may have at most %(limit_value)d characters; "
                    "it has %(show_value)d."
                ),
            )
        )
        self.fields["result"].widget.attrs["maxlength"] = settings.FINDING_TEXT_MAX_CHARS

    kind = forms.ChoiceField(label=_("kind"), choices=FindingKind.choices)
    # Only the first deadline is set here; a set one moves through an extension request.
    deadline = forms.DateField(
        label=_("deadline"),
        widget=DateInput(),
        required=False,
        help_text=_("Set once; later changes need an extension request (延期申请)."),
    )

    @classmethod
    def for_finding(cls, finding):
        return cls(
            initial={"version": finding.version, "result": finding.result, "kind": finding.kind},
            prefix="edit",
            current=finding,
        )

    def clean(self):
        data = super().clean()
        needs = data.get("kind") == FindingKind.DEADLINE and "deadline" in self.fields
        if needs and not data.get("deadline"):
            self.add_error("deadline", _("A finding fixed by a deadline needs a deadline."))
        return data


class MeasureForm(VersionedForm):
    text = forms.CharField(label=_("measure"), widget=forms.Textarea(attrs={"rows": 2}))
    owner = forms.TypedChoiceField(label=_("owner"), required=False, coerce=int, empty_value=None)
    deadline = forms.DateField(label=_("deadline"), widget=DateInput(), required=False)

    def __init__(self, *args, people, **kwargs):
        super().__init__(*args, **kwargs)
        self.people = {person.pk: person for person in people}
        self.fields["owner"].choices = [("", "—")] + [(person.pk, str(person)) for person in people]

    @classmethod
    def for_measure(cls, measure, *, finding, people):
        initial = {
            "version": finding.version,
            "text": measure.text,
            "owner": measure.owner_id,
            "deadline": measure.deadline,
        }
        return cls(initial=initial, people=people, prefix=f"m{measure.pk}")

    def clean_owner(self):
        owner = self.cleaned_data["owner"]
        return self.people.get(owner) if owner else None


class MeasureDoneForm(forms.Form):
    done_on = forms.DateField(label=_("done on"), widget=DateInput(), initial=timezone.localdate)


class TransitionForm(forms.Form):
    reason = forms.CharField(
        label=_("reason"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    # The finding's version the reviewer saw (sign-off, endorsement, return).
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, required=False)


class ExtensionRequestForm(forms.Form):
    new_deadline = forms.DateField(label=_("new deadline"), widget=DateInput())
    reason = forms.CharField(label=_("reason"), widget=forms.Textarea(attrs={"rows": 2}))


class ExtensionDecisionForm(forms.Form):
    reason = forms.CharField(
        label=_("reason"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
