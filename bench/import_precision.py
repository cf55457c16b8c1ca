#!/usr/bin/env python3
"""Import precision: how much of a route page `sourcewatch import` drafts, and how good its quotes
are, against a reviewer's answer written next to each claim.

Two route pages shaped like the site's (the seed page's local copy in examples/site, English;
tests/fixtures/site/route-ru.html, Russian), each linking an official page written in another
wording (bench/import/official-*.html, fixtures in the style of egov.kz service passports), served
from 127.0.0.1. For every claim of a page the reviewer's answer is the official passage that
states it, or None where the official page does not say it. Reported per page and pooled:

  claims drafted / claims on the page
  quotes offered that are the reviewer's passage / quotes offered      (precision)
  quotes offered / claims the official page states                     (recall)

Usage: python3 bench/import_precision.py [path/to/sourcewatch]   (default: target/release/sourcewatch)
"""

import http.server
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import tomllib

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EGOV = "https://egov.kz/cms/en/services/for_foreigners/009pass_mvd"

EN_OFFICIAL = {
    "Job offer: Required": "An employment contract or a job offer from an employer in the Republic of Kazakhstan is required.",
    "Employer sponsor: Required": None,
    "Work experience: 2+ years": "Foreign IT specialists aged from 18 to 65 years who have at least 2 years of work experience in the field of information technologies.",
    "Health insurance: Required (valid in-country)": None,
    "Age range: 18–65": "Foreign IT specialists aged from 18 to 65 years who have at least 2 years of work experience in the field of information technologies.",
    "Initial stay: 12 months": "A permanent residence permit; the residence permit is first issued for a period of 12 months.",
    "Application for the issuance of a permanent residence permit": "Application for the issuance of a permanent residence permit",
    "Certificate on passing the eligibility assessment for immigrants": "Certificate on passing the eligibility assessment for immigrants",
    "Copy and original of the national passport or document of stateless person (valid over 180 days)": "Copy of the national passport or the document of a stateless person, valid for at least 180 days, and its original for identification",
    "Document confirming financial solvency as per rules or exemption grounds": "Documents confirming financial solvency, or the grounds for exemption",
    "Criminal record certificate (no criminal record certificate) from the state of nationality/permanent residence (where applicable)": "Certificate of no criminal record from the state of citizenship or permanent residence",
    "Notarized consent of a child aged 14 to 18 years for permanent residence (where applicable)": "Notarized consent of children aged 14 to 18 years to move for permanent residence",
    "Notarized agreement or statement confirming provision of housing or ownership certificate": "Notarized agreement confirming the provision of housing, or a certificate of ownership",
    "Medical examination certificate (form 028/u) confirming absence of prohibited diseases": "Medical certificate (form 028/u) confirming the absence of diseases on the list of prohibited diseases",
    "One photo (35x45 mm)": "One photograph measuring 35x45 mm",
    "Receipt on payment of national duty": "Receipt of payment of the state duty",
    "Petition from relevant state authority indicating occupational group and confirming compliance with NCO requirements (for in-demand IT specialists)": "Petition of the authorized state body indicating the occupational group",
    "Certificate of fingerprinting": "Certificate of fingerprint registration",
    "Written consent of the state of nationality or departure slip or other document permitting emigration (where applicable)": "Written consent of the state of citizenship, or a departure sheet",
    "Consent to personal data processing and cross-border transfer of personal data": "Consent to the collection and processing of personal data, including their cross-border transfer",
    "Typical processing: ~45 days": "The service is rendered within 45 calendar days.",
}

RU_OFFICIAL = {
    "Возраст: от 18 лет": "Иностранцы в возрасте от 18 лет, прибывшие в Республику Казахстан в безвизовом порядке.",
    "Приглашение работодателя: Не требуется": None,
    "Срок рассмотрения: 15 рабочих дней": "Срок оказания государственной услуги – 15 рабочих дней.",
    "Разрешение выдаётся на срок до 12 месяцев": "Разрешение трудовому иммигранту выдается на срок до 12 месяцев.",
    "Государственная пошлина — 2 МРП": "За выдачу разрешения взимается государственная пошлина в размере 2 МРП.",
    "Заявление о выдаче разрешения трудовому иммигранту": "Заявление о выдаче или продлении разрешения трудовому иммигранту",
    "Копия паспорта иностранца": "Копия документа, удостоверяющего личность иностранца",
    "Медицинская справка о состоянии здоровья (форма 075/у)": "Медицинская справка о состоянии здоровья (форма 075/у)",
}


class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def main():
    binary = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "target/release/sourcewatch")
    site = tempfile.mkdtemp(prefix="sw-import-")
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), lambda *a: Quiet(*a, directory=site))
    base = f"http://127.0.0.1:{server.server_address[1]}"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    pages = [
        ("en", os.path.join(ROOT, "examples/site/kz-pr-it-specialists.html"), "official-en.html", EN_OFFICIAL),
        ("ru", os.path.join(ROOT, "tests/fixtures/site/route-ru.html"), "official-ru.html", RU_OFFICIAL),
    ]
    totals = [0, 0, 0, 0, 0]  # on page, drafted, offered, accepted, stated
    try:
        print("| page | claims drafted | quotes offered | accepted | precision | recall |")
        print("|---|---|---|---|---|---|")
        for lang, route, official, truth in pages:
            official_url = f"{base}/{official}"
            shutil.copy(os.path.join(ROOT, "bench/import", official), os.path.join(site, official))
            html = open(route, encoding="utf-8").read().replace(EGOV, official_url).replace("{official}", official_url)
            open(os.path.join(site, f"route-{lang}.html"), "w", encoding="utf-8").write(html)
            work = tempfile.mkdtemp(prefix="sw-import-ws-")
            with open(os.path.join(work, "sources.toml"), "w", encoding="utf-8") as f:
                f.write(f'[settings]\nretries = 0\nper_host_interval_ms = 0\n\n[[sources]]\nid = "official"\nurl = "{official_url}"\n')
            run = subprocess.run([binary, "import", f"{base}/route-{lang}.html"], cwd=work,
                                 capture_output=True, text=True, env={**os.environ, "SOURCEWATCH_TODAY": "2026-11-25"})
            if run.returncode != 0:
                sys.exit(f"import failed: {run.stderr}")
            facts = tomllib.loads(run.stdout)["routes"][0]["facts"]
            drafted = {f["claim"]: f.get("quote") for f in facts}
            offered = [(c, q) for c, q in drafted.items() if q is not None]
            accepted = [(c, q) for c, q in offered if truth.get(c) == q]
            stated = sum(1 for v in truth.values() if v is not None)
            for c, q in offered:
                if truth.get(c) != q:
                    print(f"  not accepted ({lang}): {c!r} -> {q!r} (reviewer: {truth.get(c)!r})", file=sys.stderr)
            for c, v in truth.items():
                if v is not None and drafted.get(c) is None:
                    print(f"  missed ({lang}): {c!r} (reviewer: {v!r})", file=sys.stderr)
            missing = set(truth) - set(drafted)
            if missing:
                print(f"  claims not drafted ({lang}): {sorted(missing)}", file=sys.stderr)
            row = [len(truth), len(set(truth) & set(drafted)), len(offered), len(accepted), stated]
            totals = [a + b for a, b in zip(totals, row)]
            print(f"| {lang} | {row[1]}/{row[0]} | {row[2]} | {row[3]} | {pct(row[3], row[2])} | {pct(row[2], row[4])} |")
            shutil.rmtree(work)
        print(f"| pooled | {totals[1]}/{totals[0]} | {totals[2]} | {totals[3]} | {pct(totals[3], totals[2])} | {pct(totals[2], totals[4])} |")
    finally:
        server.shutdown()
        shutil.rmtree(site)


def pct(a, b):
    return f"{100 * a / b:.0f}%" if b else "–"


if __name__ == "__main__":
    main()
