#!/usr/bin/env python3
"""Turns bench/compare.sh's raw runs (CSV: run,config,case,metric,value) into the Markdown comparison table.

usage: report.py RUNS.csv META.txt > latest.md

Per row, each family (fulcrum, haproxy, nginx) is represented by its best configuration (by median); the anchor
is the best HAProxy configuration, or NGINX for UDP (HAProxy has no UDP proxy). Cells are "median (min–max)".
"""
import csv
import statistics
import sys
from collections import defaultdict


# (label, case, derived metric, unit, higher is better, anchor family, goal: (">=" | "<=", ratio) or None)
ROWS = [
    ("bulk TCP, 1 stream", "bulk1", "gbps", "Gbit/s", True, "haproxy", (">=", 1.0)),
    ("bulk TCP, 4 streams", "bulk4", "gbps", "Gbit/s", True, "haproxy", (">=", 1.0)),
    ("HTTP 1 MiB GET throughput", "http-1m", "gbps", "Gbit/s", True, "haproxy", (">=", 1.0)),
    ("keep-alive 1 KiB requests/s", "http-ka", "rps", "req/s", True, "haproxy", (">=", 1.0)),
    ("keep-alive latency p50", "http-ka", "p50_ms", "ms", False, "haproxy", None),
    ("keep-alive latency p99", "http-ka", "p99_ms", "ms", False, "haproxy", ("<=", 1.0)),
    ("new connections/s (Connection: close, 1 KiB)", "http-close", "cps", "conn/s", True, "haproxy", (">=", 1.0)),
    ("bytes per proxy CPU-second, bulk 1 stream", "bulk1", "gbit_per_cpu_s", "Gbit/CPU-s", True, "haproxy",
     (">=", 1.0)),
    ("bytes per proxy CPU-second, bulk 4 streams", "bulk4", "gbit_per_cpu_s", "Gbit/CPU-s", True, "haproxy",
     (">=", 1.0)),
    ("bytes per proxy CPU-second, 1 MiB GET", "http-1m", "gbit_per_cpu_s", "Gbit/CPU-s", True, "haproxy",
     (">=", 1.0)),
    ("connections per proxy CPU-second", "http-close", "conn_per_cpu_s", "conn/CPU-s", True, "haproxy",
     (">=", 1.0)),
    ("keep-alive requests per proxy CPU-second", "http-ka", "req_per_cpu_s", "req/CPU-s", True, "haproxy", None),
    ("memory per idle connection", "idle", "bytes_per_conn", "bytes", False, "haproxy", ("<=", 0.5)),
    ("UDP datagrams/s (64 B request/reply)", "udp", "dps", "replies/s", True, "nginx", (">=", 1.0)),
    ("UDP replies per proxy CPU-second", "udp", "dgram_per_cpu_s", "replies/CPU-s", True, "nginx", None),
    ("proxy RSS during keep-alive run", "http-ka", "rss_mib", "MiB", False, "haproxy", None),
    ("proxy RSS at rest (before the idle connections)", "idle", "rss_rest_mib", "MiB", False, "haproxy", None),
]


def read_runs(path):
    """run -> config -> case -> {metric: value}"""
    runs = defaultdict(lambda: defaultdict(lambda: defaultdict(dict)))
    with open(path, newline="") as handle:
        for row in csv.DictReader(handle):
            runs[row["run"]][row["config"]][row["case"]][row["metric"]] = row["value"]
    return runs


def number(values, key):
    try:
        return float(values[key])
    except (KeyError, ValueError):
        return None


def derived(case, values):
    """The per-run values of every derived metric of one case."""
    out = {}
    for key in ("gbps", "rps", "p50_ms", "p99_ms", "cps", "dps", "bytes_per_conn"):
        value = number(values, key)
        if value is not None:
            out[key] = value
    cpu = number(values, "proxy_cpu_s")
    rss = number(values, "proxy_rss_kib")
    if rss is not None and rss > 0:
        out["rss_mib"] = rss / 1024
    rest = number(values, "rss_before_kib")
    if rest is not None and rest > 0:
        out["rss_rest_mib"] = rest / 1024
    if cpu is not None and cpu > 0:
        bytes_moved = number(values, "bytes")
        requests = number(values, "requests")
        if case in ("bulk1", "bulk4", "http-1m") and bytes_moved:
            out["gbit_per_cpu_s"] = bytes_moved * 8 / 1e9 / cpu
        if case == "http-close" and requests:
            out["conn_per_cpu_s"] = requests / cpu
        if case == "http-ka" and requests:
            out["req_per_cpu_s"] = requests / cpu
        received = number(values, "received")
        if case == "udp" and received:
            out["dgram_per_cpu_s"] = received / cpu
    return out


def family(config):
    return config.split("-")[0]


def short(config, nproc):
    """fulcrum-tN -> t2, haproxy-splice-t1 -> splice t1, nginx-wN -> w2."""
    parts = config.split("-")[1:]
    return " ".join(part.replace("tN", f"t{nproc}").replace("wN", f"w{nproc}") for part in parts)


def fmt(value):
    if value is None:
        return "—"
    magnitude = abs(value)
    if magnitude >= 1000:
        return f"{value:,.0f}"
    if magnitude >= 100:
        return f"{value:.0f}"
    if magnitude >= 10:
        return f"{value:.1f}"
    if magnitude >= 1:
        return f"{value:.2f}"
    return f"{value:.3f}"


def cell(samples):
    if not samples:
        return "—"
    middle = statistics.median(samples)
    if len(samples) == 1:
        return fmt(middle)
    return f"{fmt(middle)} ({fmt(min(samples))}–{fmt(max(samples))})"


def main():
    runs = read_runs(sys.argv[1])
    meta = {}
    with open(sys.argv[2]) as handle:
        for line in handle:
            key, _, value = line.rstrip("\n").partition("=")
            meta[key] = value
    nproc = meta.get("nproc", "?")
    configs = meta.get("configs", "").split()

    # samples[config][metric] = [per-run values]; problems = runs that failed or saw errors.
    samples = defaultdict(lambda: defaultdict(list))
    problems = []
    for run in sorted(runs, key=int):
        for config, cases in runs[run].items():
            for case, values in cases.items():
                if "failed" in values or "error" in values:
                    problems.append(f"run {run} {config} {case}: failed ({values.get('error', 'see log')})")
                    continue
                errors = number(values, "errors")
                if errors:
                    problems.append(f"run {run} {config} {case}: {errors:.0f} socket errors or non-2xx responses")
                for key, value in derived(case, values).items():
                    samples[config][(case, key)].append(value)

    def best(fam, case, key, higher):
        candidates = [
            (statistics.median(samples[c][(case, key)]), c)
            for c in configs
            if family(c) == fam and samples[c][(case, key)]
        ]
        if not candidates:
            return None, None
        value, config = (max if higher else min)(candidates)
        return config, value

    out = []
    out.append(f"Fulcrum vs HAProxy vs NGINX stream, loopback, {meta.get('date', '?')}; nproc {nproc}, "
               f"kernel {meta.get('kernel', '?')}; {meta.get('runs')} run(s) of {meta.get('duration')} s per cell, "
               "median (min–max).")
    if meta.get("quick") == "1":
        out.append("")
        out.append("**Quick smoke run: one short run per case, the numbers are not meant to be read.**")
    out.append("")
    out.append("| metric | direct | fulcrum | haproxy-best (config) | nginx | fulcrum / anchor | goal | met? |")
    out.append("|---|---:|---:|---:|---:|---:|---:|:---:|")
    for label, case, key, unit, higher, anchor_family, goal in ROWS:
        row_samples = {c: samples[c][(case, key)] for c in configs if samples[c][(case, key)]}
        if not row_samples:
            continue
        columns = []
        direct = row_samples.get("direct")
        columns.append(cell(direct) if direct else "—")
        picked = {}
        for fam in ("fulcrum", "haproxy", "nginx"):
            config, value = best(fam, case, key, higher)
            picked[fam] = (config, value)
            if config is None:
                columns.append("—")
                continue
            text = cell(row_samples[config])
            variants = [c for c in configs if family(c) == fam]
            if len(variants) > 1:
                text += f" {short(config, nproc)}"
            columns.append(text)
        ratio_text, goal_text, met = "—", "—", "—"
        fulcrum_value = picked["fulcrum"][1]
        anchor_value = picked[anchor_family][1]
        if fulcrum_value is not None and anchor_value:
            ratio = fulcrum_value / anchor_value
            ratio_text = f"{ratio:.2f}×"
            if anchor_family != "haproxy":
                ratio_text += f" ({anchor_family})"
        if goal:
            op, target = goal
            goal_text = f"{op.replace('>=', '≥').replace('<=', '≤')} {target:.1f}×"
            if ratio_text != "—":
                met = "yes" if (ratio >= target if op == ">=" else ratio <= target) else "**no**"
        out.append(f"| {label} ({unit}) | " + " | ".join(columns) + f" | {ratio_text} | {goal_text} | {met} |")

    out.append("")
    out.append("Notes:")
    out.append(f"- Anchor: the best HAProxy configuration for that row (splice on/off × nbthread 1/{nproc}); "
               "for UDP, NGINX stream (HAProxy has no UDP proxy). Fulcrum and NGINX are also shown at their best "
               f"of 1 and {nproc} threads/workers for that row; the configuration follows the figure.")
    out.append("- Fulcrum runs with `--log-format json --log-level warning`: no access log (one record per "
               "connection at info would cost on the connection rows).")
    out.append("- Per-CPU-second rows divide what the load generator moved by the proxy's user+system CPU time "
               "(/proc/PID/stat of every proxy process, all threads) over the same run. Memory per idle connection "
               "is the proxy's RSS delta (all processes) with the idle connections open, divided by their number "
               "(kernel socket memory not included).")
    if meta.get("fulcrum_udp") != "1" and any(family(c) == "fulcrum" for c in configs):
        note = meta.get("fulcrum_udp_note", "")
        out.append(f"- Fulcrum UDP: skipped, `fulcrum validate` refuses a `protocol: udp` service"
                   + (f" (`{note}`)." if note else "."))
    busy = [float(v["machine_busy_pct"]) for r in runs.values() for cs in r.values() for v in cs.values()
            if "machine_busy_pct" in v]
    idle = [float(v["idle_before_pct"]) for r in runs.values() for cs in r.values() for v in cs.values()
            if "idle_before_pct" in v]
    if idle:
        out.append(f"- Machine idle before a run: median {statistics.median(idle):.0f} % (min {min(idle):.0f} %); "
                   f"all CPUs busy during a run: median {statistics.median(busy):.0f} %." if busy else "")
    out.append(f"- Whole run: {int(meta.get('elapsed', '0')) // 60} min {int(meta.get('elapsed', '0')) % 60} s; "
               f"{meta.get('failures', '0')} failed run(s)"
               + ("; stopped at the overall timeout." if meta.get("timed_out") == "1" else "."))
    if problems:
        out.append("- Problems:")
        for problem in problems:
            out.append(f"  - {problem}")

    out.append("")
    out.append("All configurations (median of the runs):")
    out.append("")
    out.append("| metric | " + " | ".join(configs) + " |")
    out.append("|---|" + "---:|" * len(configs))
    for label, case, key, unit, *_ in ROWS:
        if not any(samples[c][(case, key)] for c in configs):
            continue
        values = [fmt(statistics.median(samples[c][(case, key)])) if samples[c][(case, key)] else "—"
                  for c in configs]
        out.append(f"| {label} ({unit}) | " + " | ".join(values) + " |")

    out.append("")
    out.append("Versions:")
    for key in ("haproxy", "nginx", "iperf3", "wrk", "swift", "fulcrum", "cpu"):
        out.append(f"- {key}: `{meta.get(key, '?')}`")
    print("\n".join(out))


if __name__ == "__main__":
    main()
