#!/usr/bin/env python3
"""bench/scale.py N [--small M] [--binary PATH]

How sourcewatch grows with the registry: N tiny generated pages behind a loopback nginx, one
source and one quoted fact each (routes of 100 facts), and the same at M = N/10 beside it.
For each size: `validate`, the first `check`, a recheck (every page answers 304), `status
--format json`: wall time and peak RSS (GNU time), and files per source in the store.
Prints one table with the growth ratio (N over M) per row. Needs nginx (nginx-light).
"""
import argparse
import os
import shutil
import subprocess
import sys
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
PORT = 18090

NGINX_CONF = """worker_processes 1;
pid {run}/nginx.pid;
error_log {run}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    types {{ text/html html; }}
    client_body_temp_path {run}/tmp/body;
    proxy_temp_path {run}/tmp/proxy;
    fastcgi_temp_path {run}/tmp/fastcgi;
    uwsgi_temp_path {run}/tmp/uwsgi;
    scgi_temp_path {run}/tmp/scgi;
    access_log off;
    keepalive_requests 1000000;
    etag on;
    server {{
        listen 127.0.0.1:{port};
        root {root};
        charset utf-8;
        location = /healthz {{ return 200 "ok"; }}
    }}
}}
"""


def generate(n, folder):
    """Pages and a registry for n sources; returns the registry's path."""
    site = os.path.join(folder, "site")
    for i in range(n):
        d = os.path.join(site, f"{i // 1000:03d}")
        if i % 1000 == 0:
            os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, f"p{i}.html"), "w") as f:
            f.write(f"<!doctype html><html lang=ru><head><title>Услуга {i}</title></head><body>"
                    f"<nav><a href=/>Главная</a></nav><main><h1>Услуга {i}</h1>"
                    f"<p>Срок оказания услуги: {5 + i % 20} рабочих дней.</p>"
                    f"<p>Стоимость: {i % 7 + 1} МРП за заявление № {i}.</p>"
                    f"<ul><li>паспорт</li><li>заявление</li></ul></main>"
                    f"<footer>© {i}</footer></body></html>\n")
    reg = os.path.join(folder, "sources.toml")
    with open(reg, "w") as f:
        f.write("[settings]\nconcurrency = 16\nper_host_concurrency = 16\n"
                "per_host_interval_ms = 0\nretries = 0\ntimeout_secs = 30\n"
                "respect_robots = false\n\n")
        for i in range(n):
            f.write(f'[[sources]]\nid = "s{i}"\nurl = "http://127.0.0.1:{PORT}/{i // 1000:03d}/p{i}.html"\n'
                    f'select = ["main"]\n\n')
        for r in range(0, n, 100):
            f.write(f'[[routes]]\nid = "r{r // 100}"\ntitle = "Route {r // 100}"\n\n')
            for i in range(r, min(n, r + 100)):
                f.write(f'[[routes.facts]]\nid = "f{i}"\nclaim = "Fee: {i % 7 + 1} MRP"\n'
                        f'source = "s{i}"\nquote = "{i % 7 + 1} МРП за заявление № {i}"\n'
                        f'last_verified = 2026-11-01\n\n')
    return reg


def start_nginx(root, run):
    os.makedirs(os.path.join(run, "tmp"), exist_ok=True)
    conf = os.path.join(run, "nginx.conf")
    with open(conf, "w") as f:
        f.write(NGINX_CONF.format(run=run, root=root, port=PORT))
    subprocess.run(["/usr/sbin/nginx", "-p", run, "-c", conf, "-e", os.path.join(run, "error.log")],
                   check=True)
    for _ in range(100):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{PORT}/healthz", timeout=1)
            return
        except OSError:
            time.sleep(0.1)
    sys.exit("nginx did not come up")


def stop_nginx(run):
    pid_file = os.path.join(run, "nginx.pid")
    if os.path.exists(pid_file):
        subprocess.run(["kill", open(pid_file).read().strip()], check=False)
        time.sleep(0.5)


def timed(cmd, stdout_path=None):
    """Runs cmd; returns (seconds, peak RSS in MB, exit code)."""
    sink = open(stdout_path, "w") if stdout_path else subprocess.DEVNULL
    out = subprocess.run(["/usr/bin/time", "-f", "%e %M"] + cmd, stdout=sink,
                         stderr=subprocess.PIPE, text=True)
    last = out.stderr.strip().splitlines()[-1].split()
    if out.returncode not in (0, 1):
        sys.stderr.write(out.stderr[-2000:])
        sys.exit(f"{' '.join(cmd)} exited {out.returncode}")
    return float(last[0]), int(last[1]) / 1024, out.returncode


def files_per_source(store, n):
    count = sum(len(files) for _, _, files in os.walk(store))
    return count / n


def measure(n, work, binary):
    folder = os.path.join(work, f"scale-{n}")
    shutil.rmtree(folder, ignore_errors=True)
    os.makedirs(folder)
    reg = generate(n, folder)
    run = os.path.join(folder, "nginx")
    start_nginx(os.path.join(folder, "site"), run)
    try:
        base = [binary, "--config", reg, "-q"]
        rows = {}
        rows["validate"] = timed(base + ["validate"])
        rows["first check"] = timed(base + ["check", "--format", "json", "--output",
                                            os.path.join(folder, "first.json")])
        rows["recheck (all 304)"] = timed(base + ["check", "--format", "json", "--output",
                                                  os.path.join(folder, "recheck.json")])
        rows["status --format json"] = timed(base + ["status", "--format", "json"],
                                               os.path.join(folder, "status.json"))
        store = os.path.join(folder, "snapshots")
        rows["files per source"] = files_per_source(store, n)
        size = subprocess.run(["du", "-sm", store], capture_output=True, text=True).stdout.split()[0]
        rows["store MB"] = float(size)
        return rows
    finally:
        stop_nginx(run)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("n", type=int)
    p.add_argument("--small", type=int)
    p.add_argument("--binary", default=os.path.join(REPO, "target", "release", "sourcewatch"))
    p.add_argument("--work", default=os.path.join(HERE, "work"))
    p.add_argument("--keep", action="store_true", help="keep the generated folders")
    a = p.parse_args()
    small = a.small or max(1, a.n // 10)
    results = {}
    for n in (small, a.n):
        results[n] = measure(n, a.work, a.binary)
        if not a.keep:
            shutil.rmtree(os.path.join(a.work, f"scale-{n}"), ignore_errors=True)
    big, sm = results[a.n], results[small]
    print(f"| | N = {small:,} | N = {a.n:,} | growth ({a.n // small}×) |")
    print("|---|---|---|---|")
    for key in ("validate", "first check", "recheck (all 304)", "status --format json"):
        (ts, ms, _), (tb, mb, _) = sm[key], big[key]
        print(f"| {key} | {ts:.2f} s, {ms:.0f} MB | {tb:.2f} s, {mb:.0f} MB | "
              f"{tb / max(ts, 0.01):.1f}× time |")
    print(f"| files per source | {sm['files per source']:.2f} | {big['files per source']:.2f} | |")
    print(f"| store | {sm['store MB']:.0f} MB | {big['store MB']:.0f} MB | |")
    first, recheck, status = big["first check"][0], big["recheck (all 304)"][0], big["status --format json"][0]
    print(f"\nat N = {a.n:,}: recheck / first = {recheck / first:.2f}, "
          f"status / recheck = {status / recheck:.2f}")


if __name__ == "__main__":
    main()
