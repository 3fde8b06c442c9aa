#!/usr/bin/env python3
"""Writes pipelines/examples/data/pendulum-trajectories.csv: 40 trajectories of the pendulum H = p^2/2 + 1 - cos q
observed at uneven times with noise (columns traj,t,q1,p1). Pure Python (no numpy): RK4 with 200 substeps per
observation interval (error far below the noise); starts uniform in q in [-pi, pi], p in [-1, 1]; steps uniform in
[0.05, 0.15]; 30 observations per trajectory; Gaussian noise of sd 1e-3 on q and p. Seeded (random.Random(2026)), so
rerunning gives the same file. Usage: python3 scripts/make-trajectory-example.py > pipelines/examples/data/pendulum-trajectories.csv
"""
import math
import random


def f(q, p):
    return p, -math.sin(q)


def rk4(q, p, h, n):
    dt = h / n
    for _ in range(n):
        k1q, k1p = f(q, p)
        k2q, k2p = f(q + dt / 2 * k1q, p + dt / 2 * k1p)
        k3q, k3p = f(q + dt / 2 * k2q, p + dt / 2 * k2p)
        k4q, k4p = f(q + dt * k3q, p + dt * k3p)
        q += dt / 6 * (k1q + 2 * k2q + 2 * k3q + k4q)
        p += dt / 6 * (k1p + 2 * k2p + 2 * k3p + k4p)
    return q, p


rng = random.Random(2026)
print("traj,t,q1,p1")
for m in range(40):
    q, p = rng.uniform(-math.pi, math.pi), rng.uniform(-1, 1)
    t = 0.0
    for n in range(30):
        print(f"{m},{t!r},{q + 1e-3 * rng.gauss(0, 1)!r},{p + 1e-3 * rng.gauss(0, 1)!r}")
        h = rng.uniform(0.05, 0.15)
        q, p = rk4(q, p, h, 200)
        t += h
