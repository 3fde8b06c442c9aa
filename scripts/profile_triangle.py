#!/usr/bin/python3
"""Times the pieces of the reduced solve on an exported system (hnn bench --export DIR; see bench-numpy.sh):
the QR of A (numpy), and on its (N+1) x (N+1) triangle R: dgelsd (what our reduced solve and numpy's lstsq call),
gesdd without and with vectors, and gelsy (pivoted QR: a different truncation, shown for scale only).
Usage: OPENBLAS_CORETYPE=SkylakeX /usr/bin/python3 scripts/profile_triangle.py DIR/u-swim-w1000-stage1 [rounds]"""
import sys, time, statistics
import numpy as np, scipy.linalg as sl

stem = sys.argv[1]
rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 3
A = np.load(stem + "-A.npy"); b = np.load(stem + "-b.npy")
m, n = A.shape
def t(f):
    v = []
    for _ in range(rounds):
        t0 = time.perf_counter(); f(); v.append(time.perf_counter() - t0)
    return statistics.median(v)
g = np.random.rand(2000, 2000); g @ g
gemm = 2 * 2000**3 / t(lambda: g @ g) / 1e9
tq = t(lambda: np.linalg.qr(A, mode="r"))
R = np.asfortranarray(np.triu(np.linalg.qr(A, mode="r")))
c = np.ones(n)  # any right-hand side: the cost does not depend on it
rows = [("dgemm 2000 (GFLOP/s)", gemm),
        (f"QR of A {m}x{n}, numpy dgeqrf (s)", tq),
        (f"  = GFLOP/s", (2 * m * n * n - 2 * n**3 / 3) / tq / 1e9),
        (f"dgelsd on R {n}x{n} (s)", t(lambda: sl.lstsq(R, c, cond=1e-13, lapack_driver="gelsd"))),
        (f"gesdd values only on R (s)", t(lambda: sl.svd(R, compute_uv=False, lapack_driver="gesdd"))),
        (f"gesdd with vectors on R (s)", t(lambda: sl.svd(R, full_matrices=False, lapack_driver="gesdd"))),
        (f"gelsy on R (s)", t(lambda: sl.lstsq(R, c, cond=1e-13, lapack_driver="gelsy"))),
        (f"numpy lstsq on A {m}x{n} (s)", t(lambda: np.linalg.lstsq(A, b, rcond=1e-13)))]
for k, v in rows:
    print(f"| {k} | {v:.3g} |")
