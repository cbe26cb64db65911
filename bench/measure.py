#!/usr/bin/env python3
"""Measures every storage system on every scenario, on the same files, in one run.

Needs only the Python standard library (no torch). bench/run.sh calls it as

    python3 bench/measure.py --scenarios OUT --results OUT/results.json [--launcher bin/modelstash]

For each scenario (OUT/S1 ... OUT/S6, written by scenarios.py) and each system it records the
bytes stored, the ingest time and the restore time, and checks that every restored file is
byte-identical to its original (SHA-256). Protocol, the same for every system:

- Versions are ingested one command per file, in the order they were saved (as a training
  loop or a user adds checkpoints as they appear); restic and borg are also measured once
  with a single snapshot/archive of the whole folder ("whole folder" rows).
- Before an ingest the source files are read once, so they are in the page cache, as a
  checkpoint that was just written would be. Every ingest and every restore ends with `sync`,
  which is inside the timed interval.
- Before every restore the page cache is dropped (echo 3 > /proc/sys/vm/drop_caches) when the
  machine allows it; results.json records whether it did.
- Every version is restored, one command per version, into a fresh folder.
- MB means 10^6 bytes; speeds are raw (original) bytes per second of wall time, including
  each tool's process start-up.
- Stored bytes are the sizes of the regular files each system wrote (for modelstash:
  chunks/, manifests/ and catalog.db); `du -sb` of the same, which adds 4 KiB per directory,
  is recorded as stored_du_sb.

Exits with status 3 if any restore was not byte-identical or any system failed.
"""

import argparse
import datetime
import hashlib
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import time

SCENARIOS = ["S1", "S2", "S3", "S4", "S5", "S6"]
RESTIC_PASSWORD = "modelstash-bench"
T0 = time.time()


def log(msg):
    print("[measure %6.1fs] %s" % (time.time() - T0, msg), file=sys.stderr, flush=True)


class Failure(Exception):
    pass


def run(cmd, cwd=None, env=None, capture=False, stdout_path=None):
    """Runs a command; raises Failure with its stderr tail when it fails."""
    out = subprocess.PIPE if capture else subprocess.DEVNULL
    fh = None
    if stdout_path is not None:
        fh = open(stdout_path, "wb")
        out = fh
    try:
        p = subprocess.run(cmd, cwd=cwd, env=env, stdout=out, stderr=subprocess.PIPE)
    finally:
        if fh is not None:
            fh.close()
    if p.returncode != 0:
        tail = p.stderr.decode(errors="replace").strip().splitlines()[-3:]
        raise Failure("%s exited with %d: %s" % (" ".join(map(str, cmd[:3])), p.returncode,
                                                   " | ".join(tail)))
    return p.stdout.decode(errors="replace") if capture else None


def sync():
    subprocess.run(["sync"], check=True)


def drop_caches():
    """Flushes dirty pages and drops the page cache; False if the machine does not allow it."""
    sync()
    try:
        with open("/proc/sys/vm/drop_caches", "w") as fh:
            fh.write("3\n")
        return True
    except OSError:
        return False


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def tree_bytes(*paths):
    """Bytes of the regular files under the paths: what a system wrote, without the 4 KiB that
    du -sb adds per directory (restic alone makes 256 of them before writing any data)."""
    total = 0
    for p in paths:
        if os.path.isfile(p):
            total += os.path.getsize(p)
            continue
        for root, _, files in os.walk(p):
            for f in files:
                fp = os.path.join(root, f)
                if not os.path.islink(fp):
                    total += os.path.getsize(fp)
    return total


def du_sb(*paths):
    existing = [p for p in paths if os.path.exists(p)]
    out = run(["du", "-scb"] + existing, capture=True)
    return int(out.strip().splitlines()[-1].split()[0])


def find_file(root, rel):
    """Where a restore put `rel`: restic recreates absolute source paths under its target."""
    direct = os.path.join(root, rel)
    if os.path.isfile(direct):
        return direct
    matches = []
    for dirpath, _, files in os.walk(root):
        for f in files:
            full = os.path.join(dirpath, f)
            if full.endswith(os.sep + rel):
                matches.append(full)
    return matches[0] if len(matches) == 1 else None


# ---------------------------------------------------------------------------------------------
# Systems. Each has ingest(versions), restore(versions, target) -> {rel: restored path} and
# stored_paths() -> what it wrote; extra() adds system-specific figures.


class System:
    id = label = None
    per_version = True

    def __init__(self, ctx, scen_dir, work):
        self.ctx, self.src, self.work = ctx, scen_dir, work

    def extra(self):
        return {}


class RawCopy(System):
    id, label = "raw", "raw files, cp + sync (what Git LFS stores)"

    def ingest(self, versions):
        self.store = os.path.join(self.work, "copy")
        for v in versions:
            dst = os.path.join(self.store, v["file"])
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            run(["cp", os.path.join(self.src, v["file"]), dst])
        sync()

    def restore(self, versions, target):
        got = {}
        for v in versions:
            dst = os.path.join(target, v["file"])
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            run(["cp", os.path.join(self.store, v["file"]), dst])
            got[v["file"]] = dst
        sync()
        return got

    def stored_paths(self):
        return [self.store]


class PerFileCompressor(System):
    compress = decompress = suffix = None

    def ingest(self, versions):
        self.store = os.path.join(self.work, self.id)
        for v in versions:
            dst = os.path.join(self.store, v["file"] + self.suffix)
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            run(self.compress + [os.path.join(self.src, v["file"])], stdout_path=dst)
        sync()

    def restore(self, versions, target):
        got = {}
        for v in versions:
            dst = os.path.join(target, v["file"])
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            run(self.decompress + [os.path.join(self.store, v["file"] + self.suffix)],
                stdout_path=dst)
            got[v["file"]] = dst
        sync()
        return got

    def stored_paths(self):
        return [self.store]


class Gzip(PerFileCompressor):
    id, label = "gzip", "gzip -6 per file (the classic recipe)"
    compress, decompress, suffix = ["gzip", "-6", "-c"], ["gzip", "-d", "-c"], ".gz"


class Zstd(PerFileCompressor):
    id, label = "zstd", "zstd -3 per file"
    compress, decompress, suffix = ["zstd", "-3", "-q", "-c"], ["zstd", "-d", "-q", "-c"], ".zst"


class Restic(System):
    id, label = "restic", "restic, repo v2, compression max"

    def env(self):
        e = dict(os.environ)
        e.update(RESTIC_PASSWORD=RESTIC_PASSWORD, RESTIC_CACHE_DIR=os.path.join(self.work,
                 "restic-cache"), RESTIC_REPOSITORY=os.path.join(self.work, "restic-repo"))
        return e

    def init(self):
        self.repo = os.path.join(self.work, "restic-repo")
        run(["restic", "init", "--repository-version", "2"], env=self.env())

    def backup(self, paths):
        out = run(["restic", "backup", "--compression", "max", "--host", "bench", "--json"]
                  + paths, cwd=self.src, env=self.env(), capture=True)
        for line in reversed(out.strip().splitlines()):
            msg = json.loads(line)
            if msg.get("message_type") == "summary":
                return msg["snapshot_id"]
        raise Failure("restic backup printed no summary")

    def ingest(self, versions):
        self.snaps = [self.backup([v["file"]]) for v in versions]
        sync()

    def restore(self, versions, target):
        got = {}
        for i, (v, snap) in enumerate(zip(versions, self.snaps)):
            t = os.path.join(target, "v%04d" % i)
            run(["restic", "restore", snap, "--target", t], env=self.env())
            got[v["file"]] = find_file(t, v["file"])
        sync()
        return got

    def stored_paths(self):
        return [self.repo]


class ResticFolder(Restic):
    id, label, per_version = "restic-folder", "restic, whole folder in one snapshot", False

    def ingest(self, versions):
        self.snap = self.backup([v["file"] for v in versions])
        sync()

    def restore(self, versions, target):
        run(["restic", "restore", self.snap, "--target", target], env=self.env())
        sync()
        return {v["file"]: find_file(target, v["file"]) for v in versions}


class Borg(System):
    id, label = "borg", "borg, zstd,3"

    def env(self):
        e = dict(os.environ)
        e.update(BORG_BASE_DIR=os.path.join(self.work, "borg-home"),
                 BORG_UNKNOWN_UNENCRYPTED_REPO_ACCESS_IS_OK="yes",
                 BORG_RELOCATED_REPO_ACCESS_IS_OK="yes", BORG_PASSPHRASE="")
        return e

    def init(self):
        self.repo = os.path.join(self.work, "borg-repo")
        run(["borg", "init", "-e", "none", self.repo], env=self.env())

    def create(self, name, paths):
        run(["borg", "create", "--compression", "zstd,3", "%s::%s" % (self.repo, name)] + paths,
            cwd=self.src, env=self.env())

    def ingest(self, versions):
        for i, v in enumerate(versions):
            self.create("v%04d" % i, [v["file"]])
        sync()

    def restore(self, versions, target):
        got = {}
        for i, v in enumerate(versions):
            t = os.path.join(target, "v%04d" % i)
            os.makedirs(t)
            run(["borg", "extract", "%s::v%04d" % (self.repo, i)], cwd=t, env=self.env())
            got[v["file"]] = os.path.join(t, v["file"])
        sync()
        return got

    def stored_paths(self):
        return [self.repo]


class BorgFolder(Borg):
    id, label, per_version = "borg-folder", "borg, whole folder in one archive", False

    def ingest(self, versions):
        self.create("all", [v["file"] for v in versions])
        sync()

    def restore(self, versions, target):
        os.makedirs(target, exist_ok=True)
        run(["borg", "extract", "%s::all" % self.repo], cwd=target, env=self.env())
        sync()
        return {v["file"]: os.path.join(target, v["file"]) for v in versions}


class ModelStash(System):
    id, label = "modelstash", "modelstash put / get"

    def cmd(self, *args):
        return self.ctx["modelstash_cmd"] + ["--store", self.store] + list(args)

    def init(self):
        self.store = os.path.join(self.work, "modelstash-store")
        self.refs = []
        # every scenario starts without a daemon: its first command pays for starting one
        stop_daemons(self.ctx)

    def ingest(self, versions):
        self.put_seconds = []
        for v in versions:
            args = ["put", "--json"]
            if v.get("base") and self.ctx["modelstash_has_base"]:
                args += ["--base", v["base"]]
            t = time.perf_counter()
            out = run(self.cmd(*(args + [v["path"], os.path.join(self.src, v["file"])])),
                      capture=True)
            self.put_seconds.append(time.perf_counter() - t)
            put = json.loads(out)
            self.refs.append("%s@%d" % (put["path"], put["version"]))
        sync()

    def restore(self, versions, target):
        got = {}
        self.get_seconds = []
        for i, (v, ref) in enumerate(zip(versions, self.refs)):
            dst = os.path.join(target, "v%04d" % i, os.path.basename(v["file"]))
            os.makedirs(os.path.dirname(dst))
            t = time.perf_counter()
            run(self.cmd("get", ref, "-o", dst))
            self.get_seconds.append(time.perf_counter() - t)
            got[v["file"]] = dst
        sync()
        return got

    def stored_paths(self):
        # everything the store keeps; tmp/ only holds files of commands in progress
        return [os.path.join(self.store, p)
                for p in ("FORMAT", "chunks", "manifests", "records", "catalog.db")]

    def extra(self):
        stats = json.loads(run(self.cmd("stats", "--json", "--codecs"), capture=True))
        ls_times = []
        for _ in range(1 if self.ctx["quick"] else 3):  # what opening the store costs
            t = time.perf_counter()
            run(self.cmd("ls"))
            ls_times.append(time.perf_counter() - t)
        return {"store_dir_bytes": tree_bytes(self.store),
                "ls_seconds": round(sorted(ls_times)[len(ls_times) // 2], 3),
                "stats_total": stats.get("total"),
                "codecs": stats.get("codecs"),
                "refs": self.refs,
                "base_used": self.ctx["modelstash_has_base"],
                "put_seconds": [round(s, 3) for s in self.put_seconds],
                "get_seconds": [round(s, 3) for s in self.get_seconds]}


class ModelStashFolder(ModelStash):
    id, label, per_version = "modelstash-folder", "modelstash import / export, whole folder", False

    def ingest(self, versions):
        # import takes a folder; hard links give it exactly the versions, without manifest.json
        tree = os.path.join(self.work, "import-tree")
        for v in versions:
            dst = os.path.join(tree, v["file"])
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            os.link(os.path.join(self.src, v["file"]), dst)
        t = time.perf_counter()
        run(self.cmd("import", tree), capture=True)
        self.put_seconds = [time.perf_counter() - t]
        shutil.rmtree(tree)
        sync()

    def restore(self, versions, target):
        t = time.perf_counter()
        run(self.cmd("export", "-o", target), capture=True)
        self.get_seconds = [time.perf_counter() - t]
        sync()
        return {v["file"]: os.path.join(target, v["file"]) for v in versions}

    def extra(self):
        # codec statistics and per-command timings are read from the per-version row only
        return {}


SYSTEMS = [RawCopy, Gzip, Zstd, Restic, ResticFolder, Borg, BorgFolder, ModelStash,
           ModelStashFolder]


# ---------------------------------------------------------------------------------------------


def measure_system(cls, ctx, scen_dir, work, versions, originals, raw_bytes):
    sysdir = os.path.join(work, cls.id)
    shutil.rmtree(sysdir, ignore_errors=True)
    os.makedirs(sysdir)
    s = cls(ctx, scen_dir, sysdir)
    rec = {"system": cls.id, "label": cls.label, "per_version": cls.per_version, "ok": False}
    try:
        if hasattr(s, "init"):
            s.init()
        for v in versions:  # warm source files, like a checkpoint that was just written
            with open(os.path.join(scen_dir, v["file"]), "rb") as fh:
                while fh.read(1 << 22):
                    pass
        sync()
        t = time.perf_counter()
        s.ingest(versions)
        ingest_s = time.perf_counter() - t
        stored = tree_bytes(*s.stored_paths())
        stored_du = du_sb(*s.stored_paths())
        target = os.path.join(sysdir, "restore")
        os.makedirs(target)
        cold = drop_caches() if ctx["drop_caches"] else False
        t = time.perf_counter()
        got = s.restore(versions, target)
        restore_s = time.perf_counter() - t
        bad = [rel for rel, want in originals.items()
               if got.get(rel) is None or sha256(got[rel]) != want]
        rec.update(stored_bytes=stored, stored_ratio=stored / raw_bytes,
                   stored_du_sb=stored_du, ingest_s=round(ingest_s, 4),
                   restore_s=round(restore_s, 4),
                   ingest_mbps=raw_bytes / ingest_s / 1e6, restore_mbps=raw_bytes / restore_s / 1e6,
                   restore_cold=cold, identical=not bad, ok=not bad)
        rec.update(s.extra())
        if bad:
            rec["error"] = "restored files differ from the originals: %s" % ", ".join(bad[:5])
    except Failure as e:
        rec["error"] = str(e)
    finally:
        if not ctx["keep"]:
            shutil.rmtree(sysdir, ignore_errors=True)
    return rec


def stop_daemons(ctx):
    """Stops modelstash's daemons (see README); harmless when they are off or none runs."""
    if ctx["modelstash_daemon"]:
        run(ctx["modelstash_cmd"] + ["daemon", "stop"], capture=True)


def tool_versions(ctx):
    def first_line(cmd):
        try:
            p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
            return p.stdout.decode(errors="replace").strip().splitlines()[0]
        except (OSError, IndexError):
            return "not available"
    return {
        "restic": first_line(["restic", "version"]),
        "borg": first_line(["borg", "--version"]),
        "gzip": first_line(["gzip", "--version"]),
        "zstd": first_line(["zstd", "--version"]),
        "java": first_line(["java", "-version"]),
        "modelstash": first_line(ctx["modelstash_cmd"] + ["--version"]),
        "python": sys.version.split()[0],
    }


def startup_seconds(cmd, n=3, env=None):
    """Median wall time of a command that does nothing but start (per-command fixed cost)."""
    times = []
    for _ in range(n):
        t = time.perf_counter()
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
        times.append(time.perf_counter() - t)
    return round(sorted(times)[n // 2], 3)


def machine(path):
    info = {"cores": os.cpu_count(), "kernel": platform.release()}
    try:
        with open("/proc/cpuinfo") as fh:
            m = re.search(r"model name\s*:\s*(.*)", fh.read())
            info["cpu"] = m.group(1).strip() if m else platform.processor()
        with open("/proc/meminfo") as fh:
            m = re.search(r"MemTotal:\s*(\d+) kB", fh.read())
            info["memory_gib"] = round(int(m.group(1)) / 2**20, 1)
    except OSError:
        pass
    try:
        src, fstype, size = run(["findmnt", "-no", "SOURCE,FSTYPE,SIZE", "-T", path],
                                capture=True).split()[:3]
        info["disk"] = {"device": src, "fstype": fstype, "size": size}
    except (Failure, ValueError, OSError):
        pass
    try:
        with open("/etc/os-release") as fh:
            m = re.search(r'PRETTY_NAME="([^"]*)"', fh.read())
            info["os"] = m.group(1) if m else ""
    except OSError:
        pass
    return info


def git_info(repo):
    def git(*args):
        return run(["git", "-C", repo] + list(args), capture=True).strip()
    code = ["pom.xml", "bin"] + sorted(d for d in os.listdir(repo) if d.startswith("modelstash-"))
    try:
        # The commit that last changed modelstash itself, not the bench scripts or the docs.
        commit = git("log", "-1", "--format=%H", "--", *code)
        dirty = git("status", "--porcelain", "--", *code)
        return {"commit": commit, "subject": git("log", "-1", "--format=%s", commit),
                "head": git("rev-parse", "HEAD"), "dirty": bool(dirty)}
    except Failure:
        return {}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--scenarios", required=True, help="folder with S1..S6 from scenarios.py")
    ap.add_argument("--results", required=True, help="results.json to write")
    ap.add_argument("--launcher", help="the modelstash command (default: the repository's "
                    "bin/modelstash, which honours MODELSTASH_JAVA_OPTS)")
    ap.add_argument("--work", help="scratch folder for stores (default SCENARIOS/work)")
    ap.add_argument("--only", help="comma-separated scenarios to run (default all)")
    ap.add_argument("--systems", help="comma-separated system ids (default all)")
    ap.add_argument("--keep", action="store_true", help="keep stores and restored files")
    args = ap.parse_args()

    repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    launcher = os.path.abspath(args.launcher or os.path.join(repo, "bin", "modelstash"))
    ctx = {"modelstash_cmd": [launcher], "keep": args.keep,
           "modelstash_daemon": os.environ.get("MODELSTASH_DAEMON", "1") != "0"}
    # a JVM of its own first, while no daemon is starting or compiling on the other core
    stop_daemons(ctx)
    startup = {"modelstash_own_jvm": startup_seconds(
        ctx["modelstash_cmd"] + ["--version"], env=dict(os.environ, MODELSTASH_DAEMON="0"))}
    run(ctx["modelstash_cmd"] + ["--version"], capture=True)  # starts the daemon
    startup["modelstash"] = startup_seconds(ctx["modelstash_cmd"] + ["--version"])
    help_put = run(ctx["modelstash_cmd"] + ["help", "put"], capture=True)
    ctx["modelstash_has_base"] = "--base" in help_put
    with open(os.path.join(args.scenarios, "scenarios.json")) as fh:
        gen = json.load(fh)
    ctx["quick"] = gen["mode"] == "quick"
    ctx["drop_caches"] = drop_caches()
    log("page cache drop before restores: %s; put --base: %s"
        % ("yes" if ctx["drop_caches"] else "NOT POSSIBLE (restores read warm files)",
           "yes" if ctx["modelstash_has_base"] else "not supported by this build"))

    work = os.path.abspath(args.work or os.path.join(args.scenarios, "work"))
    os.makedirs(work, exist_ok=True)
    only = args.only.split(",") if args.only else SCENARIOS
    if args.systems:
        systems = [c for c in SYSTEMS if c.id in args.systems.split(",")]
    else:
        # The whole-folder rows add little on tiny files and restic's key derivation costs
        # seconds per repository; quick mode keeps CI under two minutes without them.
        systems = [c for c in SYSTEMS if c.per_version or gen["mode"] != "quick"]

    results = {
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "mode": gen["mode"], "generation": gen, "machine": machine(work),
        "tools": tool_versions(ctx), "modelstash_git": git_info(repo),
        "modelstash_cmd": os.path.relpath(launcher, repo) + (" (MODELSTASH_JAVA_OPTS=%s)" % os.environ[
            "MODELSTASH_JAVA_OPTS"] if os.environ.get("MODELSTASH_JAVA_OPTS") else ""),
        "modelstash_has_base": ctx["modelstash_has_base"],
        "restore_cold": ctx["drop_caches"],
        "modelstash_daemon": ctx["modelstash_daemon"],
        "startup_s": dict(startup, restic=startup_seconds(["restic", "version"]),
                          borg=startup_seconds(["borg", "--version"])),
        "scenarios": [],
    }
    failures = 0
    for sid in only:
        scen_dir = os.path.abspath(os.path.join(args.scenarios, sid))
        with open(os.path.join(scen_dir, "manifest.json")) as fh:
            man = json.load(fh)
        versions = man["versions"]
        originals = {v["file"]: sha256(os.path.join(scen_dir, v["file"])) for v in versions}
        raw = sum(os.path.getsize(os.path.join(scen_dir, v["file"])) for v in versions)
        entry = {"id": sid, "title": man["title"], "description": man["description"],
                 "files": len(versions), "raw_bytes": raw, "load_before": os.getloadavg()[0],
                 "file_sizes": [os.path.getsize(os.path.join(scen_dir, v["file"]))
                                for v in versions],
                 "systems": []}
        for cls in systems:
            rec = measure_system(cls, ctx, scen_dir, os.path.join(work, sid), versions,
                                 originals, raw)
            entry["systems"].append(rec)
            if rec["ok"]:
                log("%s %-13s stored %.3f  ingest %7.1f MB/s  restore %7.1f MB/s"
                    % (sid, cls.id, rec["stored_ratio"], rec["ingest_mbps"],
                       rec["restore_mbps"]))
            else:
                failures += 1
                log("%s %-13s FAILED: %s" % (sid, cls.id, rec.get("error")))
        entry["load_after"] = os.getloadavg()[0]
        results["scenarios"].append(entry)
        if not args.keep:
            shutil.rmtree(os.path.join(work, sid), ignore_errors=True)

    os.makedirs(os.path.dirname(os.path.abspath(args.results)), exist_ok=True)
    with open(args.results, "w") as fh:
        json.dump(results, fh, indent=1)
    log("results written to %s" % args.results)
    stop_daemons(ctx)  # nothing of the run stays behind
    if failures:
        log("%d measurement(s) FAILED or were not byte-identical" % failures)
        sys.exit(3)


if __name__ == "__main__":
    main()
