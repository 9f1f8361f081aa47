#!/usr/bin/python3
"""Trains python3-xgboost with boardwalk's hyper-parameters for bench/gbdt-bench.ts.

    /usr/bin/python3 scripts/xgb-compare.py DIR '{"rounds":200,"maxDepth":6,...}'
DIR holds train.csv and test.csv (label, weight, features...; empty cell = missing). Writes
DIR/pred.txt (one probability per test row) and prints seconds=<training time>.
"""
import json
import sys
import time

import numpy as np
import xgboost as xgb


def load(path):
    rows = []
    with open(path) as f:
        for line in f:
            rows.append([float(v) if v != "" else np.nan for v in line.rstrip("\n").split(",")])
    a = np.array(rows, dtype=np.float64)
    return a[:, 2:].astype(np.float32), a[:, 0], a[:, 1]


d = sys.argv[1]
p = json.loads(sys.argv[2])
X, y, w = load(f"{d}/train.csv")
T, _, _ = load(f"{d}/test.csv")
params = {
    "objective": "binary:logistic",
    "tree_method": "hist",
    "max_depth": p.get("maxDepth", 6),
    "eta": p.get("learningRate", 0.1),
    "lambda": p.get("lambda", 1.0),
    "gamma": p.get("gamma", 0.0),
    "min_child_weight": p.get("minChildWeight", 1.0),
    "subsample": p.get("subsample", 1.0),
    "colsample_bytree": p.get("colsample", 1.0),
    "max_bin": p.get("maxBins", 256),
    "nthread": 1,
    "seed": p.get("seed", 1),
}
# boardwalk starts from the log-odds of the weighted mean label; do the same
mean = float(np.sum(y * w) / np.sum(w))
params["base_score"] = min(max(mean, 1e-6), 1 - 1e-6)
t0 = time.time()
bst = xgb.train(params, xgb.DMatrix(X, label=y, weight=w, missing=np.nan), num_boost_round=p.get("rounds", 100))
secs = time.time() - t0
pred = bst.predict(xgb.DMatrix(T, missing=np.nan))
np.savetxt(f"{d}/pred.txt", pred, fmt="%.9g")
print(f"seconds={secs:.3f}")
