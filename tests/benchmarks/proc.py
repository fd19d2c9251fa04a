"""What a process has used so far, read from /proc (Linux): CPU time is steadier than wall time
on a shared machine, so the benchmarks print it beside their rates."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path


def cpu_seconds(pid: int) -> float:
    """CPU time (user and system) the process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cpu_seconds_named(name: str) -> float:
    """CPU time every process of that name (e.g. PostgreSQL's server and its backends) has used
    so far; a process that ended since is missing, so take the difference over a short span."""
    total = 0.0
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError, ValueError):
                if (entry / "comm").read_text().strip() == name:
                    total += cpu_seconds(int(entry.name))
    return total


def machine_seconds() -> dict[str, float]:
    """CPU seconds the whole machine has spent so far, all cores together, from /proc/stat: busy
    (every process, the kernel's interrupts included), idle (waiting for the disk counted as
    idle) and stolen by the host; take the difference over a span."""
    ticks = [int(value) for value in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    user, nice, system, idle, iowait, irq, softirq, steal = ticks
    hz = os.sysconf("SC_CLK_TCK")
    return {"busy": (user + nice + system + irq + softirq) / hz, "idle": (idle + iowait) / hz,
            "stolen": steal / hz}


def _status_mb(pid: int, key: str) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{key}:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def rss_mb(pid: int) -> float:
    """Resident memory now, in MB."""
    return _status_mb(pid, "VmRSS")


def peak_rss_mb(pid: int) -> float:
    """The most resident memory the process has had, in MB."""
    return _status_mb(pid, "VmHWM")


@contextlib.contextmanager
def profiled(pids: dict[str, int], prefix: str) -> Iterator[None]:
    """py-spy records each process while the block runs, to PREFIX-NAME.txt: raw folded stacks of
    the thread holding the GIL (where Python spends CPU), a stack a line with its samples, as a
    flame graph reads them. Nothing when `prefix` is empty."""
    spy = str(Path(sys.executable).with_name("py-spy"))
    recorders = [] if not prefix else [
        subprocess.Popen([spy, "record", "--gil", "-p", str(pid), "-f", "raw", "-r", "200", "-o",
                          f"{prefix}-{name}.txt"],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for name, pid in pids.items() if name != "nats-server"]
    try:
        yield
    finally:
        for recorder in recorders:
            recorder.send_signal(signal.SIGINT)  # py-spy writes its file as it stops
        for recorder in recorders:
            recorder.wait(timeout=60)


# The file has no name (gone with the process, however it ends) and holds one block, written
# over each time: a terminated sleeper leaves nothing behind.
SLEEPER = """
import os, tempfile, time
block, log = b"x" * 4096, tempfile.TemporaryFile()
while True:
    began = time.perf_counter()
    time.sleep(0.005)
    late = time.perf_counter() - began - 0.005
    if late > 0.02:
        print("cpu", f"{late:.4f}", flush=True)
    began = time.perf_counter()
    os.pwrite(log.fileno(), block, 0)
    os.fsync(log.fileno())
    took = time.perf_counter() - began
    if took > 0.02:
        print("disk", f"{took:.4f}", flush=True)
"""


@contextlib.contextmanager
def machine_stalls() -> Iterator[dict[str, list[float]]]:
    """While the block runs, a process of its own sleeps 5 ms, then writes 4 KB over the same
    block of a file of its own and fsyncs it, over and over, and notes each wake-up more than
    20 ms late ("cpu") and each fsync taking more than 20 ms ("disk"), in seconds, into the dict
    yielded (filled as the block ends). It does nothing else, so a long one is the machine
    stalling (another tenant, the host's disk), not Doorstep: a latency spike the sleeper saw too
    is not the service's own."""
    stalls: dict[str, list[float]] = {"cpu": [], "disk": []}
    sleeper = subprocess.Popen([sys.executable, "-c", SLEEPER], stdout=subprocess.PIPE, text=True)
    try:
        yield stalls
    finally:
        sleeper.terminate()
        out, _ = sleeper.communicate(timeout=10)
        for line in out.splitlines():
            kind, seconds = line.split()
            stalls[kind].append(float(seconds))
