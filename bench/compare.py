#!/usr/bin/env python3
"""compare.py CORPUS --harness DIR --sourcewatch BIN [--reps 3] [--results FILE]

One run, three tools, same corpus, same nginx (already serving CORPUS/site on 127.0.0.1:18080):
  sourcewatch  check: baseline (empty store, corpus r0), detect (r1: 5% of pages changed in
               <main>, volatile tokens changed everywhere), recheck (r1 again: conditional GETs)
  urlwatch     2.29, its best configuration ("exclude": css main minus script/style/form,
               html2text re; 10 workers), the same three passes
  floor        the harness's minimal Rust fetch+parse+hash (`limit full`, 16 in flight)
Each pass is one process under /usr/bin/time -v (wall, CPU, peak RSS), medians of --reps.
Detection is scored against CORPUS/expected_changed.txt. Prints a table and the ratios.
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time

BASE = "http://127.0.0.1:18080"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("corpus")
    ap.add_argument("--harness", required=True)
    ap.add_argument("--sourcewatch", required=True)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--results")
    a = ap.parse_args()
    sys.path.insert(0, a.harness)
    import peers  # the shared harness: timed(), switch(), score(), read_lines()

    c = os.path.abspath(a.corpus)
    paths = peers.read_lines(os.path.join(c, "urls.txt"))
    expected = peers.read_lines(os.path.join(c, "expected_changed.txt"))
    n = len(paths)
    rows = {}  # (tool, pass) -> [timed dicts]

    # Every rep gets fresh directories and nothing is deleted while anything is timed: on a
    # journal-less ext4 (this VM's disk) each new inode is checked against recently deleted ones,
    # so removing the last rep's 7,000 store files billed seconds of kernel time to the next
    # baseline. Leftovers of earlier runs go first, then the filesystem settles.
    sw_root = os.path.join(c, "sourcewatch")
    uw_dir = os.path.join(c, "urlwatch-cmp")
    lw = os.path.join(c, "limit-cmp")
    for d in (sw_root, uw_dir, lw):
        shutil.rmtree(d, ignore_errors=True)
        os.makedirs(d)
    os.sync()
    time.sleep(6)

    # ---------------------------------------------------------------- sourcewatch
    ids = {f"p{i:05d}": p for i, p in enumerate(paths)}

    def sw_registry(rep):
        sw = os.path.join(sw_root, f"rep{rep}")
        os.makedirs(sw)
        with open(os.path.join(sw, "sources.toml"), "w") as f:
            # Politeness knobs opened up: every page is on one loopback host here.
            f.write("[settings]\nconcurrency = 16\nper_host_concurrency = 16\n"
                    "per_host_interval_ms = 0\nretries = 0\ntimeout_secs = 30\n\n")
            for sid, p in ids.items():
                f.write(f'[[sources]]\nid = "{sid}"\nurl = "{BASE}{p}"\nselect = ["main"]\n'
                        f'exclude = ["form"]\n\n')
        return sw

    def sw_pass(sw, name, rnd):
        peers.switch(c, rnd)
        out = os.path.join(sw, f"{name}.json")
        r = peers.timed([a.sourcewatch, "--config", os.path.join(sw, "sources.toml"), "-q", "check",
                         "--format", "json", "--output", out])
        report = json.load(open(out))
        outcomes = {}
        for s in report["sources"]:
            outcomes[s["outcome"]] = outcomes.get(s["outcome"], 0) + 1
        r["outcomes"] = outcomes
        if name == "detect":
            changed = [ids[s["id"]] for s in report["sources"] if s["outcome"] == "changed"]
            r.update(peers.score(changed, expected, n))
        rows.setdefault(("sourcewatch", name), []).append(r)

    def sourcewatch(rep):
        sw = sw_registry(rep)
        sw_pass(sw, "baseline", 0)
        sw_pass(sw, "detect", 1)
        sw_pass(sw, "recheck", 1)

    # ---------------------------------------------------------------- urlwatch (best config)
    jobs = os.path.join(uw_dir, "jobs.yaml")
    with open(jobs, "w") as f:
        subprocess.run([sys.executable, os.path.join(a.harness, "urlwatch", "make_jobs.py"), c, BASE,
                        "exclude"], stdout=f, check=True)
    env = dict(os.environ, URLWATCH_MAX_WORKERS="10")

    def urlwatch(rep):
        cache = os.path.join(uw_dir, f"cache-{rep}.db")
        cmd = [os.path.join(a.harness, "venv", "bin", "urlwatch"), "--urls", jobs, "--config",
               os.path.join(a.harness, "urlwatch", "urlwatch.yaml"), "--hooks",
               os.path.join(a.harness, "urlwatch", "hooks.py"), "--cache", cache]
        for name, rnd in (("baseline", 0), ("detect", 1), ("recheck", 1)):
            peers.switch(c, rnd)
            out = os.path.join(uw_dir, f"{name}.txt")
            r = peers.timed(cmd, env=env, stdout_path=out)
            got = peers.parse_urlwatch(out)
            if name == "detect":
                r.update(peers.score(got["CHANGED"], expected, n))
            r["reported_changed"] = len(got["CHANGED"])
            rows.setdefault(("urlwatch", name), []).append(r)
            time.sleep(1.1)  # urlwatch's cache has whole-second timestamps (see the harness README)

    # ---------------------------------------------------------------- floor
    limit = os.path.join(a.harness, "limit", "target", "release", "limit")
    urls = os.path.join(c, "urls.txt")

    def floor(rep):
        snap0 = os.path.join(lw, f"snap0-{rep}.tsv")
        peers.switch(c, 0)
        rows.setdefault(("floor", "baseline"), []).append(peers.timed(
            [limit, "full", "--base", BASE, "--urls", urls, "-c", "16", "--out", snap0]))
        peers.switch(c, 1)
        out = os.path.join(lw, f"detect-{rep}.txt")
        r = peers.timed([limit, "full", "--base", BASE, "--urls", urls, "-c", "16", "--prev", snap0,
                         "--out", os.path.join(lw, f"snap1-{rep}.tsv")], stdout_path=out)
        changed = [l.split("\t")[1] for l in peers.read_lines(out) if l.startswith("CHANGED\t")]
        r.update(peers.score(changed, expected, n))
        rows.setdefault(("floor", "detect"), []).append(r)

    # Interleaved, so a slow minute on a shared machine lands on every tool of that rep alike
    # instead of on whichever tool happened to run then.
    for rep in range(a.reps):
        sourcewatch(rep)
        floor(rep)
        urlwatch(rep)
    peers.switch(c, 0)

    # ---------------------------------------------------------------- table
    def m(tool, pas, key):
        vals = [r[key] for r in rows.get((tool, pas), []) if r.get(key) is not None]
        return statistics.median(vals) if vals else None

    print(f"\nN = {n} pages ({len(expected)} changed in <main>), medians of {a.reps} run(s)\n")
    print("| tool | pass | wall s | CPU s | peak RSS MB | detection TP/FP/FN |")
    print("|---|---|---|---|---|---|")
    for (tool, pas), rs in rows.items():
        det = ""
        if pas == "detect":
            last = rs[-1]
            det = f"{last['tp']}/{last['fp']}/{last['fn']}"
        elif pas == "recheck" and tool == "sourcewatch":
            det = "outcomes " + ", ".join(f"{k} {v}" for k, v in sorted(rs[-1]["outcomes"].items()))
        elif pas == "recheck":
            det = f"{rs[-1]['reported_changed']} reported changed"
        print(f"| {tool} | {pas} | {m(tool, pas, 'wall'):.3f} | {m(tool, pas, 'cpu'):.3f} | "
              f"{m(tool, pas, 'rss_mb'):.1f} | {det} |")
    sd, uw, fl = m("sourcewatch", "detect", "wall"), m("urlwatch", "detect", "wall"), m("floor", "detect", "wall")
    sr = m("sourcewatch", "recheck", "wall")
    print("\nratios (wall, detect pass unless named):")
    print(f"  sourcewatch / urlwatch      = {sd / uw:.3f}   (target <= 0.20)")
    print(f"  sourcewatch / floor         = {sd / fl:.2f}    (target <= 1.5)")
    pairs = [s["wall"] / f["wall"] for s, f in zip(rows[("sourcewatch", "detect")], rows[("floor", "detect")])]
    print(f"    per rep (same minute)     = {', '.join(f'{p:.2f}' for p in pairs)}")
    print(f"  sourcewatch CPU / urlwatch  = {m('sourcewatch', 'detect', 'cpu') / m('urlwatch', 'detect', 'cpu'):.3f}")
    print(f"  sourcewatch recheck/detect  = {sr / sd:.2f}    (target <= 0.25)")
    print(f"  sourcewatch peak RSS        = {max(m('sourcewatch', p, 'rss_mb') for p in ('baseline', 'detect', 'recheck')):.1f} MB (target <= 40)")
    if a.results:
        with open(a.results, "a") as f:
            f.write(json.dumps({"when": time.strftime("%Y-%m-%dT%H:%M:%S"), "n": n, "reps": a.reps,
                                "rows": {f"{t}/{p}": rs for (t, p), rs in rows.items()}}) + "\n")


if __name__ == "__main__":
    main()
