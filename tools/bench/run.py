#!/usr/bin/env python3
"""Switchyard benchmark harness. See docs/performance.md.

  run.py vhost-loop [--runs 5] [--seconds 10] [--scenario l2,vlan]
        testpmd generator <-> vhost-user <-> Switchyard, against dpdk-testpmd
        as a bare forwarder in the same sitting, interleaved; medians.
  run.py open [--scenario ...]       open-loop rows: net_pcap (replayed from
        memory) -> Switchyard -> out, one process, no generator CPU; each
        with the bare forwarder (testpmd io, same pcap) as its baseline.
  run.py sweep macs|tenants          open-loop sweeps, JSON + PNG plot.
  run.py micro                       stage micro-benchmarks (Google Benchmark).
  run.py smoke                       a few seconds of everything that needs
        no hugepages (CI: meson test --suite bench).
  run.py plot RESULT.json            redraw a sweep's plot.

Every run prints Mpps, busy cycles per packet (TSC cycles in polls that
returned packets / packets, from the worker counters) and the ratio to the
baseline, and writes JSON (and PNGs for sweeps) into --out.

Run as root. Measurements wait until no other dataplane/testpmd runs.
"""

import argparse
import concurrent.futures
import datetime
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

# The plots need the distribution's matplotlib (python3-matplotlib): if this
# interpreter (a pyenv or venv one) lacks it, re-run under /usr/bin/python3.
try:
    import matplotlib  # noqa: F401
except ImportError:
    if os.path.exists("/usr/bin/python3") and os.path.realpath(sys.executable) != \
            os.path.realpath("/usr/bin/python3") and not os.environ.get("SYBENCH_REEXEC"):
        os.environ["SYBENCH_REEXEC"] = "1"
        os.execv("/usr/bin/python3", ["/usr/bin/python3"] + sys.argv)

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)

from sybench import scenarios as S  # noqa: E402
from sybench.pcap import mac_str, write_pcap  # noqa: E402
from sybench.procs import (BenchError, PeerGen, Switchyard, Testpmd, ensure_hugepages,  # noqa: E402
                           foreign_cpu_seconds, hugepages_free, pin_self, wait_cpus_idle,
                           wait_machine_quiet)

# A measured window during which other processes used more CPU than this
# share of one CPU is thrown away and measured again (up to MAX_TRIES).
FOREIGN_MAX = 0.05
MAX_TRIES = 4


def measured(args, fn, what):
    """Run one measurement fn() -> row on an idle machine; redo it when
    something else used the CPUs during its window (row["foreign_cpu"])."""
    for attempt in range(1, MAX_TRIES + 1):
        idle = quiet(args)
        f0 = foreign_cpu_seconds()
        t0 = time.monotonic()
        row = fn()
        f1, t1 = foreign_cpu_seconds(), time.monotonic()
        share = (f1 - f0) / max(t1 - t0, 1e-3)
        row["idle_before"] = idle
        row["foreign_cpu"] = round(share, 3)
        if share <= FOREIGN_MAX or getattr(args, "no_wait", False) or attempt == MAX_TRIES:
            if share > FOREIGN_MAX:
                row["disturbed"] = True
                log(f"warning: {what}: other processes used {share:.0%} of a CPU; kept after "
                    f"{attempt} tries")
            return row
        log(f"{what}: other processes used {share:.0%} of a CPU during the run: measuring again")


def quiet(args):
    """Wait for an idle machine before one measured run (unless --no-wait)."""
    if getattr(args, "no_wait", False):
        return None
    return round(wait_cpus_idle(log=log), 3)

MBUF_KB = 2.5  # one mbuf with RTE_MBUF_DEFAULT_BUF_SIZE, headers included


def log(*a):
    print(*a, flush=True)


# --- machine and results -------------------------------------------------------

def machine_info():
    cpu = "unknown"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass

    def sh(*cmd):
        try:
            return subprocess.run(cmd, capture_output=True, text=True, cwd=REPO).stdout.strip()
        except OSError:
            return ""
    commit = sh("git", "rev-parse", "--short", "HEAD")
    dirty = sh("git", "status", "--porcelain", "--untracked-files=no", "dataplane")
    return {
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "cpu": cpu, "cpus": os.cpu_count(), "kernel": platform.release(),
        "dpdk": sh("pkg-config", "--modversion", "libdpdk"),
        "commit": commit + ("+dirty(dataplane)" if dirty else ""),
        "hostname": platform.node(),
    }


def write_json(out_dir, name, doc):
    os.makedirs(out_dir, exist_ok=True)
    path = os.path.join(out_dir, name + ".json")
    with open(path, "w") as f:
        json.dump(doc, f, indent=1)
    log(f"wrote {path}")
    return path


def fmt(v, spec=".2f", dash="-"):
    return dash if v is None else format(v, spec)


def table(headers, rows):
    cols = [[str(h)] + [str(r[i]) for r in rows] for i, h in enumerate(headers)]
    widths = [max(len(c) for c in col) for col in cols]
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths))]
    for r in rows:
        lines.append("  ".join(str(c).rjust(w) if i else str(c).ljust(w)
                               for i, (c, w) in enumerate(zip(r, widths))))
    return "\n".join(lines)


def median(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


# --- switch counters -------------------------------------------------------------

def n(x):
    return int(x or 0)


def stop_switch(sy, res):
    """Stop Switchyard; a -Dworker_profile=true build has logged each worker's
    RX / processing / TX split, which goes into `res`."""
    sy.stop()
    stages = sy.stage_cycles()
    if stages:
        res["stage_cycles"] = stages


def workers_delta(s0, s1, *fields):
    """Each worker counter in `fields`, summed over workers, between two stats."""
    def tot(s, f):
        return sum(n(w.get(f)) for w in s.get("workers", []))
    return tuple(tot(s1, f) - tot(s0, f) for f in fields)


def worker_delta(s0, s1):
    """(packets, busy_cycles) summed over workers between two stats."""
    return workers_delta(s0, s1, "packets", "busy_cycles")


def per_worker(s0, s1):
    w0 = {w.get("lcore", 0): w for w in s0.get("workers", [])}
    out = []
    for w in s1.get("workers", []):
        a = w0.get(w.get("lcore", 0), {})
        p = n(w.get("packets")) - n(a.get("packets"))
        c = n(w.get("busy_cycles")) - n(a.get("busy_cycles"))
        out.append({"lcore": w.get("lcore", 0), "packets": p, "busy_cycles": c,
                    "cycles_per_packet": c / p if p else None})
    return out


def tenant_delta(s0, s1, field):
    def tot(s):
        return sum(n(t.get(field)) for t in s.get("tenants", []))
    return tot(s1) - tot(s0)


def drops_delta(s0, s1):
    d0 = {d["reason"]: n(d.get("packets")) for d in s0.get("drops", [])}
    res = {}
    for d in s1.get("drops", []):
        v = n(d.get("packets")) - d0.get(d["reason"], 0)
        if v:
            res[d["reason"]] = v
    return res


# --- open loop -------------------------------------------------------------------

def set_next_hops(sy, vx):
    """The remote VTEPs' next hop, as the kernel would have resolved it: a
    permanent neighbour on the VTEP interface; waits until controld has
    pushed it."""
    for remote in {r for _, r in vx["remotes"]}:
        subprocess.run(["ip", "neigh", "replace", remote, "lladdr", mac_str(vx["next_hop"]),
                        "dev", f"vtep-{vx['port']}", "nud", "permanent"], check=True)
    t0 = time.time()
    while not all(v.get("next_hop", {}).get("mac")
                  for v in sy.yard("vtep", "list", json_out=True).get("vteps", [])):
        if time.time() - t0 > 10:
            raise BenchError("remote VTEPs not resolved")
        time.sleep(0.1)


class OpenRun:
    """One open-loop configuration: pcaps written once, then measured on
    Switchyard and (optionally) on the bare forwarder."""

    def __init__(self, name, setup, work_dir):
        self.name = name
        self.setup = setup
        self.dir = os.path.join(work_dir, name)
        os.makedirs(self.dir, exist_ok=True)
        self.warm_pcap = os.path.join(self.dir, "warm.pcap")
        self.n_warm = write_pcap(self.warm_pcap, setup["warm"]["frames"])
        # One stream port ("in") or several ("in0", "in1", ...).
        self.streams = setup.get("streams") or [setup["stream"]]
        self.stream_pcaps = []
        self.n_stream = 0
        for k, st in enumerate(self.streams):
            path = os.path.join(self.dir, f"stream{k}.pcap")
            self.n_stream += write_pcap(path, st["frames"])
            self.stream_pcaps.append(path)
            st["frames"] = None  # the 1M sweep point would hold ~200 MB
        self.stream_pcap = self.stream_pcaps[0]
        setup["warm"]["frames"] = None
        self.table = setup.get("table", 1 << 21 if setup["learned"] > 100000 else 262144)
        self.mbufs = self.n_stream + 16384 * len(self.streams)
        self.memory_mb = int(384 + self.mbufs * MBUF_KB / 1024 + self.table * 96 / 2**20)

    def switchyard(self, build, seconds, warmup, huge, lcores=None):
        sy = Switchyard(build, self.dir, name="sy", log=log)
        res = {"scenario": self.name, "switch": "switchyard"}
        try:
            kw = {"lcores": lcores} if lcores else {}
            sy.start(huge=huge, memory_mb=self.memory_mb, mac_table_size=self.table,
                     mbufs=self.mbufs, **kw)
            with concurrent.futures.ThreadPoolExecutor(8) as ex:
                list(ex.map(lambda t: sy.yard("tenant", "add", t[0], *t[1]),
                            self.setup["tenants"]))
            vx = self.setup.get("vxlan")
            for tenant, remote in (vx or {}).get("remotes", []):
                sy.yard("vtep", "add", "--tenant", tenant, "--remote", remote)
            for i, role in enumerate(self.setup.get("sinks", [])):
                sy.yard("port", "add", f"sink{i}", "--kind", "null", "--devargs", "no-rx=1", *role)
            sy.yard("port", "add", "out", "--kind", "pcap", "--devargs",
                    f"rx_pcap={self.warm_pcap}", *self.setup["warm"]["role"])
            want = self.setup["learned"]
            t0 = time.time()
            while True:
                st = sy.stats()
                learned = tenant_delta({}, st, "learned")
                if learned >= want:
                    break
                if time.time() - t0 > 60 + want / 20000:
                    raise BenchError(f"{self.name}: learned {learned} of {want} MACs")
                time.sleep(0.2)
            res["learn_seconds"] = round(time.time() - t0, 2)
            if vx and vx.get("next_hop"):
                set_next_hops(sy, vx)
            for k, (st, path) in enumerate(zip(self.streams, self.stream_pcaps)):
                sy.yard("port", "add", "in" if len(self.streams) == 1 else f"in{k}",
                        "--kind", "pcap", "--devargs", f"rx_pcap={path},infinite_rx=1",
                        *st["role"])
            for largs in self.setup.get("limits", []):
                sy.yard("limit", "set", *largs)
            errors = sy.port_errors()
            if errors:
                raise BenchError(f"{self.name}: port errors {errors}")
            time.sleep(warmup)
            s0 = sy.stats()
            time.sleep(seconds)
            s1 = sy.stats()
            pk, cyc = worker_delta(s0, s1)
            dt = s1["_t"] - s0["_t"]
            res.update({
                "seconds": round(dt, 3), "packets": pk, "busy_cycles": cyc,
                "mpps": pk / dt / 1e6 if dt > 0 else None,
                "cycles_per_packet": cyc / pk if pk else None,
                "workers": per_worker(s0, s1),
                "unicast": tenant_delta(s0, s1, "unicast"),
                "flooded": tenant_delta(s0, s1, "flooded"),
                "vxlan_encap": tenant_delta(s0, s1, "vxlan_encap"),
                "drops": drops_delta(s0, s1),
                "macs": sum(n(t.get("macs")) for t in s1.get("tenants", [])),
                "tsc_hz": n(s1.get("tsc_hz")),
            })
            res["check"] = self.check(res)
        finally:
            stop_switch(sy, res)
        return res

    def check(self, r):
        pk = r["packets"] or 1
        exp = self.setup["expect"]
        other = sum(v for k, v in r["drops"].items())
        if exp == "unicast" and r["unicast"] < 0.99 * pk:
            return f"expected unicast: unicast {r['unicast']}, flooded {r['flooded']}, drops {r['drops']}"
        if exp == "encap" and r["vxlan_encap"] < 0.99 * pk:
            return f"expected encap: vxlan_encap {r['vxlan_encap']}, drops {r['drops']}"
        if exp == "flood" and r["flooded"] < 0.99 * pk:
            return f"expected flood: flooded {r['flooded']}, drops {r['drops']}"
        if exp == "drop" and other < 0.99 * pk:
            return f"expected drops: drops {r['drops']}, unicast {r['unicast']}"
        return "ok"

    def baseline(self, seconds, warmup, huge):
        """dpdk-testpmd io forwarding net_pcap (same stream, from memory) ->
        net_null: the bare forwarder with the same PMD costs."""
        eal = ["--lcores", "0@0,1@1", "--no-pci", "--file-prefix", f"sybase{os.getpid()}",
               "-m", str(self.memory_mb), "--log-level", "*:warning",
               f"--vdev=net_pcap0,rx_pcap={self.stream_pcap},infinite_rx=1",
               "--vdev=net_null0,no-rx=1"]
        eal += ["--in-memory"] if huge else ["--no-huge"]
        app = ["--forward-mode=io", "--nb-cores=1", "--record-core-cycles",
               f"--total-num-mbufs={self.mbufs}", "--no-lsc-interrupt"]
        res = {"scenario": self.name, "switch": "testpmd-io"}
        pmd = Testpmd(eal, app, os.path.join(self.dir, "baseline-testpmd.log"), log=log)
        try:
            pmd.cmd("start")
            time.sleep(warmup)
            pmd.cmd("clear fwd stats all")
            t0 = time.monotonic()
            time.sleep(seconds)
            fc = pmd.fwd_cycles()
            dt = time.monotonic() - t0
            if fc:
                cpp, cyc, pk = fc
                res.update({"seconds": round(dt, 3), "packets": pk, "busy_cycles": cyc,
                            "mpps": pk / dt / 1e6, "cycles_per_packet": cpp})
        finally:
            pmd.close()
        return res


def open_measure(args, name, setup, work, with_baseline=True):
    run = OpenRun(name, setup, work)
    if args.huge:
        need = int(run.memory_mb / 2) + 128
        if hugepages_free() < need:
            ensure_hugepages(max(1024, need), REPO, log=log)
    rows = []
    for i in range(args.runs):
        if with_baseline:
            rows.append(measured(args, lambda: run.baseline(args.seconds, args.warmup, args.huge),
                                 f"{name} baseline"))
        rows.append(measured(args, lambda: run.switchyard(args.build, args.seconds, args.warmup,
                                                          args.huge), name))
    sw = [r for r in rows if r["switch"] == "switchyard"]
    base = [r for r in rows if r["switch"] == "testpmd-io"]
    summ = {
        "scenario": name, "runs": len(sw),
        "mpps": median(r.get("mpps") for r in sw),
        "cycles_per_packet": median(r.get("cycles_per_packet") for r in sw),
        "baseline_mpps": median(r.get("mpps") for r in base),
        "baseline_cycles_per_packet": median(r.get("cycles_per_packet") for r in base),
        "check": "; ".join(sorted({r["check"] for r in sw})),
        "stream_packets": run.n_stream, "learned": setup["learned"],
        "memory_mb": run.memory_mb, "mac_table_size": run.table,
    }
    if summ["mpps"] and summ["baseline_mpps"]:
        summ["ratio"] = summ["mpps"] / summ["baseline_mpps"]
    return summ, rows


OPEN_HEADERS = ["scenario", "Mpps", "cyc/pkt", "base Mpps", "base cyc/pkt", "ratio", "check"]


def open_row(s):
    return [s["scenario"], fmt(s.get("mpps")), fmt(s.get("cycles_per_packet"), ".1f"),
            fmt(s.get("baseline_mpps")), fmt(s.get("baseline_cycles_per_packet"), ".1f"),
            fmt(s.get("ratio")), s.get("check", "")]


def cmd_open(args):
    names = args.scenario.split(",") if args.scenario else list(S.OPEN)
    work = tempfile.mkdtemp(prefix="sybench-open-")
    summaries, raw = [], []
    for name in names:
        sc = S.OPEN[name]
        if "todo" in sc:
            summaries.append({"scenario": name, "todo": sc["todo"], "check": "not measured: " + sc["todo"]})
            continue
        log(f"== open {name}: {sc['desc']}")
        s, rows = open_measure(args, name, sc["fn"](None), work, not args.no_baseline)
        s["desc"] = sc["desc"]
        summaries.append(s)
        raw += rows
        log(table(OPEN_HEADERS, [open_row(s)]))
    shutil.rmtree(work, ignore_errors=True)
    log("\n" + table(OPEN_HEADERS, [open_row(s) for s in summaries]))
    write_json(args.out, "open", {"kind": "open", "machine": machine_info(),
                                  "seconds": args.seconds, "runs": args.runs,
                                  "summary": summaries, "raw": raw})
    return summaries


# --- sweeps ------------------------------------------------------------------------

def cmd_sweep(args):
    sw = S.SWEEPS[args.name]
    if "todo" in sw:
        log(f"sweep {args.name}: not measured: {sw['todo']}")
        return []
    points = [int(p) for p in args.points.split(",")] if args.points else sw["points"]
    work = tempfile.mkdtemp(prefix=f"sybench-{args.name}-")
    summaries, raw = [], []
    for p in points:
        log(f"== sweep {args.name} = {p}")
        s, rows = open_measure(args, f"{args.name}-{p}", sw["fn"](p), work, not args.no_baseline)
        s["x"] = p
        summaries.append(s)
        raw += rows
        shutil.rmtree(os.path.join(work, f"{args.name}-{p}"), ignore_errors=True)
        log(table(OPEN_HEADERS, [open_row(s)]))
    shutil.rmtree(work, ignore_errors=True)
    base = summaries[0]
    for s in summaries:
        if s.get("cycles_per_packet") and base.get("cycles_per_packet"):
            s["growth"] = s["cycles_per_packet"] / base["cycles_per_packet"]
    hdr = [sw["xlabel"], "Mpps", "cyc/pkt", "growth", "base Mpps", "ratio", "check"]
    log("\n" + table(hdr, [[s["x"], fmt(s.get("mpps")), fmt(s.get("cycles_per_packet"), ".1f"),
                            fmt(s.get("growth")), fmt(s.get("baseline_mpps")), fmt(s.get("ratio")),
                            s.get("check", "")] for s in summaries]))
    doc = {"kind": "sweep", "sweep": args.name, "desc": sw["desc"], "xlabel": sw["xlabel"],
           "machine": machine_info(), "seconds": args.seconds, "runs": args.runs,
           "huge": args.huge, "summary": summaries, "raw": raw}
    lo, hi = sw.get("growth") or (None, None)
    byx = {s["x"]: s for s in summaries}
    if lo in byx and hi in byx and byx[lo].get("cycles_per_packet") and byx[hi].get("cycles_per_packet"):
        g = byx[hi]["cycles_per_packet"] / byx[lo]["cycles_per_packet"]
        doc["growth"] = {"from": lo, "to": hi, "factor": g, "max": sw.get("growth_max")}
        verdict = "" if sw.get("growth_max") is None else \
            (" (target <= %.2fx: %s)" % (sw["growth_max"], "met" if g <= sw["growth_max"] else "MISSED"))
        log(f"cycles/packet growth {lo} -> {hi}: {g:.2f}x{verdict}")
    path = write_json(args.out, f"sweep-{args.name}", doc)
    plot(path)
    return summaries


def plot(json_path):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        log("matplotlib not installed (apt-get install python3-matplotlib): no plot")
        return None
    with open(json_path) as f:
        doc = json.load(f)
    pts = [s for s in doc["summary"] if s.get("cycles_per_packet")]
    if not pts:
        return None
    xs = [s["x"] for s in pts]
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(10, 4))
    a1.plot(xs, [s["cycles_per_packet"] for s in pts], "o-", label="Switchyard")
    if any(s.get("baseline_cycles_per_packet") for s in pts):
        a1.plot(xs, [s.get("baseline_cycles_per_packet") for s in pts], "s--",
                label="bare forwarder (testpmd io)")
    a1.set_ylabel("busy cycles / packet")
    a1.set_ylim(bottom=0)
    a2.plot(xs, [s["mpps"] for s in pts], "o-", label="Switchyard")
    if any(s.get("baseline_mpps") for s in pts):
        a2.plot(xs, [s.get("baseline_mpps") for s in pts], "s--", label="bare forwarder (testpmd io)")
    a2.set_ylabel("Mpps (1 worker)")
    a2.set_ylim(bottom=0)
    for a in (a1, a2):
        a.set_xlabel(doc["xlabel"])
        if max(xs) / max(min(xs), 1) >= 100:
            a.set_xscale("log")
        a.grid(True, alpha=0.3)
        a.legend(fontsize=8)
    m = doc["machine"]
    fig.suptitle(f"{doc['desc']}\n{m['date']}, {m['cpu']}, {m['cpus']} CPUs, DPDK {m['dpdk']}, "
                 f"commit {m['commit']}", fontsize=9)
    fig.tight_layout()
    png = os.path.splitext(json_path)[0] + ".png"
    fig.savefig(png, dpi=100)
    plt.close(fig)
    log(f"wrote {png}")
    return png


# --- vhost-user loop -----------------------------------------------------------------

def vhost_generator(run_dir, sock_a, sock_b, profile, tag, build=None):
    eal = ["--lcores", "0@0,1@0", "--in-memory", "--single-file-segments", "--no-pci",
           "--file-prefix", f"sygen{os.getpid()}{tag}", "--log-level", "*:warning",
           f"--vdev=net_virtio_user0,path={sock_a},mac={mac_str(S.GEN_MAC0)}",
           f"--vdev=net_virtio_user1,path={sock_b},mac={mac_str(S.GEN_MAC1)}"]
    if S.GEN[profile].get("peer"):
        exe = os.path.join(build, "tools", "bench", "vxlan_peer")
        if not os.access(exe, os.X_OK):
            raise BenchError(f"{exe} not built")
        return PeerGen(exe, eal, os.path.join(run_dir, f"gen-{tag}.log"), log=log)
    app = ["--forward-mode=macswap", "--port-topology=loop",
           f"--eth-peer=0,{mac_str(S.GEN_MAC1)}", f"--eth-peer=1,{mac_str(S.GEN_MAC0)}",
           "--nb-cores=1", "--no-lsc-interrupt"]
    gen = Testpmd(eal, app, os.path.join(run_dir, f"gen-{tag}.log"), log=log)
    for c in S.GEN[profile]["cmds"]:
        gen.cmd(c)
    return gen


def wait_file(path, timeout=20):
    t0 = time.time()
    while not os.path.exists(path):
        if time.time() - t0 > timeout:
            raise BenchError(f"{path} never appeared")
        time.sleep(0.05)


def loop_once(args, switch, scenario, profile, run_dir, tag):
    sock_a = os.path.join(run_dir, f"{tag}-A.sock")
    sock_b = os.path.join(run_dir, f"{tag}-B.sock")
    for s in (sock_a, sock_b):
        if os.path.exists(s):
            os.unlink(s)
    res = {"switch": switch, "scenario": scenario, "gen": profile}
    sy = base = gen = None
    try:
        if switch == "testpmd-io":
            eal = ["--lcores", "0@0,1@1",
                   *(["--in-memory"] if args.huge else ["--no-huge", "-m", "1024"]), "--no-pci",
                   "--file-prefix", f"sybase{os.getpid()}{tag}", "--log-level", "*:warning",
                   f"--vdev=net_vhost0,iface={sock_a},queues=1,client=0",
                   f"--vdev=net_vhost1,iface={sock_b},queues=1,client=0"]
            base = Testpmd(eal, ["--forward-mode=io", "--nb-cores=1", "--record-core-cycles",
                                 "--no-lsc-interrupt"],
                           os.path.join(run_dir, f"switch-{tag}.log"), log=log)
            base.cmd("start")
        else:
            sc = S.LOOP[scenario]
            build = args.ab if switch == "switchyard-b" else args.build
            sy = Switchyard(build, run_dir, name=tag, log=log)
            sy.start(huge=args.huge)
            for t, targs in sc["tenants"]:
                sy.yard("tenant", "add", t, *targs)
            vx = sc.get("vxlan")
            for tenant, remote in (vx or {}).get("remotes", []):
                sy.yard("vtep", "add", "--tenant", tenant, "--remote", remote)
            sy.yard("port", "add", "A", "--kind", "vhost-server", "--socket", sock_a, *sc["port_a"])
            sy.yard("port", "add", "B", "--kind", "vhost-server", "--socket", sock_b, *sc["port_b"])
            for largs in sc.get("limits", []):
                sy.yard("limit", "set", *largs)
            if sc.get("rules"):
                path = os.path.join(run_dir, f"rules-{tag}.yaml")
                with open(path, "w") as f:
                    f.write(S.rule_file(sc["rules"]["count"]))
                sy.yard("rule", "apply", "-f", path, "--tenant", sc["rules"]["tenant"])
            if vx:
                set_next_hops(sy, vx)
        wait_file(sock_a)
        wait_file(sock_b)
        gen = vhost_generator(run_dir, sock_a, sock_b, profile, tag, args.build)
        bursts = args.bursts or S.GEN[profile]["bursts"]
        res["bursts"] = bursts
        gen.cmd(f"start tx_first {bursts}")
        time.sleep(args.warmup)
        g0 = gen.port_stats()
        if sy:
            s0 = sy.stats()
        else:
            base.cmd("clear fwd stats all")
        time.sleep(args.seconds)
        g1 = gen.port_stats()
        if sy:
            s1 = sy.stats()
        else:
            fc = base.fwd_cycles()
        dt = g1["_t"] - g0["_t"]
        rx = sum(g1[p]["rx_packets"] - g0[p]["rx_packets"] for p in (0, 1))
        res.update({
            "seconds": round(dt, 3),
            "mpps": (g1[0]["rx_pps"] + g1[1]["rx_pps"]) / 1e6,
            "mpps_from_counters": rx / dt / 1e6,
        })
        if sy:
            pk, cyc = worker_delta(s0, s1)
            polls, busy_polls = workers_delta(s0, s1, "polls", "busy_polls")
            res.update({"packets": pk, "busy_cycles": cyc,
                        "cycles_per_packet": cyc / pk if pk else None,
                        "polls": polls, "empty_polls": polls - busy_polls,
                        "unicast": tenant_delta(s0, s1, "unicast"),
                        "vxlan_encap": tenant_delta(s0, s1, "vxlan_encap"),
                        "flooded": tenant_delta(s0, s1, "flooded"),
                        "drops": drops_delta(s0, s1)})
            bad = res["flooded"] + sum(res["drops"].values())
            # Known unicast both ways; toward a remote VTEP that is an encap.
            res["unicast"] += res["vxlan_encap"]
            res["check"] = "ok" if pk and res["unicast"] >= 0.99 * pk else \
                f"not unicast: unicast {res['unicast']} of {pk}, flooded {res['flooded']}, drops {res['drops']}"
            if bad and res["check"] == "ok":
                res["check"] = f"ok ({bad} flooded/dropped)"
        elif fc:
            res.update({"cycles_per_packet": fc[0], "busy_cycles": fc[1], "packets": fc[2],
                        "check": "ok"})
    finally:
        if gen:
            gen.close()
        if base:
            base.close()
        if sy:
            stop_switch(sy, res)
    return res


# The host's speed can jump between levels within minutes; a pair whose
# bare forwarder ran this much faster or slower than the next run's
# straddled such a jump.
STRADDLE = 0.20


def pair_ratios(rows, gen, switch_rows):
    """Each Switchyard run against the bare forwarder run of the same round
    (same generator profile): the median of those ratios, their spread, and
    the rounds whose bare forwarder differs by more than STRADDLE from the
    next round's (the last round: from the previous one)."""
    bare = {r["run"]: r.get("mpps") for r in rows
            if r["switch"] == "testpmd-io" and r["gen"] == gen and r.get("mpps")}
    ratios, straddled = [], []
    runs = sorted(bare)
    for r in switch_rows:
        i = r["run"]
        if not r.get("mpps") or i not in bare:
            continue
        ratios.append(r["mpps"] / bare[i])
        k = runs.index(i)
        other = runs[k + 1] if k + 1 < len(runs) else (runs[k - 1] if k > 0 else None)
        if other is not None:
            a, b = bare[i], bare[other]
            if abs(a - b) / min(a, b) > STRADDLE:
                straddled.append(i)
    if not ratios:
        return {}
    return {"pair_ratio": median(ratios), "pair_min": min(ratios), "pair_max": max(ratios),
            "pair_ratios": ratios, "straddled": straddled}


def cmd_vhost_loop(args):
    names = args.scenario.split(",") if args.scenario else list(S.LOOP)
    todo = [n_ for n_ in names if "todo" in S.LOOP[n_]]
    names = [n_ for n_ in names if "todo" not in S.LOOP[n_]]
    profiles = []
    for n_ in names:
        if S.LOOP[n_]["gen"] not in profiles:
            profiles.append(S.LOOP[n_]["gen"])
    if hugepages_free() < 512:
        ensure_hugepages(1024, REPO, log=log)
    run_dir = tempfile.mkdtemp(prefix="sybench-loop-")
    rows = []
    k = 0
    switches = ["switchyard"] + (["switchyard-b"] if args.ab else [])
    for i in range(args.runs):
        # Interleaved: each profile's bare forwarder, then its scenarios (with
        # --ab, both builds, in alternating order so drift favours neither).
        for prof in profiles:
            order = switches if i % 2 == 0 else switches[::-1]
            for sw, scs in ([] if args.switch_only else [("testpmd-io", [None])]) + \
                    [(x, [n_ for n_ in names if S.LOOP[n_]["gen"] == prof]) for x in order]:
                for sc in scs:
                    k += 1
                    r = measured(args, lambda: loop_once(args, sw, sc, prof, run_dir, f"r{k}"),
                                 f"{sw} {sc or prof}")
                    r["run"] = i
                    rows.append(r)
                    log(f"run {i + 1}/{args.runs} {sw:10s} {sc or '(bare, gen ' + prof + ')':24s} "
                        f"{fmt(r.get('mpps'))} Mpps  {fmt(r.get('cycles_per_packet'), '.1f')} cyc/pkt"
                        f"  {r.get('check', '')}" +
                        "".join(f"  [worker {st['worker']}: rx {st['rx']:.1f} processing "
                                f"{st['processing']:.1f} tx {st['tx']:.1f} cyc/pkt]"
                                for st in r.get("stage_cycles", [])))
    shutil.rmtree(run_dir, ignore_errors=True)
    summary = []
    for prof in profiles:
        b = [r for r in rows if r["switch"] == "testpmd-io" and r["gen"] == prof]
        summary.append({"scenario": f"baseline ({prof})", "switch": "testpmd-io", "gen": prof,
                        "runs": len(b), "mpps": median(r.get("mpps") for r in b),
                        "mpps_min": min((r["mpps"] for r in b), default=None),
                        "mpps_max": max((r["mpps"] for r in b), default=None),
                        "cycles_per_packet": median(r.get("cycles_per_packet") for r in b)})
    for n_, sw in [(n_, sw) for n_ in names for sw in switches]:
        sc = S.LOOP[n_]
        rs = [r for r in rows if r["scenario"] == n_ and r["switch"] == sw]
        base = next((s for s in summary if s.get("gen") == sc["gen"] and s["switch"] == "testpmd-io"
                     and s["runs"]), {"mpps": None, "cycles_per_packet": None})
        label = n_ if sw == "switchyard" else f"{n_} (B: {args.ab})"
        s = {"scenario": label, "desc": sc["desc"], "switch": sw, "gen": sc["gen"],
             "runs": len(rs), "mpps": median(r.get("mpps") for r in rs),
             "mpps_min": min((r["mpps"] for r in rs), default=None),
             "mpps_max": max((r["mpps"] for r in rs), default=None),
             "cycles_per_packet": median(r.get("cycles_per_packet") for r in rs),
             "target": sc["target"], "check": "; ".join(sorted({r.get("check", "") for r in rs}))}
        if s["mpps"] and base["mpps"]:
            s["ratio"] = s["mpps"] / base["mpps"]
            s["met"] = s["ratio"] >= sc["target"]
        if s["cycles_per_packet"] and base["cycles_per_packet"]:
            s["cycles_ratio"] = base["cycles_per_packet"] / s["cycles_per_packet"]
        s.update(pair_ratios(rows, sc["gen"], rs))
        if s.get("pair_ratio") is not None:
            s["met"] = s["pair_ratio"] >= sc["target"]
        summary.append(s)
    for n_ in todo:
        summary.append({"scenario": n_, "desc": S.LOOP[n_]["desc"], "target": S.LOOP[n_]["target"],
                        "todo": S.LOOP[n_]["todo"]})
    hdr = ["scenario", "runs", "Mpps (median)", "min..max", "cyc/pkt", "pair ratio",
           "pairs min..max", "straddled", "ratio of medians", "cyc ratio", "target", "met",
           "check"]
    trs = []
    for s in summary:
        if "todo" in s:
            trs.append([s["scenario"], 0, "-", "-", "-", "-", "-", "-", "-", "-",
                        f">= {s['target']:.2f}", "not built", s["todo"]])
            continue
        trs.append([s["scenario"], s["runs"], fmt(s["mpps"]),
                    f"{fmt(s.get('mpps_min'))}..{fmt(s.get('mpps_max'))}",
                    fmt(s.get("cycles_per_packet"), ".1f"), fmt(s.get("pair_ratio"), ".3f"),
                    f"{fmt(s.get('pair_min'), '.3f')}..{fmt(s.get('pair_max'), '.3f')}",
                    ",".join(str(i + 1) for i in s.get("straddled", [])) or "-",
                    fmt(s.get("ratio"), ".3f"), fmt(s.get("cycles_ratio"), ".3f"),
                    f">= {s['target']:.2f}" if s.get("target") else "",
                    {True: "yes", False: "NO"}.get(s.get("met"), ""), s.get("check", "")])
    log("\n" + table(hdr, trs))
    log("pair ratio = median over runs of (Switchyard Mpps / the same run's bare forwarder "
        "Mpps); straddled = runs whose bare forwarder differs by > "
        f"{STRADDLE:.0%} from the next run's (the host changed speed around that pair); "
        "ratio of medians = median Switchyard Mpps / median bare Mpps; "
        "cyc ratio = bare cyc/pkt / Switchyard cyc/pkt")
    write_json(args.out, "vhost-loop", {"kind": "vhost-loop", "machine": machine_info(),
                                        "seconds": args.seconds, "runs": args.runs,
                                        "huge": args.huge,
                                        "bursts": args.bursts, "summary": summary, "raw": rows})
    return summary


# --- micro -------------------------------------------------------------------------------

def cmd_micro(args):
    exe = os.path.join(args.build, "tools", "bench", "stage_bench")
    if not os.access(exe, os.X_OK):
        raise BenchError(f"{exe} not built (ninja -C {args.build} tools/bench/stage_bench)")
    os.makedirs(args.out, exist_ok=True)
    out = os.path.join(args.out, "micro-raw.json")
    cmd = ["taskset", "-c", "1", exe, f"--benchmark_out={out}", "--benchmark_out_format=json",
           f"--benchmark_min_time={args.min_time}",
           f"--benchmark_repetitions={args.repetitions}",
           "--benchmark_report_aggregates_only=true"]
    if args.filter:
        cmd.append(f"--benchmark_filter={args.filter}")
    quiet(args)
    r = subprocess.run(cmd, text=True)
    if r.returncode != 0:
        raise BenchError("stage_bench failed")
    with open(out) as f:
        raw = json.load(f)
    rows = []
    for b in raw["benchmarks"]:
        if b.get("aggregate_name", "median") != "median" and args.repetitions > 1:
            continue
        rows.append({"name": b.get("run_name", b["name"]), "cycles_per_packet": b.get("cyc/pkt"),
                     "build_ms": b.get("build_ms")})
    log("\n" + table(["benchmark", "cyc/pkt (median)"],
                     [[r["name"], fmt(r["cycles_per_packet"], ".1f")] for r in rows]))
    write_json(args.out, "micro", {"kind": "micro", "machine": machine_info(), "summary": rows})
    return rows


# --- smoke (CI) -----------------------------------------------------------------------------

def cmd_smoke(args):
    """A few seconds: one open-loop row and a two-point MAC sweep with plot,
    no hugepages, no baseline; fails unless every row forwarded (Mpps > 0)."""
    if os.geteuid() != 0:
        log("SKIP: the smoke benchmark needs root (DPDK)")
        return 77
    args.seconds, args.warmup, args.runs, args.huge = 1.0, 0.3, 1, False
    args.no_baseline = True
    args.no_wait = True  # a functional check, not a measurement
    args.scenario = "l2-unicast,vlan-push"
    rows = cmd_open(args)
    args.name, args.points = "macs", "1000,10000"
    rows += cmd_sweep(args)
    bad = [r["scenario"] for r in rows if not (r.get("mpps") or 0) > 0 or r.get("check") != "ok"]
    # The stage micro-benchmarks, one short pass (where Google Benchmark is
    # installed and they were built): they must run and report every stage.
    if os.access(os.path.join(args.build, "tools", "bench", "stage_bench"), os.X_OK):
        args.min_time, args.repetitions, args.filter = 0.01, 1, None
        try:
            micro = cmd_micro(args)
            # Forwarding rows report cyc/pkt; compile rows (BM_RuleBuild) build_ms.
            bad += [m["name"] for m in micro
                    if not ((m.get("cycles_per_packet") or 0) > 0 or (m.get("build_ms") or 0) > 0)]
        except BenchError as e:
            bad.append(f"stage_bench: {e}")
    for name in ("open.json", "sweep-macs.json"):
        with open(os.path.join(args.out, name)) as f:
            doc = json.load(f)
        if not all((s.get("mpps") or 0) > 0 for s in doc["summary"]):
            bad.append(name)
    if bad:
        log(f"FAIL: smoke rows without forwarding or with failed checks: {bad}")
        return 1
    log("smoke OK")
    return 0


# --- multi-core correctness ------------------------------------------------------------

def cmd_multicore(args):
    """Two workers (lcores 1@CPU1 and 2@CPU0: on a 2-core machine this
    proves correctness, not scaling): two stream ports, one per worker,
    sharing the MAC table and the output port. Every packet must be
    forwarded as known unicast by the worker that received it."""
    work = tempfile.mkdtemp(prefix="sybench-mc-")
    run = OpenRun("two-workers", S.two_workers(1000), work)
    r = run.switchyard(args.build, args.seconds, args.warmup, False, lcores="0@0,1@1,2@0")
    shutil.rmtree(work, ignore_errors=True)
    problems = []
    ws = r["workers"]
    if len(ws) != 2 or not all(w["packets"] > 0 for w in ws):
        problems.append(f"expected 2 workers with packets, got {ws}")
    if r["check"] != "ok":
        problems.append(r["check"])
    if r["drops"]:
        problems.append(f"drops: {r['drops']}")
    if r["macs"] != 1000 + 2:
        problems.append(f"MAC table holds {r['macs']}, expected 1002")
    log(table(["lcore", "packets", "cyc/pkt"],
              [[w["lcore"], w["packets"], fmt(w["cycles_per_packet"], ".1f")] for w in ws]))
    log(f"total {fmt(r['mpps'])} Mpps, unicast {r['unicast']} of {r['packets']}, "
        f"drops {r['drops']}, MACs {r['macs']}")
    r["problems"] = problems
    write_json(args.out, "multicore", {"kind": "multicore", "machine": machine_info(),
                                       "summary": [r]})
    if problems:
        log("FAIL: " + "; ".join(problems))
        return 1
    log("two workers: correct")
    return 0


# --- markdown report -----------------------------------------------------------------------

def cmd_report(args):
    """Markdown tables from the JSON results in a directory (docs/performance.md).
    Plot links are relative to the directory's parent, where the tables go:
    `report docs/perf` links perf/sweep-macs.png for docs/performance.md."""
    d = args.dir
    link_dir = os.path.basename(os.path.normpath(d))
    out = []

    def load(name):
        path = os.path.join(d, name)
        if not os.path.exists(path):
            return None
        with open(path) as f:
            return json.load(f)

    def md(headers, rows):
        lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
        lines += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
        return "\n".join(lines)

    doc = load("vhost-loop.json")
    if doc:
        m = doc["machine"]
        out.append(f"### vhost-user loop ({m['date']}, {m['cpu']}, {m['cpus']} CPUs, "
                   f"DPDK {m['dpdk']}, commit {m['commit']}; {doc['runs']} runs of "
                   f"{doc['seconds']:g} s; Switchyard and bare forwarder paired per run)\n")
        rows = []
        for s in doc["summary"]:
            if "todo" in s:
                rows.append([s["scenario"], s["desc"], "-", "-", "-", "-", f">= {s['target']:.2f}",
                             "not built yet"])
                continue
            pairs = (f"{fmt(s.get('pair_ratio'), '.3f')} ({fmt(s.get('pair_min'), '.3f')}.."
                     f"{fmt(s.get('pair_max'), '.3f')})" if s.get("pair_ratio") else "-")
            rows.append([s["scenario"], s.get("desc", "dpdk-testpmd io, the bare forwarder"),
                         f"{fmt(s['mpps'])} ({fmt(s.get('mpps_min'))}..{fmt(s.get('mpps_max'))})",
                         fmt(s.get("cycles_per_packet"), ".0f"), pairs,
                         ",".join(str(i + 1) for i in s.get("straddled", [])) or "-",
                         fmt(s.get("ratio"), ".3f"), fmt(s.get("cycles_ratio"), ".3f"),
                         f">= {s['target']:.2f}" if s.get("target") else "",
                         {True: "met", False: "**missed**"}.get(s.get("met"), "")])
        out.append(md(["scenario", "what", "Mpps (min..max)", "busy cyc/pkt",
                       "pair ratio (min..max)", "straddled runs", "ratio of medians",
                       "ratio (cycles)", "target", ""], rows))
        out.append("")
    for name in ("sweep-macs.json", "sweep-tenants.json"):
        doc = load(name)
        if not doc:
            continue
        m = doc["machine"]
        out.append(f"### Sweep: {doc['desc']} ({m['date']}, commit {m['commit']}, "
                   f"{'hugepages' if doc.get('huge') else 'no hugepages'})\n")
        rows = [[s["x"], fmt(s.get("mpps")), fmt(s.get("cycles_per_packet"), ".1f"),
                 fmt(s.get("growth")), fmt(s.get("baseline_mpps")),
                 fmt(s.get("baseline_cycles_per_packet"), ".1f"), fmt(s.get("ratio"), ".3f"),
                 s.get("check", "")] for s in doc["summary"]]
        out.append(md([doc["xlabel"], "Mpps", "busy cyc/pkt", "cyc/pkt vs first point",
                       "bare Mpps", "bare cyc/pkt", "ratio", "check"], rows))
        g = doc.get("growth")
        if g:
            out.append(f"\nCycles per packet grow {g['factor']:.2f}x from {g['from']:,} to "
                       f"{g['to']:,}" + (f" (target <= {g['max']}x: "
                                         f"{'met' if g['factor'] <= g['max'] else 'missed'})"
                                         if g.get("max") else "") + ".")
        out.append(f"\n![{name}]({link_dir}/{os.path.splitext(name)[0]}.png)\n")
    doc = load("open.json")
    if doc:
        m = doc["machine"]
        out.append(f"### Open loop rows ({m['date']}, commit {m['commit']})\n")
        rows = []
        for s in doc["summary"]:
            if "todo" in s:
                rows.append([s["scenario"], "-", "-", "-", "-", "-", "not built yet"])
                continue
            rows.append([s["scenario"] + " — " + s.get("desc", ""), fmt(s.get("mpps")),
                         fmt(s.get("cycles_per_packet"), ".1f"), fmt(s.get("baseline_mpps")),
                         fmt(s.get("baseline_cycles_per_packet"), ".1f"), fmt(s.get("ratio"), ".3f"),
                         s.get("check", "")])
        out.append(md(["scenario", "Mpps", "busy cyc/pkt", "bare Mpps", "bare cyc/pkt", "ratio",
                       "check"], rows))
        out.append("")
    doc = load("micro.json")
    if doc:
        m = doc["machine"]
        out.append(f"### Stage micro-benchmarks ({m['date']}, commit {m['commit']})\n")
        out.append(md(["benchmark", "cycles/packet (median of 3)"],
                      [[r["name"], fmt(r["cycles_per_packet"], ".1f")] for r in doc["summary"]]))
        out.append("")
    print("\n".join(out))
    return 0


# --- main --------------------------------------------------------------------------------------

def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    default_build = os.path.join(REPO, "build-bench")
    if not os.path.isdir(default_build):
        default_build = os.path.join(REPO, "build")
    ap.add_argument("--build", default=default_build, help="meson build dir (release!)")
    ap.add_argument("--out", default=None, help="results dir (default bench-results/<time>)")
    ap.add_argument("--no-wait", action="store_true",
                    help="do not wait for other dataplane/testpmd processes to finish")
    sub = ap.add_subparsers(dest="cmd", required=True)

    def common(p, seconds, runs):
        p.add_argument("--seconds", type=float, default=seconds, help="measured window per run")
        p.add_argument("--warmup", type=float, default=2.0)
        p.add_argument("--runs", type=int, default=runs)

    p = sub.add_parser("vhost-loop", help="testpmd generator <-> vhost-user <-> switch")
    common(p, 10, 7)
    p.add_argument("--scenario", help="comma list of " + ",".join(S.LOOP))
    p.add_argument("--bursts", type=int, default=0,
                   help="start tx_first N (default: the generator profile's)")
    p.add_argument("--switch-only", action="store_true", help="no bare-forwarder runs (profiling)")
    p.add_argument("--ab", metavar="BUILD",
                   help="also measure this second build (e.g. the commit before a change) in "
                        "the same sitting, interleaved with the first")
    p.add_argument("--no-huge", dest="huge", action="store_false",
                   help="switch and bare forwarder on 4 KB pages (--no-huge) instead of hugepages")
    p = sub.add_parser("open", help="open-loop rows (pcap from memory -> switch)")
    common(p, 5, 1)
    p.add_argument("--scenario", help="comma list of " + ",".join(S.OPEN))
    p.add_argument("--huge", action="store_true", help="hugepages instead of --no-huge")
    p.add_argument("--no-baseline", action="store_true")
    p = sub.add_parser("sweep", help="open-loop sweep: " + ",".join(S.SWEEPS))
    p.add_argument("name", choices=list(S.SWEEPS))
    common(p, 5, 1)
    p.add_argument("--points", help="comma list overriding the sweep's points")
    p.add_argument("--huge", action="store_true", help="hugepages instead of --no-huge")
    p.add_argument("--no-baseline", action="store_true")
    p = sub.add_parser("micro", help="stage micro-benchmarks")
    p.add_argument("--min-time", type=float, default=0.5)
    p.add_argument("--repetitions", type=int, default=3)
    p.add_argument("--filter")
    p = sub.add_parser("multicore", help="2 workers: correctness (not scaling) check")
    common(p, 3, 1)
    p = sub.add_parser("smoke", help="CI: a few seconds, checks JSON")
    p = sub.add_parser("report", help="markdown tables from a results dir")
    p.add_argument("dir")
    p = sub.add_parser("plot", help="redraw a sweep plot from its JSON")
    p.add_argument("json")
    args = ap.parse_args()
    args.build = os.path.abspath(args.build)
    # SIGTERM unwinds like Ctrl-C, so every started process is stopped.
    import signal
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    if args.out is None:
        args.out = os.path.join(REPO, "bench-results",
                                time.strftime("%Y%m%d-%H%M%S") + "-" + args.cmd)
    if args.cmd == "plot":
        plot(args.json)
        return 0
    if args.cmd == "report":
        return cmd_report(args)
    pin_self()
    if not args.no_wait and args.cmd != "smoke":
        wait_machine_quiet(log=log)
    try:
        rc = {"vhost-loop": cmd_vhost_loop, "open": cmd_open, "sweep": cmd_sweep,
              "micro": cmd_micro, "smoke": cmd_smoke, "multicore": cmd_multicore}[args.cmd](args)
    except BenchError as e:
        log(f"FAIL: {e}")
        return 1
    return rc if isinstance(rc, int) else 0


if __name__ == "__main__":
    sys.exit(main())
