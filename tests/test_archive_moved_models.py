"""Archives and models that moved app: import jobs went from findings to sheets."""

import io

from archive import bundle, services
from sheets.models import ImportJob, ImportState

from .test_archive import empty_site, entries, export, file_hashes  # noqa: F401


def test_an_archive_written_before_import_jobs_moved_restores_them_into_sheets(
    unit,
    empty_site,  # noqa: F811
):
    job = ImportJob.objects.create(
        inspection=unit.inspection,
        created_by=unit.staff,
        filename="台账.xlsx",
        stored_name="0123.xlsx",
        state=ImportState.DONE,
    )
    code = unit.inspection.code
    exported = export(code)
    data = entries(exported)[bundle.DATA]
    assert b'"model": "sheets.importjob"' in data  # import jobs still come along
    assert file_hashes(exported) == {}
    old = data.replace(b'"model": "sheets.importjob"', b'"model": "findings.importjob"')
    out = io.BytesIO()
    bundle.write_zip(out, code=code, data=old, files=[])
    empty_site()

    summary = services.import_inspection(io.BytesIO(out.getvalue()))

    assert summary.rows["sheets.importjob"] == 1
    restored = ImportJob.objects.get()
    assert (restored.pk, restored.filename, restored.created_by_id) == (
        job.pk,
        "台账.xlsx",
        unit.staff.pk,
    )
