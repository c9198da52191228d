"""Benchmark: the seed notice's PDF rendered through the app vs WeasyPrint alone.

Both render the same HTML (the app's PDF page for the seed notice), in one run,
interleaved, after a warm-up; the medians are compared. The app path includes
reading the notice and the ledger from the database, the template, the restricted
URL fetcher and the shared FontConfiguration. "WeasyPrint alone" is
`HTML(string=html, base_url=static dir).write_pdf()` with WeasyPrint's defaults; both
justify Chinese lines between characters (reports.justify, installed when reports.render
is imported). "WeasyPrint alone, spaces only" is the same with WeasyPrint's own
justification put back, to show what justifying between characters costs.
The run also renders the notice many times through the app and reports the
resident memory before and after (one FontConfiguration per process keeps it flat).

    .venv/bin/python bench/notice_pdf.py [--repeat 9] [--memory-renders 20]

Writes bench/results/notice_pdf.json; exits 1 if the app takes more than 1.3×.
"""

import argparse
import json
import os
import platform
import resource
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import host

BASE_DIR = Path(__file__).resolve().parent.parent
LIMIT = 1.3


def setup_django(db_path):
    sys.path.insert(0, str(BASE_DIR))
    os.environ["DATABASE_URL"] = f"sqlite:///{db_path}"
    os.environ.setdefault("SECRET_KEY", "benchmark-only")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rectify.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("load_demo", verbosity=0)


def rss_mib():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=9)
    parser.add_argument("--memory-renders", type=int, default=20)
    parser.add_argument("--out", default=str(BASE_DIR / "bench" / "results" / "notice_pdf.json"))
    args = parser.parse_args()
    machine = host.describe()  # before anything else runs in this process

    with tempfile.TemporaryDirectory() as tmp:
        setup_django(Path(tmp) / "bench.sqlite3")
        import weasyprint
        from weasyprint.text.fonts import FontConfiguration

        from reports import render
        from reports.models import Notice
        from reports.selectors import current_document

        def through_the_app():
            notice = Notice.objects.select_related("inspection__organisation").get(
                inspection__code="xinhua-cyl-2023"
            )
            document, _areas = current_document(notice)
            return render.notice_pdf(document, draft=False)

        notice = Notice.objects.select_related("inspection__organisation").get()
        html = render.notice_html(current_document(notice)[0], draft=False, for_pdf=True)
        static_dir = (BASE_DIR / "static").as_uri() + "/"

        def weasyprint_alone():
            return weasyprint.HTML(string=html, base_url=static_dir).write_pdf()

        shared = FontConfiguration()

        def weasyprint_alone_shared_fonts():
            return weasyprint.HTML(string=html, base_url=static_dir).write_pdf(font_config=shared)

        from weasyprint.layout import inline

        from reports import justify

        def weasyprint_alone_spaces_only():
            inline.justify_line = justify._spaces_only
            try:
                return weasyprint_alone()
            finally:
                justify.install()

        runs = {
            "app": through_the_app,
            "weasyprint_alone": weasyprint_alone,
            "weasyprint_alone_shared_fonts": weasyprint_alone_shared_fonts,
            "weasyprint_alone_spaces_only": weasyprint_alone_spaces_only,
        }
        outputs = {name: run() for name, run in runs.items()}  # warm-up
        times = {name: [] for name in runs}
        for _ in range(args.repeat):
            for name, run in runs.items():
                start = time.perf_counter()
                run()
                times[name].append(time.perf_counter() - start)

        rss_before = rss_mib()
        for _ in range(args.memory_renders):
            through_the_app()
        rss_after = rss_mib()

    medians = {name: statistics.median(values) for name, values in times.items()}
    ratio = medians["app"] / medians["weasyprint_alone"]
    result = {
        "benchmark": "seed notice PDF: through the app vs WeasyPrint alone on the same HTML",
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        **machine,
        "platform": platform.platform(),
        "weasyprint": weasyprint.__version__,
        "pdf_bytes": {name: len(data) for name, data in outputs.items()},
        "repetitions": args.repeat,
        "seconds": {name: [round(t, 4) for t in values] for name, values in times.items()},
        "median_seconds": {name: round(m, 4) for name, m in medians.items()},
        "ratio_app_to_weasyprint_alone": round(ratio, 3),
        "ratio_app_to_weasyprint_alone_shared_fonts": round(
            medians["app"] / medians["weasyprint_alone_shared_fonts"], 3
        ),
        "ratio_justified_to_spaces_only": round(
            medians["weasyprint_alone"] / medians["weasyprint_alone_spaces_only"], 3
        ),
        "limit": LIMIT,
        "within_limit": ratio <= LIMIT,
        "memory": {
            "renders": args.memory_renders,
            "rss_mib_before": round(rss_before, 1),
            "rss_mib_after": round(rss_after, 1),
        },
    }
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    print(json.dumps(result["median_seconds"]), f"ratio {ratio:.3f} (limit {LIMIT})")
    print(f"RSS {rss_before:.0f} → {rss_after:.0f} MiB over {args.memory_renders} renders")
    return 0 if ratio <= LIMIT else 1


if __name__ == "__main__":
    sys.exit(main())
