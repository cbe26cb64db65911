#!/usr/bin/env python3
"""Turns bench results (results.json from measure.py) into a Markdown page and a bar chart.

    python3 bench/report.py --results bench/out/results.json \
        --md docs/BENCHMARKS.md --png docs/benchmarks.png

Every figure on the page comes from results.json; nothing is typed in by hand. The chart
needs matplotlib (Debian: python3-matplotlib); without it the page is still written.
"""

import argparse
import json
import os
import statistics
import sys

PEER_ORDER = ["gzip", "zstd", "restic", "restic-folder", "borg", "borg-folder"]
CHART_ORDER = PEER_ORDER + ["modelstash", "modelstash-folder"]
COLORS = {"gzip": "#b0b0b0", "zstd": "#808080", "restic": "#9ecae1", "restic-folder": "#4292c6",
          "borg": "#fdd0a2", "borg-folder": "#f16913", "modelstash": "#238b45",
          "modelstash-folder": "#74c476"}


def by_id(scenario):
    return {s["system"]: s for s in scenario["systems"]}


def ok(rec):
    return rec is not None and rec.get("ok")


def best_peer(scenario):
    peers = [s for s in scenario["systems"] if s["system"] in PEER_ORDER and ok(s)]
    return min(peers, key=lambda s: s["stored_bytes"]) if peers else None


def ratio(a, b):
    return a / b if a is not None and b else None


def f3(x):
    return "–" if x is None else "%.3f" % x


def f2x(x):
    return "–" if x is None else "%.2f×" % x


def mbps(x):
    if x is None:
        return "–"
    return "%.0f" % x if x >= 10 else "%.1f" % x


def headline(scenario):
    sy = by_id(scenario)
    ms = sy.get("modelstash")
    bp = best_peer(scenario)
    borg, restic, raw = sy.get("borg"), sy.get("restic"), sy.get("raw")
    if not ok(ms):
        return {"best_peer": bp}
    return {
        "best_peer": bp,
        "stored_vs_best": ratio(ms["stored_bytes"], bp["stored_bytes"]) if bp else None,
        "ingest_vs_borg": ratio(ms["ingest_mbps"], borg["ingest_mbps"]) if ok(borg) else None,
        "restore_vs_restic": ratio(ms["restore_mbps"], restic["restore_mbps"])
        if ok(restic) else None,
        "restore_vs_cp": ratio(ms["restore_mbps"], raw["restore_mbps"]) if ok(raw) else None,
    }


def fit(points):
    """Least-squares line seconds = fixed + MB / rate over (MB, seconds) points."""
    if len(points) < 3:
        return None
    mx = statistics.mean(p[0] for p in points)
    my = statistics.mean(p[1] for p in points)
    sxx = sum((p[0] - mx) ** 2 for p in points)
    if sxx == 0:
        return None
    slope = sum((p[0] - mx) * (p[1] - my) for p in points) / sxx
    return my - slope * mx, (1 / slope if slope > 0 else None)


def modelstash_notes(res):
    """Per-command figures that explain modelstash's speeds (fixed costs, per-version times)."""
    lines = []
    start = res.get("startup_s", {})
    rows, puts_all, gets_all, ls_all = [], [], [], []
    for sc in res["scenarios"]:
        ms = by_id(sc).get("modelstash")
        if not ok(ms) or not ms.get("put_seconds"):
            continue
        puts, gets = ms["put_seconds"], ms["get_seconds"]
        sizes = [v / 1e6 for v in sc.get("file_sizes", [])]
        if len(sizes) == len(puts):
            puts_all += list(zip(sizes, puts))
            gets_all += list(zip(sizes, gets))
        if ms.get("ls_seconds") is not None:
            ls_all.append(ms["ls_seconds"])
        total = ms.get("stats_total") or {}
        raw = sc["raw_bytes"]
        rows.append("| %s | %d | %.1f | %.2f / %.2f s | %.2f / %.2f s | %s | %s |" % (
            sc["id"], len(puts), raw / len(puts) / 1e6, statistics.median(puts), max(puts),
            statistics.median(gets), max(gets),
            f3(total.get("stored_bytes", 0) / raw) if total else "–",
            f3(ms["store_dir_bytes"] / raw)))
    if start:
        if res.get("modelstash_daemon"):
            own = start.get("modelstash_own_jvm")
            how = ("through a running daemon%s" % (
                "; %.2f s in a JVM of its own, `MODELSTASH_DAEMON=0`" % own if own else ""))
        else:
            how = "JVM and command-line start; daemon off"
        text = ("Fixed cost of a command that does nothing (median of 3): `modelstash --version` "
                "%.2f s (%s), `restic version` %.2f s, `borg --version` %.2f s"
                % (start.get("modelstash", 0), how, start.get("restic", 0),
                   start.get("borg", 0)))
        if ls_all:
            text += ("; `modelstash ls` on a scenario's store (opens the catalog): median %.2f s"
                     % statistics.median(ls_all))
        lines.append(text + ". The per-version protocol pays such costs once per file; restic "
                     "also derives its repository key (scrypt) on every command.")
        if res.get("modelstash_daemon"):
            lines.append("")
            lines.append("modelstash ran its commands in its daemon (see the README). Every "
                         "scenario starts with none running, so its first `put` also starts the "
                         "daemon's JVM and runs on code the JIT has not compiled yet: that is "
                         "the `put` max below. Later commands find it warm.")
    fp, fg = fit(puts_all), fit(gets_all)
    if fp and fg:
        lines.append("")
        lines.append(
            "A straight-line fit of modelstash's per-version wall time against file size over "
            "all %d versions: `put` ≈ %.2f s + size at %s MB/s, `get` ≈ %.2f s + size at %s "
            "MB/s (rough: dedup hits make some puts cheaper than their size says)." % (
                len(puts_all), fp[0], mbps(fp[1]), fg[0], mbps(fg[1])))
    if rows:
        lines.append("")
        lines.append("| scenario | versions | MB per version | put median / max | get median / "
                     "max | `stats --json` stored / raw | whole store dir / raw |")
        lines.append("|---|---|---|---|---|---|---|")
        lines.extend(rows)
    return lines


FLOAT_CODECS = ("bytegroup", "xor", "subtract", "magnitude")


def entropy_notes(res):
    """Stored size of the coded streams against their order-0 entropy, per scenario."""
    rows = []
    for sc in res["scenarios"]:
        ms = by_id(sc).get("modelstash")
        codecs = (ms or {}).get("codecs") if ok(ms) else None
        if not codecs:
            continue
        fl = [c for c in codecs if c["codec"] in FLOAT_CODECS]
        other = [c for c in codecs if c["codec"] not in FLOAT_CODECS]

        def cell(cs):
            coded = sum(c["coded_bytes"] for c in cs)
            ent = sum(c["entropy_bytes"] for c in cs)
            if not ent:
                return "–", "–", "–"
            return "%.2f" % (coded / 1e6), "%.2f" % (ent / 1e6), "%+.1f%%" % (100 * (coded / ent - 1))

        f, o = cell(fl), cell(other)
        mix = ", ".join("%s %d" % (c["codec"], c["chunks"]) for c in codecs)
        rows.append("| %s | %s | %s | **%s** | %s | %s | %s | %s |" % ((sc["id"],) + f + o + (mix,)))
    if not rows:
        return []
    return [
        "Each chunk's codec writes one or more entropy-coded streams (one per byte position of "
        "the element for the grouped float codecs; one per base-exponent context, plus the "
        "packed bits between each difference's leading one and its low bits, for the magnitude "
        "delta). The order-0 entropy of a stream, taken byte by byte, is what an ideal coder "
        "with one frequency table per stream would need; the float streams hold no repeats for "
        "zstd's matcher to find, so for them it is a floor for order-0 coding, which exponent "
        "streams coded with their neighbours as context go below. "
        "Opaque data (pickles, zip headers, small tensors) is plain zstd, or a delta against the "
        "base version's opaque bytes (patch: zstd with them as dictionary; or a byte-wise "
        "subtract or XOR, counted with the float codecs here), which go below order-0 by matching. "
        "Figures from `modelstash stats --codecs --json` over each scenario's distinct chunks.",
        "",
        "| scenario | float streams coded MB | their order-0 MB | over the bound | zstd streams "
        "coded MB | their order-0 MB | over | chunks per codec |",
        "|---|---|---|---|---|---|---|---|",
    ] + rows


def team_notes(team):
    """The team-store rows written by bench/team.sh, if it ran."""
    if not team:
        return []
    rows = team["rows"]
    local = rows[0]
    out = [
        "`bench/team.sh` puts the %d S1 checkpoints (%.1f MB) as versions of one path and reads "
        "every one back (SHA-256 checked), through the Java API in one warm JVM, on four setups "
        "side by side: the local store, the team setup (PostgreSQL catalog + S3 blobs), and each "
        "service alone. S3 is S3Proxy on loopback with its filesystem backend, running in the "
        "same JVM on the same two cores, and PostgreSQL runs on the same machine; real networks "
        "add latency per request, which the engine's parallel uploads hide in part. Best of two "
        "interleaved rounds, each on a fresh store; measured %s." % (
            team["files"], team["raw_bytes"] / 1e6, team.get("date", "with this report")),
        "",
        "| setup | put MB/s | get MB/s | put ÷ local | get ÷ local | stored MB |",
        "|---|---|---|---|---|---|",
    ]
    for r in rows:
        out.append("| %s | %s | %s | %.2f× | %.2f× | %.1f |" % (
            r["setup"], mbps(r["put_mbps"]), mbps(r["get_mbps"]),
            r["put_mbps"] / local["put_mbps"], r["get_mbps"] / local["get_mbps"],
            r["stored_bytes"] / 1e6))
    return out


def markdown(res, png_name):
    m, tools, git = res["machine"], res["tools"], res.get("modelstash_git", {})
    gen = res["generation"]
    out = []
    w = out.append
    w("# Benchmarks")
    w("")
    w("<!-- Generated by bench/report.py from bench/out/results.json; rerun bench/run.sh "
      "instead of editing. -->")
    w("")
    w("modelstash against the tools a team would otherwise use to keep PyTorch checkpoints, "
      "measured in one run on the same files: six scenarios of real (small) training runs "
      "written with `torch.save`, described in [bench/README.md](../bench/README.md).")
    w("")
    w("- Date: %s; mode: **%s**; modelstash code as of commit `%s`%s (\"%s\")." % (
        res["date"], res["mode"], git.get("commit", "?")[:12],
        " plus uncommitted changes" if git.get("dirty") else "", git.get("subject", "")))
    w("- `put --base`: %s." % ("used for the S2 fine-tunes" if res["modelstash_has_base"]
                               else "not supported by this build, so S2 fine-tunes are put "
                               "without it (dedup across paths still applies)"))
    w("- Restores: %s." % (
        "the page cache was dropped (`echo 3 > /proc/sys/vm/drop_caches`) before every "
        "restore, so every system reads its repository cold" if res["restore_cold"] else
        "the page cache could NOT be dropped on this machine, so every system's restore read "
        "warm files alike"))
    w("")
    w("## Headline")
    w("")
    w("Ratios below 1 in the *stored* column mean modelstash keeps fewer bytes than the best "
      "peer; ratios above 1 in the speed columns mean modelstash is faster.")
    w("")
    w("| scenario | raw MB | modelstash stored / raw | best peer (stored / raw) | modelstash "
      "stored ÷ best peer | ingest ÷ borg | restore ÷ restic | restore ÷ cp+sync |")
    w("|---|---|---|---|---|---|---|---|")
    for sc in res["scenarios"]:
        h = headline(sc)
        ms = by_id(sc).get("modelstash")
        bp = h["best_peer"]
        w("| %s %s | %.1f | %s | %s | %s | %s | %s | %s |" % (
            sc["id"], sc["title"], sc["raw_bytes"] / 1e6,
            f3(ms["stored_ratio"]) if ok(ms) else "**failed**",
            "%s (%s)" % (bp["system"], f3(bp["stored_ratio"])) if bp else "–",
            f3(h.get("stored_vs_best")), f2x(h.get("ingest_vs_borg")),
            f2x(h.get("restore_vs_restic")), f2x(h.get("restore_vs_cp"))))
    w("")
    w("Speeds compare the per-version rows (one command per checkpoint for every system). "
      "Every tool is also measured with the whole folder in one command, which spares it the "
      "per-command start-up:")
    w("")
    w("| scenario | modelstash import ÷ borg create (whole folder), ingest | modelstash export ÷ "
      "restic restore (whole folder), restore | modelstash import stored / raw |")
    w("|---|---|---|---|")
    for sc in res["scenarios"]:
        sy = by_id(sc)
        mf, bf, rf = sy.get("modelstash-folder"), sy.get("borg-folder"), sy.get("restic-folder")
        if not ok(mf):
            continue
        w("| %s | %s | %s | %s |" % (
            sc["id"],
            f2x(ratio(mf["ingest_mbps"], bf["ingest_mbps"])) if ok(bf) else "–",
            f2x(ratio(mf["restore_mbps"], rf["restore_mbps"])) if ok(rf) else "–",
            f3(mf["stored_ratio"])))
    w("")
    w("`import` takes the scenario's folder as it is: numbered saves become one history, and a "
      "single file with the same tensors as a model imported before it (S2's fine-tunes) is "
      "stored against that model, as `put --base` would.")
    w("")
    if png_name:
        w("![stored / raw per scenario and system](%s)" % png_name)
        w("")
    for sc in res["scenarios"]:
        w("## %s — %s" % (sc["id"], sc["title"]))
        w("")
        w("%s %d files, %.1f MB raw." % (sc["description"], sc["files"], sc["raw_bytes"] / 1e6))
        w("")
        w("| system | stored / raw | stored MB | ingest MB/s | restore MB/s | byte-identical |")
        w("|---|---|---|---|---|---|")
        for s in sc["systems"]:
            if ok(s):
                w("| %s | %s | %.2f | %s | %s | yes |" % (
                    s["label"], f3(s["stored_ratio"]), s["stored_bytes"] / 1e6,
                    mbps(s["ingest_mbps"]), mbps(s["restore_mbps"])))
            else:
                ident = "**NO**" if s.get("identical") is False else "–"
                w("| %s | failed: %s | – | – | – | %s |" % (
                    s["label"], s.get("error", "?").replace("|", "/"), ident))
        w("")
        w("Load average before / after this scenario: %.1f / %.1f." % (
            sc["load_before"], sc["load_after"]))
        w("")
    w("## modelstash per command")
    w("")
    out.extend(modelstash_notes(res))
    w("")
    team = team_notes(res.get("team"))
    if team:
        w("## Team store: PostgreSQL and S3")
        w("")
        out.extend(team)
        w("")
    ent = entropy_notes(res)
    if ent:
        w("## Entropy coding against its bound")
        w("")
        out.extend(ent)
        w("")
    failed = [(sc["id"], s) for sc in res["scenarios"] for s in sc["systems"] if not ok(s)]
    if failed:
        w("## Failures")
        w("")
        for sid, s in failed:
            w("- %s, %s: %s" % (sid, s["label"], s.get("error", "?")))
        w("")
    w("## How it was measured")
    w("")
    w("- Every system gets the scenario's files in the order they were saved. Per-version rows "
      "run one command per file: `cp`; `gzip -6 -c`; `zstd -3 -c`; `restic backup "
      "--compression max FILE` (repository v2, fresh repository per scenario, "
      "`RESTIC_PASSWORD` set); `borg create --compression zstd,3 REPO::vN FILE` (`borg init -e "
      "none`); `modelstash put PATH FILE` (fresh store per scenario; model paths and bases "
      "from each scenario's manifest.json). Restores run `cp`, `gzip -d`, `zstd -d`, "
      "`restic restore`, `borg extract`, `modelstash get PATH@N -o FILE` for every version. The "
      "whole-folder rows run one `restic backup`, `borg create` or `modelstash import DIR` over "
      "all the files and one `restic restore`, `borg extract` or `modelstash export -o DIR`.")
    w("- Before an ingest the source files are read once (warm, like a checkpoint just "
      "written). Every ingest and every restore ends with `sync` inside the timed interval. "
      "Speeds are raw bytes / wall time, including process start-up; MB = 10^6 bytes.")
    w("- Every restored file is compared with its original by SHA-256; the run fails loudly "
      "(exit status 3) if one differs.")
    w("- Stored bytes: the sizes of the regular files each system wrote (the repository for "
      "restic and borg; for modelstash everything but `tmp/`: `chunks/`, `manifests/`, `records/`, `catalog.db` and `FORMAT`). `du -sb` "
      "adds 4 KiB per directory on top (restic creates 256 before writing data); it is in "
      "results.json as `stored_du_sb`. \"raw\" is the sum of the checkpoint files, which is "
      "what Git LFS would store.")
    w("- restic picks a random chunker polynomial for each new repository, so where its "
      "dedup depends on chunk boundaries inside a file (S2) its stored size varies from run "
      "to run; borg's chunker seed is fixed for unencrypted repositories.")
    w("- modelstash ran as `%s`, the launcher users run: `java -jar` on the jar it builds, with"
      " the class-data-sharing archive it keeps next to the jar." % res["modelstash_cmd"])
    w("- Timings on a shared machine are noisy (see the load averages); sizes are exact and "
      "repeatable.")
    w("")
    w("## Machine and tools")
    w("")
    disk = m.get("disk", {})
    w("- CPU: %s, %s cores; memory %s GiB; disk %s (%s, %s; its speed shows in the cp + sync "
      "rows); %s, kernel %s." % (
          m.get("cpu", "?"), m.get("cores", "?"), m.get("memory_gib", "?"),
          disk.get("device", "?"), disk.get("fstype", "?"), disk.get("size", "?"),
          m.get("os", "?"), m.get("kernel", "?")))
    for name in ["modelstash", "restic", "borg", "gzip", "zstd", "java", "python"]:
        w("- %s: `%s`" % (name, tools.get(name, "?")))
    w("- Scenarios: torch %s, %d thread(s), generated in %.0f s (`bench/scenarios.py`%s)." % (
        gen["torch"], gen["threads"], gen["seconds"], " --quick" if gen["mode"] == "quick"
        else ""))
    w("")
    w("## Rerun")
    w("")
    w("```bash")
    w("apt-get install -y restic borgbackup zstd python3-matplotlib   # once, as root")
    w("bench/run.sh            # full: generates ~370 MB of checkpoints under bench/out, "
      "measures, rewrites this page")
    w("bench/run.sh --quick    # tiny scenarios in about two minutes (CI); writes "
      "bench/out/quick/BENCHMARKS.md")
    w("bench/team.sh           # the team-store rows (needs bench/out/S1 and a PostgreSQL: "
      "MODELSTASH_TEST_POSTGRES, or it starts scripts/dev-postgres.sh); run it before run.sh")
    w("```")
    w("")
    return "\n".join(out)


def chart(res, path):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("report: matplotlib is missing; no chart written", file=sys.stderr)
        return False
    scen = res["scenarios"]
    present = [s for s in CHART_ORDER if any(s in by_id(sc) for sc in scen)]
    fig, ax = plt.subplots(figsize=(11, 4.8))
    width = 0.8 / max(1, len(present))
    top = max([1.0] + [s["stored_ratio"] for sc in scen for s in sc["systems"]
                       if ok(s) and s["system"] in present])
    cap = min(top, 1.6)  # quick mode's tiny files can cost several times their size
    for i, sid in enumerate(present):
        xs, ys = [], []
        for j, sc in enumerate(scen):
            rec = by_id(sc).get(sid)
            if ok(rec):
                xs.append(j - 0.4 + width * (i + 0.5))
                ys.append(rec["stored_ratio"])
        label = next(s["label"] for sc in scen for s in sc["systems"] if s["system"] == sid)
        ax.bar(xs, [min(y, cap) for y in ys], width, label=label, color=COLORS.get(sid),
               edgecolor="black" if sid == "modelstash" else "none")
        if sid == "modelstash":
            for x, y in zip(xs, ys):
                ax.text(x, min(y, cap) + 0.01, ("%.2f" if y <= cap else "↑%.2f") % y,
                        ha="center", va="bottom", fontsize=7)
    ax.axhline(1.0, color="black", linestyle="--", linewidth=0.8, label="raw files (Git LFS)")
    ax.set_xticks(range(len(scen)))
    ax.set_xticklabels(["%s\n%s" % (sc["id"], sc["title"]) for sc in scen], fontsize=8)
    ax.set_ylabel("stored / raw (lower is better)")
    ax.set_ylim(0, cap * 1.08)
    ax.set_title("Bytes stored per byte of checkpoint (%s, %s mode)" % (res["date"], res["mode"]))
    ax.legend(fontsize=7, ncol=4, loc="upper center", bbox_to_anchor=(0.5, -0.14))
    fig.savefig(path, dpi=110, bbox_inches="tight")
    return True


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--results", required=True)
    ap.add_argument("--md", required=True)
    ap.add_argument("--png", help="chart to write (default: next to --md)")
    args = ap.parse_args()
    with open(args.results) as fh:
        res = json.load(fh)
    team = os.path.join(os.path.dirname(os.path.abspath(args.results)), "team.json")
    if os.path.exists(team):  # written by bench/team.sh
        with open(team) as fh:
            res["team"] = json.load(fh)
    png = args.png or os.path.splitext(args.md)[0] + ".png"
    os.makedirs(os.path.dirname(os.path.abspath(args.md)), exist_ok=True)
    have_png = chart(res, png)
    rel_png = os.path.relpath(png, os.path.dirname(os.path.abspath(args.md))) if have_png else None
    with open(args.md, "w") as fh:
        fh.write(markdown(res, rel_png))
    print("report: wrote %s%s" % (args.md, " and " + png if have_png else ""), file=sys.stderr)


if __name__ == "__main__":
    main()
