#!/usr/bin/env bash
# Issue 12 acceptance on the real site archives: hold out the last two given years (uwme: the last two weeks),
# train on the years before; EMOS variants with all members, DRN with half the members; evaluate on the hold-out.
# Usage: scripts/sites-acceptance.sh OUT_DIR [ARCHIVE...]   (reads EPP_REAL_DATA, default ../shared/data/real)
#   ARCHIVE: frankfurt innsbruck-tmin innsbruck-precip uwme (default: all four)
set -euo pipefail
OUT=${1:?usage: sites-acceptance.sh OUT_DIR [ARCHIVE...]}
shift
ONLY=" ${*:-frankfurt innsbruck-tmin innsbruck-precip uwme} "
D=${EPP_REAL_DATA:-../shared/data/real}/sites
mkdir -p "$OUT"
epp() { node dist/apps/cli/main.js "$@"; }
run() { # name dir variable allK halfK trainTo testFrom testTo hasExtras
  local name=$1 dir=$2 var=$3 all=$4 half=$5 to=$6 from=$7 end=$8 extras=$9 precip=no
  case $ONLY in *" $name "*) ;; *) return 0 ;; esac
  case $var in precipitation*) precip=yes ;; esac
  local F=$D/$dir/forecast.nc O=$D/$dir/observation.nc
  local common=(--forecast "$F" --observations "$O" --variable "$var" --train-to "$to" --json)
  epp sites fit "${common[@]}" --method emos --members "$all" --no-seasonal --no-extras --out "$OUT/$name-emos-basic" >/dev/null
  epp sites fit "${common[@]}" --method emos --members "$all" --no-extras --out "$OUT/$name-emos-seasonal" >/dev/null
  local models=(emos-basic emos-seasonal)
  if [ "$extras" = yes ]; then
    epp sites fit "${common[@]}" --method emos --members "$all" --out "$OUT/$name-emos-seasonal-hres" >/dev/null
    models+=(emos-seasonal-hres)
  fi
  if [ "$precip" = yes ]; then # the censored shifted gamma (Scheuerer & Hamill 2015) next to the default family
    epp sites fit "${common[@]}" --method emos --members "$all" --distribution censored-shifted-gamma --out "$OUT/$name-emos-seasonal-csg" >/dev/null
    models+=(emos-seasonal-csg)
    # the hurdle log-normal (logistic P(Y > 0) + log-normal amounts) for the probability of precipitation
    epp sites fit "${common[@]}" --method emos --members "$all" --distribution hurdle-lognormal --out "$OUT/$name-emos-seasonal-hurdle" >/dev/null
    models+=(emos-seasonal-hurdle)
    # the censored GEV (Scheuerer 2014): Henzi, Ziegel & Gneiting's (2021) best method at Frankfurt (ENS + HRES)
    epp sites fit "${common[@]}" --method emos --members "$all" --distribution censored-gev --out "$OUT/$name-emos-seasonal-gev" >/dev/null
    models+=(emos-seasonal-gev)
  fi
  local emos_dirs
  emos_dirs=$(printf "$OUT/$name-%s," "${models[@]}")
  epp sites fit "${common[@]}" --method drn --members "$half" --out "$OUT/$name-drn" >/dev/null
  models+=(drn)
  if [ "$precip" = yes ]; then # the DRN with the hurdle family (wet probability corrected by the network too)
    epp sites fit "${common[@]}" --method drn --members "$half" --distribution hurdle-lognormal --out "$OUT/$name-drn-hurdle" >/dev/null
    models+=(drn-hurdle)
  fi
  for m in "${models[@]}"; do
    local cmp=()
    case $m in drn*) cmp=(--compare "${emos_dirs%,}") ;; esac # the DRN's paired skill against every EMOS
    epp sites evaluate --model "$OUT/$name-$m" --forecast "$F" --observations "$O" --from "$from" --to "$end" "${cmp[@]}" --json >"$OUT/$name-$m.eval.json"
  done
  epp sites predict --model "$OUT/$name-drn" --forecast "$F" --from "$from" --to "$end" --out "$OUT/$name-drn-pred.nc" --json >/dev/null
}
run frankfurt ecmwf-frankfurt-precip precipitation_amount 51 26 2013-01-01 2013-01-01 2015-01-02 yes
run innsbruck-tmin gefs-innsbruck-tmin air_temperature 11 6 2012-01-01 2012-01-01 2014-01-01 no
run innsbruck-precip gefs-innsbruck-precip precipitation_amount 11 6 2012-01-01 2012-01-01 2014-01-01 no
run uwme uwme-pnw-t2m air_temperature 8 4 2004-02-15 2004-02-15 2004-03-01 no
