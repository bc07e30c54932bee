"""The processes a benchmark runs: Switchyard (dataplane + controld, driven
with yardctl) and dpdk-testpmd (interactive, driven over stdin).

CPU placement (2-core machine): the switch's worker lcore on CPU 1; its main
lcore, controld, yardctl, the generator's lcores and this script on CPU 0.
"""

import json
import os
import re
import select
import shutil
import signal
import subprocess
import tempfile
import threading
import time

CONTROL_CPU = 0
WORKER_CPU = 1


class BenchError(RuntimeError):
    pass


def taskset(cpu, cmd):
    if shutil.which("taskset"):
        return ["taskset", "-c", str(cpu)] + cmd
    return cmd


def pin_self(cpu=CONTROL_CPU):
    try:
        os.sched_setaffinity(0, {cpu})
    except (AttributeError, OSError):
        pass


def others_running(own_pids=()):
    """PIDs of dataplanes / testpmds that are not ours (a measurement must
    not overlap anyone else's)."""
    out = subprocess.run(["pgrep", "-f", "switchyard-dataplane|dpdk-testpmd"],
                         capture_output=True, text=True).stdout.split()
    me = os.getpid()
    res = []
    for p in out:
        pid = int(p)
        if pid in own_pids or pid == me:
            continue
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                argv = [a.decode(errors="replace") for a in f.read().split(b"\0") if a]
        except OSError:
            continue
        # The programs themselves (also under stdbuf/taskset), not a build
        # or an editor whose command line mentions them.
        names = [os.path.basename(a) for a in argv[:4]]
        if "switchyard-dataplane" in names or "dpdk-testpmd" in names:
            res.append(pid)
    return res


def wait_machine_quiet(timeout=None, log=print):
    t0 = time.time()
    warned = False
    while True:
        busy = [p for p in others_running() if _is_not_descendant(p)]
        if not busy:
            return
        if not warned:
            log(f"waiting: other dataplane/testpmd processes running: {busy}")
            warned = True
        if timeout is not None and time.time() - t0 > timeout:
            raise BenchError(f"machine busy (pids {busy}); not measuring")
        time.sleep(2)


def cpu_times():
    """{cpu: (busy, total)} jiffies from /proc/stat (steal counts as busy)."""
    res = {}
    with open("/proc/stat") as f:
        for line in f:
            if line.startswith("cpu") and line[3].isdigit():
                parts = line.split()
                v = [int(x) for x in parts[1:]]
                idle = v[3] + v[4]
                res[int(parts[0][3:])] = (sum(v[:8]) - idle, sum(v[:8]))
    return res


def idle_fraction(seconds=1.0):
    """Lowest idle fraction over all CPUs during `seconds`."""
    a = cpu_times()
    time.sleep(seconds)
    b = cpu_times()
    fr = []
    for c in b:
        busy = b[c][0] - a.get(c, (0, 0))[0]
        tot = b[c][1] - a.get(c, (0, 0))[1]
        fr.append(1 - busy / tot if tot else 1.0)
    return min(fr) if fr else 1.0


def wait_cpus_idle(min_idle=0.85, seconds=1.0, timeout=1800, log=print):
    """Before a measurement: every CPU at least `min_idle` idle (no builds,
    no other benchmarks). Returns the idle fraction seen."""
    t0 = time.time()
    warned = False
    while True:
        busy = others_running()
        idle = idle_fraction(seconds)
        if idle >= min_idle and not busy:
            return idle
        if not warned:
            log(f"waiting for an idle machine (idle {idle:.0%}, other dataplane/testpmd: {busy})")
            warned = True
        if time.time() - t0 > timeout:
            raise BenchError(f"machine not idle after {timeout}s (idle {idle:.0%}); not measuring")
        time.sleep(2)


def foreign_cpu_seconds():
    """CPU seconds used so far on this machine by anything but this process
    and its descendants (a build, someone else's test, the kernel's own
    threads, the hypervisor's steal): all busy time in /proc/stat minus ours.
    Read at both ends of a measured window, the difference says whether the
    window was disturbed."""
    hz = os.sysconf("SC_CLK_TCK")
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    busy = sum(v[:8]) - v[3] - v[4]  # user..steal without idle and iowait
    me = os.getpid()
    ppid, ticks = {}, {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/stat") as f:
                rest = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        ppid[int(d)] = int(rest[1])
        # utime + stime, and cutime + cstime: children that exited and were
        # reaped (our killed testpmds and dataplanes) stay counted as ours.
        ticks[int(d)] = sum(int(x) for x in rest[11:15])
    ours = 0
    for pid, t in ticks.items():
        p = pid
        for _ in range(64):
            if p == me:
                ours += t
                break
            p = ppid.get(p, 0)
            if p <= 1:
                break
    return (busy - ours) / hz


def _is_not_descendant(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            ppid = int(f.read().rsplit(")", 1)[1].split()[1])
        return ppid != os.getpid()
    except OSError:
        return False


def ensure_hugepages(pages, repo, log=print):
    """Reserve at least `pages` 2 MB hugepages and mount hugetlbfs, through
    tools/setup.sh (idempotent)."""
    env = dict(os.environ, SWITCHYARD_HUGEPAGES=str(pages))
    r = subprocess.run(["bash", os.path.join(repo, "tools", "setup.sh")], env=env,
                       capture_output=True, text=True)
    if r.returncode != 0:
        raise BenchError("tools/setup.sh failed:\n" + r.stdout + r.stderr)
    return hugepages_free()


def hugepages_free():
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("HugePages_Free:"):
                return int(line.split()[1])
    return 0


def _kill(proc, sig=signal.SIGTERM, timeout=5):
    if proc is None or proc.poll() is not None:
        return
    try:
        proc.send_signal(sig)
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=5)


class Switchyard:
    """switchyard-dataplane + switchyard-controld in `run_dir`."""

    def __init__(self, build, run_dir, name="sy", log=print):
        self.build = build
        self.run_dir = run_dir
        self.name = name
        self.log = log
        self.dp = self.cd = None
        self.dp_sock = os.path.join(run_dir, f"{name}-dp.sock")
        self.cd_sock = os.path.join(run_dir, f"{name}-cd.sock")
        # controld fsyncs every change: keep its database in memory (tmpfs)
        # so configuring thousands of tenants takes seconds, not minutes.
        shm = _writable_dir("/dev/shm")
        if shm is None:
            shm = run_dir
            log(f"NOTE: cannot create files in /dev/shm: controld's database in {run_dir}")
        self.db = os.path.join(shm, f"sybench-{os.getpid()}-{name}.db")
        self.dp_log = os.path.join(run_dir, f"{name}-dataplane.log")
        self.cd_log = os.path.join(run_dir, f"{name}-controld.log")
        self.yardctl = os.path.join(build, "tools", "yardctl", "yardctl")
        self.dataplane_bin = os.path.join(build, "dataplane", "switchyard-dataplane")
        self.controld_bin = os.path.join(build, "controlplane", "switchyard-controld")
        for b in (self.yardctl, self.dataplane_bin, self.controld_bin):
            if not os.access(b, os.X_OK):
                raise BenchError(f"binary not found: {b} (build first: ninja -C {build})")

    def pids(self):
        return [p.pid for p in (self.dp, self.cd) if p is not None]

    def start(self, lcores=f"{CONTROL_CPU}@{CONTROL_CPU},1@{WORKER_CPU}", huge=False,
              memory_mb=0, mac_table_size=262144, mbufs=32767, extra=()):
        for f in (self.db, self.db + "-wal", self.db + "-shm", self.dp_sock, self.cd_sock):
            if os.path.exists(f):
                os.unlink(f)
        cmd = [self.dataplane_bin, "--socket", self.dp_sock, "--lcores", lcores,
               "--file-prefix", f"sybench{os.getpid()}{self.name}", "--no-pci",
               "--idle-sleep-us", "0", "--mac-aging", "86400",
               "--mac-table-size", str(mac_table_size), "--mbufs", str(mbufs),
               "--log-level", "info"]
        if huge:
            cmd += ["--eal=--in-memory"]
        else:
            cmd += ["--no-huge"]
        if memory_mb:
            cmd += ["--memory", str(memory_mb)]
        cmd += list(extra)
        with open(self.dp_log, "w") as lf:
            # EAL pins the main lcore (and so every thread it starts later:
            # gRPC, housekeeping, vhost) to CPU 0 and the worker to CPU 1.
            self.dp = subprocess.Popen(cmd, stdout=lf, stderr=subprocess.STDOUT)
        self._wait(lambda: os.path.exists(self.dp_sock), 60, "dataplane socket",
                   self.dp, self.dp_log)
        # Builds from before the path policy (A/B against an old commit)
        # take no --vhost-dir/--pcap-dir.
        helptext = subprocess.run([self.controld_bin, "--help"], capture_output=True,
                                  text=True).stdout
        dirs = ["--vhost-dir", self.run_dir, "--pcap-dir", self.run_dir] \
            if "--vhost-dir" in helptext else []
        with open(self.cd_log, "w") as lf:
            self.cd = subprocess.Popen(
                taskset(CONTROL_CPU, [self.controld_bin, "--socket", self.cd_sock,
                                      "--dataplane", self.dp_sock, "--db", self.db, *dirs,
                                      "--log-level", "warn"]),
                stdout=lf, stderr=subprocess.STDOUT)
        self._wait(lambda: self.yard("status", check=False).returncode == 0, 20,
                   "controld", self.cd, self.cd_log)
        self.wait_in_sync()

    def _wait(self, cond, timeout, what, proc, logfile):
        t0 = time.time()
        while time.time() - t0 < timeout:
            if proc.poll() is not None:
                raise BenchError(f"{what}: process exited ({proc.returncode}):\n" +
                                 _tail(logfile))
            if cond():
                return
            time.sleep(0.1)
        raise BenchError(f"timed out waiting for {what}:\n" + _tail(logfile))

    def yard(self, *args, check=True, json_out=False):
        cmd = [self.yardctl, "--socket", self.cd_sock, "--timeout", "60"]
        if json_out:
            cmd.append("--json")
        cmd += [str(a) for a in args]
        r = subprocess.run(taskset(CONTROL_CPU, cmd), capture_output=True, text=True)
        if check and r.returncode != 0:
            raise BenchError(f"yardctl {' '.join(map(str, args))[:200]}: exit {r.returncode}\n"
                             f"{r.stdout}{r.stderr}")
        if json_out:
            return json.loads(r.stdout) if r.returncode == 0 else None
        return r

    def wait_in_sync(self, timeout=30):
        t0 = time.time()
        while time.time() - t0 < timeout:
            st = self.yard("status", json_out=True, check=False)
            dp = (st or {}).get("dataplane", {})
            if dp.get("connected") and dp.get("in_sync"):
                return
            time.sleep(0.1)
        raise BenchError("dataplane not in sync:\n" + _tail(self.dp_log) + _tail(self.cd_log))

    def stats(self):
        s = self.yard("stats", json_out=True)
        s["_t"] = time.monotonic()
        return s

    def port_errors(self):
        ports = self.yard("port", "list", json_out=True).get("ports", [])
        return {p.get("port", {}).get("name"): p.get("error") for p in ports if p.get("error")}

    def stage_cycles(self):
        """Per-worker RX / processing / TX cycles per packet, logged at exit
        by a dataplane built with -Dworker_profile=true (else empty)."""
        out = []
        try:
            with open(self.dp_log, errors="replace") as f:
                for line in f:
                    m = re.search(r"worker (\d+) stage cycles per packet: rx ([\d.]+) "
                                  r"processing ([\d.]+) tx ([\d.]+)", line)
                    if m:
                        out.append({"worker": int(m[1]), "rx": float(m[2]),
                                    "processing": float(m[3]), "tx": float(m[4])})
        except OSError:
            pass
        return out

    def stop(self):
        _kill(self.cd)
        _kill(self.dp, timeout=15)
        self.cd = self.dp = None
        for f in (self.db, self.db + "-wal", self.db + "-shm"):
            if os.path.exists(f):
                os.unlink(f)


def _writable_dir(path):
    """`path` if a file can be created in it (tried, not inferred), else None."""
    try:
        with tempfile.NamedTemporaryFile(dir=path, prefix="sybench-probe-"):
            return path
    except OSError:
        return None


def _tail(path, n=30):
    try:
        with open(path, errors="replace") as f:
            return f"--- {path} ---\n" + "".join(f.readlines()[-n:])
    except OSError:
        return ""


class Testpmd:
    """dpdk-testpmd in interactive mode, commands written to its stdin."""

    PROMPT = "testpmd> "

    def __init__(self, eal_args, app_args, log_path, log=print):
        self.log = log
        self.log_path = log_path
        self.buf = ""
        self.lock = threading.Lock()
        # testpmd's printf output to a pipe would sit in stdio's buffer while
        # its prompt (written directly) comes out: line-buffer it.
        cmd = (["stdbuf", "-oL"] if shutil.which("stdbuf") else []) + \
            [shutil.which("dpdk-testpmd") or "dpdk-testpmd"] + list(eal_args) + \
            ["--", "-i"] + list(app_args)
        self.cmdline = cmd
        self.logf = open(log_path, "w")
        self.logf.write(" ".join(cmd) + "\n")
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, bufsize=0)
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()
        self._wait_prompt(0, 60, "testpmd start")

    def _read(self):
        fd = self.proc.stdout.fileno()
        while True:
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                break
            if not chunk:
                break
            text = chunk.decode(errors="replace")
            with self.lock:
                self.buf += text
            self.logf.write(text)
            self.logf.flush()

    def _wait_prompt(self, mark, timeout, what):
        t0 = time.time()
        while time.time() - t0 < timeout:
            with self.lock:
                seg = self.buf[mark:]
            if self.PROMPT in seg:
                return seg[: seg.rindex(self.PROMPT)]
            if self.proc.poll() is not None:
                raise BenchError(f"testpmd exited ({self.proc.returncode}) during {what}:\n"
                                 + _tail(self.log_path))
            time.sleep(0.02)
        raise BenchError(f"testpmd: no prompt after {what}:\n" + _tail(self.log_path))

    def cmd(self, line, timeout=30, check=True):
        with self.lock:
            mark = len(self.buf)
        self.proc.stdin.write((line + "\n").encode())
        self.proc.stdin.flush()
        out = self._wait_prompt(mark, timeout, repr(line))
        if check and re.search(r"(?i)\b(error|invalid|bad arguments|fail|not supported)", out):
            raise BenchError(f"testpmd: {line!r} answered:\n{out}")
        return out

    def port_stats(self):
        """{port: {'rx_pps', 'tx_pps', 'rx_packets', 'tx_packets'}}; the pps
        are testpmd's own "since last show" averages."""
        out = self.cmd("show port stats all", check=False)
        res = {}
        for m in re.finditer(
                r"NIC statistics for port (\d+).*?RX-packets:\s*(\d+).*?TX-packets:\s*(\d+)"
                r".*?Rx-pps:\s*(\d+).*?Tx-pps:\s*(\d+)", out, re.S):
            res[int(m.group(1))] = {"rx_packets": int(m.group(2)), "tx_packets": int(m.group(3)),
                                    "rx_pps": int(m.group(4)), "tx_pps": int(m.group(5))}
        res["_t"] = time.monotonic()
        return res

    def fwd_cycles(self):
        """(cycles per packet, busy cycles, packets) from `show fwd stats
        all` (needs --record-core-cycles): testpmd counts only polls that
        returned packets, like Switchyard's busy_cycles."""
        out = self.cmd("show fwd stats all", check=False)
        m = re.search(r"CPU cycles/packet=([\d.]+) \((?:total|busy) cycles=(\d+) / total \S+ "
                      r"packets=(\d+)\)", out)
        if not m:
            return None
        return float(m.group(1)), int(m.group(2)), int(m.group(3))

    def close(self):
        if self.proc.poll() is None:
            try:
                self.proc.stdin.write(b"stop\nquit\n")
                self.proc.stdin.flush()
                self.proc.wait(timeout=10)
            except (BrokenPipeError, subprocess.TimeoutExpired, OSError):
                pass
        _kill(self.proc, signal.SIGINT)
        _kill(self.proc, signal.SIGKILL)
        self.logf.close()

    @property
    def pid(self):
        return self.proc.pid


class PeerGen:
    """tools/bench/vxlan_peer as the loop's generator, with the interface of
    Testpmd the loop uses: cmd("start tx_first N"), port_stats(), close()."""

    def __init__(self, exe, eal_args, log_path, log=print):
        self.log = log
        self.log_path = log_path
        self.stats_path = log_path + ".stats"
        if os.path.exists(self.stats_path):
            os.unlink(self.stats_path)
        cmd = [exe] + list(eal_args) + ["--", "--stats", self.stats_path]
        self.logf = open(log_path, "w")
        self.logf.write(" ".join(cmd) + "\n")
        self.logf.flush()
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=self.logf,
                                     stderr=subprocess.STDOUT, bufsize=0)
        t0 = time.time()
        while not os.path.exists(self.stats_path):
            if self.proc.poll() is not None:
                raise BenchError(f"vxlan_peer exited ({self.proc.returncode}):\n" + _tail(log_path))
            if time.time() - t0 > 60:
                raise BenchError("vxlan_peer: no statistics after 60 s:\n" + _tail(log_path))
            time.sleep(0.05)

    def cmd(self, line, **_):
        m = re.match(r"start tx_first (\d+)", line)
        if m:
            self.proc.stdin.write(f"start {m.group(1)}\n".encode())
            self.proc.stdin.flush()
        return ""

    def port_stats(self):
        with open(self.stats_path) as f:
            st = json.load(f)
        res = {p: {"rx_packets": st["rx"][p], "tx_packets": st["rx"][p], "rx_pps": st["pps"][p],
                   "tx_pps": st["pps"][p]} for p in (0, 1)}
        res["_t"] = time.monotonic()
        return res

    def close(self):
        if self.proc.poll() is None:
            try:
                self.proc.stdin.write(b"quit\n")
                self.proc.stdin.flush()
                self.proc.wait(timeout=10)
            except (BrokenPipeError, subprocess.TimeoutExpired, OSError):
                pass
        _kill(self.proc, signal.SIGINT)
        _kill(self.proc, signal.SIGKILL)
        self.logf.close()

    @property
    def pid(self):
        return self.proc.pid
