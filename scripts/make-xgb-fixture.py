#!/usr/bin/python3
"""Builds the XGBoost JSON fixture that test/ranking loads.

Run with Debian's interpreter and python3-xgboost (apt-get install -y python3-xgboost):
    /usr/bin/python3 scripts/make-xgb-fixture.py test/fixtures/xgb
Writes model.json (save_model, binary:logistic, gbtree), data.csv (features with empty cells for
missing values) and preds.csv (xgboost's margin and probability per row), so the TypeScript
importer can be checked against xgboost's own predictions. Deterministic (fixed seeds).
"""
import os
import sys

import numpy as np
import xgboost as xgb

out = sys.argv[1] if len(sys.argv) > 1 else "test/fixtures/xgb"
os.makedirs(out, exist_ok=True)
rng = np.random.default_rng(7)
n, d = 400, 5
X = rng.normal(size=(n, d)).astype(np.float32)
# a few missing values so default directions are learned and exercised
X[rng.random(size=(n, d)) < 0.1] = np.nan
logit = 1.5 * np.nan_to_num(X[:, 0]) - np.nan_to_num(X[:, 1]) * np.nan_to_num(X[:, 2]) + 0.5 * (X[:, 3] > 0.3)
y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(np.float32)
names = ["visits", "query_sim", "locale_match", "age_hours", "popularity"]
dtrain = xgb.DMatrix(X, label=y, missing=np.nan, feature_names=names)
params = {
    "objective": "binary:logistic",
    "booster": "gbtree",
    "tree_method": "hist",
    "max_depth": 3,
    "eta": 0.3,
    "lambda": 1.0,
    "min_child_weight": 1.0,
    "base_score": 0.4,
    "seed": 1,
}
bst = xgb.train(params, dtrain, num_boost_round=8)
bst.save_model(os.path.join(out, "model.json"))

# test rows: the training rows plus edge cases (all missing, exact thresholds are hit by training values)
T = np.vstack([X[:60], np.full((1, d), np.nan, dtype=np.float32)])
dtest = xgb.DMatrix(T, missing=np.nan, feature_names=names)
margin = bst.predict(dtest, output_margin=True)
prob = bst.predict(dtest)
with open(os.path.join(out, "data.csv"), "w") as f:
    f.write(",".join(names) + "\n")
    for row in T:
        f.write(",".join("" if np.isnan(v) else repr(float(v)) for v in row) + "\n")
with open(os.path.join(out, "preds.csv"), "w") as f:
    f.write("margin,prob\n")
    for m, p in zip(margin, prob):
        f.write(f"{float(m)!r},{float(p)!r}\n")
print(f"xgboost {xgb.__version__}: wrote {out}/model.json, data.csv, preds.csv ({len(T)} rows)")
