#!/bin/sh
# Regenerate the default model (data/models/default) from the `small` testbed on the wasm backend:
# the mixed model for t850 and z500 on members 1-5, then global EMOS coefficients for the service's `emos`
# method, then its test-year scores (written into the manifest). Takes long on 2 CPU cores (see README "Mixed model"); run it under nohup.
set -eu
cd "$(dirname "$0")/.."
DATA=${DATA:-data/testbed/small}
OUT=${OUT:-data/models/default}
npm run -s build
[ -f "$DATA/manifest.json" ] || node dist/apps/cli/main.js testbed generate --preset small --out "$DATA" --seed 1
node dist/apps/cli/main.js train --data "$DATA" --out "$OUT" --backend wasm \
  --variables t850,z500 --predictors z,t --members 5 \
  --epochs 5 --batch 2 --patience 2 --lr-decay 0.7 \
  --bc-filters 16 --bc-levels 2 --uq-filters 8 --uq-blocks 1 --uq-branch 4 \
  --lcn-bias-init mean-residual --fine-tune 2 "$@"
node dist/apps/cli/main.js train --emos-only --data "$DATA" --out "$OUT" --variables t850,z500 --predictors z,t --members 5
rm -rf "$OUT/checkpoint"
# The test-year scores go into the manifest (scores.test) and print as the acceptance table.
node dist/apps/cli/main.js evaluate --model "$OUT" --data "$DATA" --split test --backend wasm --write
