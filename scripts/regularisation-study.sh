#!/usr/bin/env bash
# The regularisation study at full size (docs/RESULTS.md, "Noise, regularisation and error bars"): fixed rcond / lambda
# grids against the automatic choices, and the Bayesian band's coverage, for several noise levels and data seeds.
# Usage: bash scripts/regularisation-study.sh [--system pendulum|mass-spring] [--method a-swim] [--width 200]
#        [--train 2500] [--validation 500] [--test 2500] [--noise 0,1e-4,1e-3,1e-2] [--seeds 3943,1,2]
#        [--rows derivatives|midpoint|midpoint-whitened] [--dt 0.1] [--steps 10] [--curve no|yes]
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet build scripts/regularisation-study -c Release -nologo -clp:ErrorsOnly > /dev/null
dotnet run --project scripts/regularisation-study -c Release --no-build -- "$@"
