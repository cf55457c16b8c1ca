#!/usr/bin/env python3
"""Writes the seed inputs in fuzz/seeds/<target>/ (a few small files each). Run from anywhere:
python3 fuzz/seeds/make.py. The input formats are described in src/fuzzing.rs."""

import gzip
import hashlib
import os

HERE = os.path.dirname(os.path.abspath(__file__))


def write(target, name, data):
    if isinstance(data, str):
        data = data.encode()
    os.makedirs(os.path.join(HERE, target), exist_ok=True)
    with open(os.path.join(HERE, target, name), "wb") as f:
        f.write(data)


REGISTRY = """[settings]
stale_after_days = 90
schedule = "0 3 * * *"
timezone = "Asia/Almaty"

[[sources]]
id = "egov-009"
url = "https://egov.kz/cms/en/services/for_foreigners/009pass_mvd"
select = ["div.info-block-horizontal", "main table"]
exclude = [".share"]
ignore = ['Просмотров: \\d+']

[[sources]]
id = "api"
url = "https://example.org/api.json"
format = "json"
select = ["/data/0/body"]
schedule = "30 6 1-7 * 1"

[[routes]]
id = "it-specialist"
title = "IT specialist"
stale_after_days = 60

[[routes.facts]]
id = "processing-time"
claim = "Processing takes 45 calendar days"
source = "egov-009"
quote = "45 calendar days"
last_verified = 2026-06-09
"""

write("registry", "valid.toml", REGISTRY)
write("registry", "inline.toml", 'routes = [{ id = "r", title = "R", facts = [{ id = "a", claim = "c", '
      'source = "s", last_verified = 2026-01-01 }] }]\n[[sources]]\nid = "s"\nurl = "https://e.org/"\n')
write("registry", "invalid.toml", '[[sources]]\nid = "Bad Id"\nurl = "ftp://x"\nselect = ["div[["]\n'
      'schedule = "0 0 30 2 *"\nunknown = 1\n[[routes]]\nid = "r"\ntitle = "R"\n[[routes.facts]]\n'
      'id = "f"\nclaim = "c"\nsource = "nope"\nlast_verified = 2099-01-01\n')

HTML = ("<!doctype html><html><head><title>t</title><style>p{}</style></head><body>"
        "<nav>menu</nav><main><h1>Work permit</h1><p class=note>Issued within&nbsp;45 "
        "calendar days.</p><div class=ad>buy</div><table><tr><th>Fee</th><td>4 MCI</td></tr>"
        "<tr><td></td><td>free</td></tr></table><ul><li>passport</li><li>photo<br>3x4</li></ul>"
        "<script>x()</script></main><footer>Updated: 2026-06-09</footer></body></html>")
write("extract", "page.bin", b"\x00" + HTML.encode())
write("extract", "selected.bin", b"\x05" + HTML.encode())
write("extract", "ignore.bin", b"\x0c<p>123 views</p><p>Updated 2026</p><div>e\xcc\x81te x</div>")
write("extract", "cp1251.bin", b"\x16" + "<p>Срок оказания услуги: 45 дней</p>".encode("cp1251"))
write("extract", "selector.bin", b"\x80" + "td:nth-child(2), li > b\n<ul><li><b>ви</b>\u0306за</li></ul>"
      "<table><tr><td>a</td><td>b</td></tr></table>".encode())

write("json", "whole.bin", b'\x00{"b": 1, "a": [1, 2.5, {"z": "<p>x</p>", "y": null}], "c": "line1\\nline2"}')
write("json", "pointers.bin", b'\x02{"data": "text", "items": [{"body": "<b>x</b><br>y"}], "a/b": true}')
write("json", "html.bin", b'\x03{"html": "<p>Updated 2026-01-01</p><ul><li>one</li></ul>"}')
write("json", "pointer.bin", b'\x80/x/0\n{"x": ["\\u0438\\u0306", 1e3]}')

TEXT = "Work permit\nIssued within 45 calendar days.\nFee | 4 MCI"
SHA = hashlib.sha256(TEXT.encode()).hexdigest()
STATE = ('{"format": 1, "baseline": {"sha256": "%s", "captured_at": "2026-11-01T03:00:02.513Z"}, '
         '"latest": {"sha256": "%s", "captured_at": "2026-11-25T03:00:04.120Z", "fingerprint": "9c41", '
         '"content_type": "text/html"}}' % (SHA, SHA))
LOG = ('{"at":"2026-11-24T03:00:04.120Z","outcome":"unreachable","http_status":null,"sha256":null,'
       '"etag":null,"last_modified":null,"final_url":null,"bytes":0,"duration_ms":5,"error":"timeout"}\n'
       '{"at":"2026-11-25T03:00:04.120Z","outcome":"changed","http_status":200,"sha256":"%s",'
       '"etag":"\\"5f1\\"","last_modified":"Tue, 24 Nov 2026 18:02:11 GMT","final_url":"https://e.org/",'
       '"bytes":554,"duration_ms":120,"error":null,"fingerprint":"9c41"}\n{"at":"2026-11-2' % SHA)
LEDGER = ('{"format": 1, "facts": {"r/f": {"machine_verified": "2026-11-25", "human_verified": null, '
          '"last_written": ["2026-11-25", "machine"]}}}')
VERIFS = '{"at":"2026-11-25T03:00:04Z","fact":"r/f","date":"2026-11-25","by":"human"}\n'
NOTIFIED = '["r/f:stale", "s:changed"]'
RAW = gzip.compress(b"<p>Work permit</p>", mtime=0)
write("store", "full.bin", b"\x00".join(x.encode() if isinstance(x, str) else x
                                        for x in [STATE, LOG, LEDGER, VERIFS, NOTIFIED, TEXT, RAW]))
write("store", "no-ledger.bin", b"\x00".join(x.encode() for x in ['{"format":1,"baseline":null,"latest":null}',
                                                                  LOG, "", VERIFS]))
write("store", "bad-format.bin", b"\x00".join(x.encode() for x in
                                              [STATE, "", "{}", "", "[]", "x", "", "sourcewatch-snapshots 2\n"]))

write("diff", "edit.bin", "Title\nIssued within 45 calendar days.\nFee: 4 MCI\n- passport\n- photo\nEnd"
      "\0Title\nIssued within 30 calendar days.\nFee: 4 MCI\n- passport\nEnd\nNew line")
write("diff", "dashes.bin", "a\n-- b\nc\0a\n++ b\nc")
write("diff", "append.bin", "one\ntwo\0one\ntwo\nthree")

for name, expr in [("daily", "0 3 * * *"), ("or-days", "30 6 1-7 * 1"), ("seconds", "*/15 0 12 * * 1-5"),
                   ("leap", "0 0 29 2 *"), ("macro", "@weekly"), ("dst", "30 1 * 3,10 0")]:
    write("cron", name + ".txt", expr)

write("edit", "tables.toml", REGISTRY)
write("edit", "inline.toml", 'routes = [\n  { id = "r", facts = [{ id = "a", last_verified = 2026-01-01 }] },\n'
      '  { id = "q", facts = [{id="b",last_verified=2026-01-01}] },\n]\n')
write("edit", "crlf-bom.toml", "\ufeff[[routes]]\r\nid = \"r\"\r\n[[routes.facts]]\r\nid = \"f\"\r\n"
      "last_verified   =   2026-01-01   # checked\r\n")

write("quotes", "value.bin", "Services\nThe permit is issued within 45 calendar days. The fee is 4 MCI.\n- passport"
      "\0Services\nThe permit is issued within 30 calendar days. The fee is 4 MCI.\n- passport"
      "\0issued within 45 calendar days")
write("quotes", "moved.bin", "A\nФакт: срок 10 рабочих дней\nB\0B\nA\nФакт: срок 10 рабочих дней\0срок 10 рабочих")
write("quotes", "money.bin", "Fee: 10 000 ₸ from 01.02.2026 (Article 5)\0Fee: 12 000 тенге from 1 March 2026 "
      "(Article 5)\0")
write("quotes", "gone.bin", "Title\n«Справка» — 3 месяца\0Title\nOther text 25%\0\"справка\" - 3 месяца")
