#!/usr/bin/python3
"""Ours vs the paper's reference solver (numpy.linalg.lstsq) on the same full least-squares systems.

Called by scripts/bench-numpy.sh (which builds hnn). Steps:
  1. `hnn bench PIPELINE --no-reference --repeat 1 --export DIR` writes the full (2dK+1) x (N+1) systems that our
     training solved (same data and hidden layers; A-SWIM: both stages) and tells which BLAS kernel hnn used.
  2. numpy is imported only then, with OPENBLAS_CORETYPE set to that kernel (unless the caller set it), so both
     sides run the same OpenBLAS kernels.
  3. ROUNDS interleaved rounds: one `hnn bench ... --repeat R` (its median of R; our whole training: sampling + structured solve;
     A-SWIM both fits) and numpy.linalg.lstsq(A, b, rcond) on each exported system (A-SWIM: the sum of both
     stages; the reference training's matrix assembly is NOT counted, which favours numpy). Order alternates.
  4. Prints medians and ours / numpy.
"""
import argparse
import ctypes
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time


def run_hnn(hnn, pipeline, sets, extra, repeat=1):
    cmd = hnn + ["bench", pipeline, "--no-reference", "--repeat", str(repeat)] + extra
    for s in sets:
        cmd += ["--set", s]
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit(f"hnn failed ({p.returncode}):\n{p.stdout}\n{p.stderr}")
    times = {}
    for line in p.stdout.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) >= 6 and cells[1].isdigit():
            times[cells[3].split(" ")[0]] = float(cells[5])
    m = re.search(r"BLAS kernel (\S+)", p.stderr)
    return times, (m.group(1) if m else None), p.stderr


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("pipeline")
    ap.add_argument("--set", action="append", default=[], help="passed to hnn bench (repeatable)")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--repeat", type=int, default=3,
                    help="hnn bench --repeat per round (its median; the first repetition in a fresh process pays for JIT)")
    ap.add_argument("--hnn", default="hnn", help="command that runs hnn, e.g. 'dotnet /path/hnn.dll'")
    ap.add_argument("--keep", help="export directory to keep (default: a temporary one, removed)")
    a = ap.parse_args()
    hnn = a.hnn.split()

    with tempfile.TemporaryDirectory(prefix="hnn-numpy-") as tmp:
        export = a.keep or tmp
        _, kernel, log = run_hnn(hnn, a.pipeline, a.set, ["--export", export])
        if kernel and kernel != "unknown" and not os.environ.get("OPENBLAS_CORETYPE"):
            os.environ["OPENBLAS_CORETYPE"] = kernel  # before numpy loads OpenBLAS
        import numpy as np

        try:
            lib = ctypes.CDLL("libopenblas.so.0")
            lib.openblas_get_corename.restype = ctypes.c_char_p
            np_kernel = lib.openblas_get_corename().decode()
        except (OSError, AttributeError):
            np_kernel = "unknown"

        index = json.load(open(os.path.join(export, "index.json")))
        systems = {}
        for e in index:
            systems[e["method"]] = [(np.load(os.path.join(export, s + "-A.npy")), np.load(os.path.join(export, s + "-b.npy")))
                                    for s in e["stages"]]
        rcond = index[0]["rcond"] if index else 1e-13

        ours = {m: [] for m in systems}
        ref = {m: [] for m in systems}
        ranks = {}
        for r in range(a.rounds):
            def numpy_round():
                for m, stages in systems.items():
                    t = 0.0
                    for A, b in stages:
                        t0 = time.perf_counter()
                        _, _, rank, _ = np.linalg.lstsq(A, b, rcond=rcond)
                        t += time.perf_counter() - t0
                    ref[m].append(t)
                    ranks[m] = int(rank)

            if r % 2 == 1:
                numpy_round()
            times, _, _ = run_hnn(hnn, a.pipeline, a.set, [], a.repeat)
            for m in systems:
                ours[m].append(times[m])
            if r % 2 == 0:
                numpy_round()

    print(f"hnn kernel {kernel}, numpy {np.__version__} kernel {np_kernel}; {os.cpu_count()} cores; "
          f"{a.rounds} interleaved rounds (hnn: median of --repeat {a.repeat} each); {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}")
    print()
    print("| system | method | K x N (full matrix) | ours (s, median) | numpy lstsq (s, median) | ours / numpy | numpy rank |")
    print("|---|---|---|---|---|---|---|")
    for e in index:
        m = e["method"]
        A = systems[m][-1][0]
        o, n = statistics.median(ours[m]), statistics.median(ref[m])
        print(f"| {e['system']} | {m} | {A.shape[0]} x {A.shape[1]} | {o:.2f} | {n:.2f} | {o / n:.2f} | {ranks[m]} |")
    print()
    for m in systems:
        print(f"{m} per round: ours " + " ".join(f"{t:.2f}" for t in ours[m]) + "; numpy " + " ".join(f"{t:.2f}" for t in ref[m]))


if __name__ == "__main__":
    main()
