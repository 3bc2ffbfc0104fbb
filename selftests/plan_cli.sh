#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# uploadctl plan: the proposal's worked example (8e14 tokens at 0.1
# bit/token, overhead 1: 1e13 bytes, a tenth of 1e14 bytes of weights),
# per-day input and the rate ceiling, the warnings, and bad input refused
# with a clear message and exit 2. No root, no kernel: pure arithmetic.
. "$(dirname "$0")/lib.sh"
P=("$UPLOADCTL" plan)
pj() { "${P[@]}" --json "$@"; }
field() { jq -r ".$1"; }

# --- the worked example
out=$(pj --weights-size 1e14 --tokens 8e14 --bits-per-token 0.1 --overhead 1 --margin 1)
check_eq "example: weights_bytes" "$(field weights_bytes <<<"$out")" 100000000000000
check_eq "example: legit_upload_bytes is 1e13" "$(field legit_upload_bytes <<<"$out")" 10000000000000
check_eq "example: recommended_cap_bytes (margin 1)" "$(field recommended_cap_bytes <<<"$out")" 10000000000000
check_eq "example: cap_to_weights_ratio is a tenth" "$(field cap_to_weights_ratio <<<"$out")" 0.1
check_eq "example: and printed so, not as 0.10000000000000001" \
	"$(grep -o '"cap_to_weights_ratio":[^,}]*' <<<"$out")" '"cap_to_weights_ratio":0.1'
check_eq "tokens keep every digit (not %g's 1.23457e+06)" \
	"$(pj --weights-size 1e14 --tokens 1234567 | grep -o '"tokens":[^,}]*')" '"tokens":1234567'
check_eq "example: no rate without days" "$(field recommended_rate_bytes_per_sec <<<"$out")" null
check_eq "example: the cap is below the weights" "$(field cap_below_weights <<<"$out")" true
check_run "example, text: no warning" 0 "recommended cap: +10000000000000 " \
	"${P[@]}" --weights-size 1e14 --tokens 8e14 --bits-per-token 0.1 --overhead 1 --margin 1
check "example, text: no warning line" bash -c \
	"! '$UPLOADCTL' plan --weights-size 1e14 --tokens 8e14 --bits-per-token 0.1 --overhead 1 --margin 1 | grep -q warning"

# --- defaults: 1 bit/token, overhead 1.2, margin 2
out=$(pj --weights-size 1TB --tokens 1e12)
check_eq "defaults: 1e12 tokens x 1 bit / 8 x 1.2" "$(field legit_upload_bytes <<<"$out")" 150000000000
check_eq "defaults: margin 2" "$(field recommended_cap_bytes <<<"$out")" 300000000000
check_eq "defaults are reported" "$(jq -c '[.bits_per_token, .overhead, .margin]' <<<"$out")" "[1,1.2,2]"

# --- per day: tokens = per day x days; the rate spreads the cap over them
out=$(pj --weights-size 1e14 --tokens-per-day 1e11 --days 1000 --bits-per-token 0.5 --overhead 1 --margin 2)
check_eq "per day: 1e14 tokens x 0.5 / 8" "$(field legit_upload_bytes <<<"$out")" 6250000000000
check_eq "per day: rate = cap / the days, rounded up" \
	"$(field recommended_rate_bytes_per_sec <<<"$out")" 144676
check_run "text: how long the weights take at the ceiling" 0 "weights take at least [0-9.]+ days" \
	"${P[@]}" --weights-size 1e14 --tokens-per-day 1e11 --days 1000 --bits-per-token 0.5
check_eq "sizes and scientific forms agree" \
	"$(pj --weights-size 100TB --tokens 800000000000000 --bits-per-token 1e-1 --overhead 1 --margin 1 | field legit_upload_bytes)" \
	10000000000000

# --- warnings
check_run "legitimate traffic above the weights: only slows" 0 "warning: the legitimate upload alone is not below the weights" \
	"${P[@]}" --weights-size 1e12 --tokens 1e13
check_eq "and JSON says so" "$(pj --weights-size 1e12 --tokens 1e13 | field legit_fits_under_weights)" false
check_run "a margin that lifts the cap above the weights" 0 "lower the\s*$" \
	"${P[@]}" --weights-size 1e14 --tokens 6e14 --overhead 1

# --- bad input: exit 2, what and why
bad() { check_run "$1" 2 "^uploadctl: plan: $2" "${P[@]}" "${@:3}"; }
bad "no weights" "give --weights-size" --tokens 1e9
bad "zero weights" "--weights-size: '0'" --weights-size 0 --tokens 1e9
bad "weights not a size" "--weights-size: " --weights-size lots --tokens 1e9
bad "no tokens" "give --tokens or --tokens-per-day" --weights-size 1e14
bad "both token forms" "give --tokens or --tokens-per-day" --weights-size 1e14 --tokens 1 --tokens-per-day 1 --days 1
bad "per day without days" "--tokens-per-day needs --days" --weights-size 1e14 --tokens-per-day 1e9
bad "negative tokens" "--tokens: '-5' is not a positive number" --weights-size 1e14 --tokens -5
bad "zero tokens" "--tokens: '0' is not a positive number" --weights-size 1e14 --tokens 0
bad "tokens not a number" "--tokens: 'many' is not a positive number" --weights-size 1e14 --tokens many
bad "bits per token 0" "--bits-per-token: '0' is not a number > 0" --weights-size 1e14 --tokens 1e9 --bits-per-token 0
bad "bits per token negative" "--bits-per-token: '-1'" --weights-size 1e14 --tokens 1e9 --bits-per-token -1
bad "overhead below 1" "--overhead: '0.9' is not a number >= 1" --weights-size 1e14 --tokens 1e9 --overhead 0.9
bad "margin below 1" "--margin: '0.5' is not a number >= 1" --weights-size 1e14 --tokens 1e9 --margin 0.5
bad "days not a number" "--days: 'x'" --weights-size 1e14 --tokens-per-day 1e9 --days x
bad "an extra argument" "unexpected argument 'extra'" --weights-size 1e14 --tokens 1e9 extra
check_run "too large for 64 bits: a failure, said" 1 "does not fit in 64 bits" \
	"${P[@]}" --weights-size 1e14 --tokens 1e24 --bits-per-token 1e6
check_run "--help" 0 "^Usage: uploadctl plan" "${P[@]}" --help
done_testing
