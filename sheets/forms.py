from django import forms
from django.utils.translation import gettext_lazy as _


class LedgerUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Ledger file (.xlsx, .xls, .ods or .csv)"),
        help_text=_("At most 20 MB. Nothing is written before you confirm."),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.xls,.ods,.csv"}),
    )
