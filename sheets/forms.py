from django import forms
from django.utils.translation import gettext_lazy as _


class LedgerUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Ledger workbook (.xlsx)"),
        help_text=_("At most 20 MB and 20,000 rows. Nothing is written before you confirm."),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx"}),
    )
