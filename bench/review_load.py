#!/usr/bin/env python3
"""Review load: how many facts a single edit of an official page flags, against how many it
really touches.

One egov.kz-shaped service page in English and one in Russian, each carrying 22 quoted facts
(the IT-specialist route's kind: a term, fees, eligibility, 14 documents), served from
127.0.0.1. The first check makes the baseline; then each edit of a series of single edits is
served in turn and checked against that baseline (nothing is accepted), and the facts flagged
`source_changed` are compared with the facts the edit truly touches (the ground truth written
next to each edit).

"Before" is the rule sourcewatch had until fact-scoped changes: every fact on a changed page is
flagged. It is computed from the same runs (a changed outcome flags all the page's facts).

Usage: python3 bench/review_load.py [path/to/sourcewatch]   (default: target/release/sourcewatch)
Prints a table per edit and the pooled precision and recall, before and after.
"""

import http.server
import json
import os
import subprocess
import sys
import tempfile
import threading

EN_DOCS = [
    "Application for the issuance of a permanent residence permit",
    "Certificate on passing the eligibility assessment for immigrants",
    "Copy and original of the national passport (valid over 180 days)",
    "Document confirming financial solvency as per rules or exemption grounds",
    "Criminal record certificate from the state of nationality",
    "Notarized consent of a child aged 14 to 18 years for permanent residence",
    "Notarized agreement confirming provision of housing or ownership certificate",
    "Medical examination certificate (form 028/u) confirming absence of prohibited diseases",
    "One photo (35x45 mm)",
    "Receipt on payment of national duty",
    "Petition from the relevant state authority indicating the occupational group",
    "Certificate of fingerprinting",
    "Written consent of the state of nationality permitting emigration",
    "Consent to personal data processing and cross-border transfer of personal data",
]

RU_DOCS = [
    "Заявление о выдаче разрешения на постоянное проживание",
    "Справка о прохождении оценки соответствия иммигранта",
    "Копия и оригинал национального паспорта (срок действия более 180 дней)",
    "Документ, подтверждающий платежеспособность",
    "Справка об отсутствии судимости из государства гражданской принадлежности",
    "Нотариально заверенное согласие ребенка в возрасте от 14 до 18 лет",
    "Договор, подтверждающий предоставление жилища",
    "Медицинская справка (форма 028/у) об отсутствии запрещенных заболеваний",
    "Одна фотография размером 35x45 мм",
    "Квитанция об оплате государственной пошлины",
    "Ходатайство уполномоченного государственного органа",
    "Справка о прохождении дактилоскопической регистрации",
    "Письменное согласие государства гражданской принадлежности на выезд",
    "Согласие на сбор и обработку персональных данных",
]


def en_page(term="45 calendar days", fee="4 MCI", docs=None, extra="", updated="01.06.2026",
            intro="The service is provided to foreign IT specialists. Applications are accepted online at egov.kz."):
    docs = EN_DOCS if docs is None else docs
    items = "".join(f"<li>{d}</li>" for d in docs)
    return f"""<h2>Issuance of a permanent residence permit to foreign IT specialists</h2>
<p>{intro}</p>
<h3>Term of rendering the service</h3>
<p>The service is rendered within {term}.</p>
<h3>Cost</h3>
<table><tr><th>Service</th><th>Fee</th></tr><tr><td>Permanent residence permit</td><td>{fee}</td></tr>
<tr><td>Duplicate permit</td><td>2 MCI</td></tr></table>
<h3>Eligibility</h3>
<p>Applicants must have at least 3 years of work experience in IT.</p>
<p>Applicants aged from 18 to 65 years may apply.</p>
{extra}
<h3>List of documents</h3><ul>{items}</ul>
<p>Last updated {updated}</p>"""


def ru_page(term="15 рабочих дней", fee="4 МРП", docs=None, extra="", updated="01.06.2026",
            intro="Услуга оказывается иностранным IT-специалистам. Заявления принимаются через портал egov.kz."):
    docs = RU_DOCS if docs is None else docs
    items = "".join(f"<li>{d}</li>" for d in docs)
    return f"""<h2>Выдача разрешения на постоянное проживание IT-специалистам</h2>
<p>{intro}</p>
<h3>Срок оказания услуги</h3>
<p>Срок оказания услуги – {term}.</p>
<h3>Стоимость</h3>
<table><tr><th>Услуга</th><th>Пошлина</th></tr><tr><td>Разрешение на постоянное проживание</td><td>{fee}</td></tr>
<tr><td>Дубликат разрешения</td><td>2 МРП</td></tr></table>
<h3>Требования</h3>
<p>Опыт работы в сфере IT не менее 3 лет.</p>
<p>Подать заявление могут лица в возрасте от 18 до 65 лет.</p>
{extra}
<h3>Перечень документов</h3><ul>{items}</ul>
<p>Обновлено: {updated}</p>"""


def facts(lang):
    """(fact id, quote) for the 22 facts of a page."""
    if lang == "en":
        head = [
            ("term", "rendered within 45 calendar days"),
            ("fee", "Permanent residence permit | 4 MCI"),
            ("duplicate-fee", "Duplicate permit | 2 MCI"),
            ("online", "Applications are accepted online at egov.kz"),
            ("experience", "at least 3 years of work experience in IT"),
            ("age", "aged from 18 to 65 years"),
            ("for-it", "provided to foreign IT specialists"),
            ("doc-fingerprint-note", "Certificate of fingerprinting"),
        ]
        docs = EN_DOCS
    else:
        head = [
            ("term", "Срок оказания услуги – 15 рабочих дней"),
            ("fee", "Разрешение на постоянное проживание | 4 МРП"),
            ("duplicate-fee", "Дубликат разрешения | 2 МРП"),
            ("online", "Заявления принимаются через портал egov.kz"),
            ("experience", "Опыт работы в сфере IT не менее 3 лет"),
            ("age", "в возрасте от 18 до 65 лет"),
            ("for-it", "оказывается иностранным IT-специалистам"),
            ("doc-fingerprint-note", "дактилоскопической регистрации"),
        ]
        docs = RU_DOCS
    # The fingerprinting document is quoted twice on purpose (two published facts rest on it).
    return head + [(f"doc-{i + 1:02}", d) for i, d in enumerate(docs)]


def swap(docs, a, b):
    docs = list(docs)
    docs[a], docs[b] = docs[b], docs[a]
    return docs


def without(docs, i):
    return [d for j, d in enumerate(docs) if j != i]


def reworded(docs, i, text):
    docs = list(docs)
    docs[i] = text
    return docs


# (name, language, page, facts truly touched)
EDITS = [
    ("value: processing term", "en", en_page(term="30 calendar days"), {"term"}),
    ("value: fee in a table row", "en", en_page(fee="6 MCI"), {"fee"}),
    ("value: one sentence of a paragraph", "en",
     en_page(intro="The service is provided to foreign IT specialists. Applications are accepted online at egov.kz within 5 days."),
     {"online"}),
    ("wording: a document reworded", "en",
     en_page(docs=reworded(EN_DOCS, 2, "Copy and original of the passport of a foreign citizen (valid over 180 days)")),
     {"doc-03"}),
    ("gone: a document removed", "en", en_page(docs=without(EN_DOCS, 11)), {"doc-12", "doc-fingerprint-note"}),
    ("added: a document nobody quotes", "en", en_page(docs=EN_DOCS + ["Certificate of no tax debt"]), set()),
    ("moved: two documents swapped", "en", en_page(docs=swap(EN_DOCS, 4, 5)), set()),
    ("footer date", "en", en_page(updated="15.11.2026"), set()),
    ("new paragraph", "en",
     en_page(extra="<p>Applications from family members are considered separately.</p>"), set()),
    ("value: processing term", "ru", ru_page(term="10 рабочих дней"), {"term"}),
    ("value: state duty", "ru", ru_page(fee="6 МРП"), {"fee"}),
    ("wording: a document reworded", "ru",
     ru_page(docs=reworded(RU_DOCS, 3, "Документ, подтверждающий платежеспособность заявителя")), {"doc-04"}),
    ("gone: a document removed", "ru", ru_page(docs=without(RU_DOCS, 8)), {"doc-09"}),
    ("added: a document nobody quotes", "ru", ru_page(docs=RU_DOCS + ["Справка об отсутствии налоговой задолженности"]), set()),
    ("moved: two documents swapped", "ru", ru_page(docs=swap(RU_DOCS, 0, 1)), set()),
    ("footer date", "ru", ru_page(updated="15.11.2026"), set()),
    ("new paragraph", "ru", ru_page(extra="<p>Заявления членов семьи рассматриваются отдельно.</p>"), set()),
    ("value: age range", "ru", ru_page().replace("от 18 до 65 лет", "от 18 до 60 лет"), {"age"}),
]


class Site:
    def __init__(self):
        self.pages = {"/en": en_page(), "/ru": ru_page()}
        self.token = 0

    def body(self, path):
        self.token += 1
        inner = self.pages.get(path)
        if inner is None:
            return None
        # Volatile parts outside the selected block, as on the real portal.
        return (f"<!doctype html><html><head><meta charset=utf-8><script>var csrf='{self.token}';</script>"
                f"</head><body><header><form><input type=hidden value='{self.token}'></form></header>"
                f"<div class=\"info-block-horizontal\">{inner}</div>"
                f"<footer>Generated {self.token}</footer></body></html>").encode()


def serve(site):
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            body = site.body(self.path)
            self.send_response(200 if body else 404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            body = body or b"not found"
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def registry(port):
    out = ["[settings]", "retries = 0", "per_host_interval_ms = 0", "respect_robots = false", ""]
    for lang in ("en", "ru"):
        out += [
            "[[sources]]", f'id = "page-{lang}"', f'url = "http://127.0.0.1:{port}/{lang}"',
            'select = ["div.info-block-horizontal"]', "respect_robots = false",
            'robots_override_reason = "local benchmark server"', "",
        ]
    for lang in ("en", "ru"):
        out += ["[[routes]]", f'id = "{lang}"', f'title = "Route {lang}"', ""]
        for fid, quote in facts(lang):
            out += ["[[routes.facts]]", f'id = "{fid}"', 'claim = "c"', f'source = "page-{lang}"',
                    f"quote = {json.dumps(quote, ensure_ascii=False)}", "last_verified = 2026-11-20", ""]
    return "\n".join(out)


def check(binary, ws):
    run = subprocess.run([binary, "check", "--format", "json"], cwd=ws, capture_output=True,
                         text=True, env={**os.environ, "SOURCEWATCH_TODAY": "2026-11-25"})
    if run.returncode not in (0, 1):
        sys.exit(f"check failed: {run.stderr}")
    return json.loads(run.stdout)


def main():
    binary = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else "target/release/sourcewatch")
    site = Site()
    server = serve(site)
    try:
        with tempfile.TemporaryDirectory() as ws:
            with open(os.path.join(ws, "sources.toml"), "w") as f:
                f.write(registry(server.server_address[1]))
            first = check(binary, ws)
            assert all(s["outcome"] == "new" for s in first["sources"]), first["sources"]
            missing = [f["id"] for f in first["facts"] if f["quote_found"] is not True]
            assert not missing, f"quotes not on the baseline page: {missing}"
            rows = []
            totals = {"before": [0, 0, 0], "after": [0, 0, 0]}  # tp, fp, fn
            for name, lang, page, truth in EDITS:
                original = site.pages[f"/{lang}"]
                site.pages[f"/{lang}"] = page
                report = check(binary, ws)
                site.pages[f"/{lang}"] = original
                on_page = [f for f in report["facts"] if f["source"] == f"page-{lang}"]
                outcome = next(s["outcome"] for s in report["sources"] if s["id"] == f"page-{lang}")
                after = {f["id"].split("/", 1)[1] for f in on_page if "source_changed" in f["flags"]}
                before = {f["id"].split("/", 1)[1] for f in on_page} if outcome == "changed" else set()
                for key, flagged in (("before", before), ("after", after)):
                    t = totals[key]
                    t[0] += len(flagged & truth)
                    t[1] += len(flagged - truth)
                    t[2] += len(truth - flagged)
                uncovered = next(s for s in report["sources"] if s["id"] == f"page-{lang}")["uncovered"]
                rows.append((lang, name, outcome, len(truth), len(before), len(after),
                             sorted(after - truth), sorted(truth - after), len(uncovered)))
    finally:
        server.shutdown()

    print("| lang | edit | outcome | truly touched | flagged before | flagged now | false alarms now | missed now | changes no fact covers |")
    print("|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print("| {} | {} | {} | {} | {} | {} | {} | {} | {} |".format(
            r[0], r[1], r[2], r[3], r[4], r[5], ", ".join(r[6]) or "–", ", ".join(r[7]) or "–", r[8]))
    print()
    for key in ("before", "after"):
        tp, fp, fn = totals[key]
        precision = tp / (tp + fp) if tp + fp else 1.0
        recall = tp / (tp + fn) if tp + fn else 1.0
        print(f"{key:>6}: flagged {tp + fp}, truly touched {tp + fn}, "
              f"precision {precision:.1%}, recall {recall:.1%}")


if __name__ == "__main__":
    main()
