#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# uploadctl plan: the proposal's worked example with explicit flags (8e14
# tokens at 0.1 bit/token, raw, overhead 1: 1e13 bytes, a tenth of 1e14
# bytes of weights); the defaults, measured: zstd on English text that a
# Debian package ships (debian-policy's policy.txt); the serving
# protocol's wire bytes, housekeeping and the peak factor; the loud
# warnings; bad input refused with a clear message and exit 2. No root,
# no kernel: arithmetic.
. "$(dirname "$0")/lib.sh"
P=("$UPLOADCTL" plan)
pj() { "${P[@]}" --json "$@"; }
field() { jq -r ".$1"; }

# --- the worked example, with explicit flags
EX=(--weights-size 1e14 --tokens 8e14 --bits-per-token 0.1 --protocol raw --overhead 1 --margin 1)
out=$(pj "${EX[@]}")
check_eq "example: weights_bytes" "$(field weights_bytes <<<"$out")" 100000000000000
check_eq "example: legit_upload_bytes is 1e13" "$(field legit_upload_bytes <<<"$out")" 10000000000000
check_eq "example: recommended_cap_bytes (margin 1)" "$(field recommended_cap_bytes <<<"$out")" 10000000000000
check_eq "example: cap_to_weights_ratio is a tenth" "$(field cap_to_weights_ratio <<<"$out")" 0.1
check_eq "example: and printed so, not as 0.10000000000000001" \
	"$(grep -o '"cap_to_weights_ratio":[^,}]*' <<<"$out")" '"cap_to_weights_ratio":0.1'
check_eq "tokens keep every digit (not %g's 1.23457e+06)" \
	"$(pj --weights-size 1e14 --tokens 1234567 | grep -o '"tokens":[^,}]*')" '"tokens":1234567'
check_eq "example: no rate without days" "$(field recommended_rate_bytes_per_sec <<<"$out")" null
check_eq "example: no housekeeping counted without days" "$(field housekeeping_bytes <<<"$out")" null
check_eq "example: the cap is below the weights" "$(field cap_below_weights <<<"$out")" true
check_run "example, text: the cap" 0 "recommended cap: +10000000000000 " "${P[@]}" "${EX[@]}"
check_eq "example, text: no warning, on stdout or stderr" \
	"$("${P[@]}" "${EX[@]}" 2>&1 | grep -ci warning)" 0

# --- the default compression, measured: zstd -19 on English prose that
# Debian ships, tokens counted as 4/3 of the words (the proposal: a few
# more tokens than words; 0.75 words a token is the usual rule).
POLICY=/usr/share/doc/debian-policy/policy.txt.gz
command -v zstd >/dev/null || bail "zstd is not installed (scripts/install-deps.sh)"
[ -r "$POLICY" ] || bail "$POLICY is missing (debian-policy; scripts/install-deps.sh)"
words=$(zcat "$POLICY" | wc -w)
zbytes=$(zcat "$POLICY" | zstd -19 -q -c | wc -c)
measured=$(awk -v b="$zbytes" -v w="$words" 'BEGIN { printf "%.2f", 8 * b / (w * 4 / 3) }')
default=$(pj --weights-size 1TB --tokens 1e9 | field bits_per_token)
diag "zstd -19 on policy.txt: $zbytes bytes for $words words: $measured bits per token; plan's default $default"
check "the default bits per token is not below the measured figure ($default >= $measured)" \
	awk -v d="$default" -v m="$measured" 'BEGIN { exit !(d >= m) }'
check "nor more than 15% above it" awk -v d="$default" -v m="$measured" 'BEGIN { exit !(d <= 1.15 * m) }'
check "and far above arithmetic coding's 1 (the best case it was)" \
	awk -v m="$measured" 'BEGIN { exit !(m > 5) }'

# --- defaults: 11 bits/token, http, overhead 1, margin 2, 8 KiB/s, peak 4
out=$(pj --weights-size 1TB --tokens 1e12)
check_eq "defaults are reported" \
	"$(jq -c '[.bits_per_token, .protocol, .tokens_per_response, .overhead, .margin, .housekeeping_bytes_per_sec, .peak, .arithmetic_coding]' <<<"$out")" \
	'[11,"http",500,1,2,8192,4,false]'
check_eq "defaults: the payload, 1e12 tokens x 11 bits / 8" "$(field payload_bytes <<<"$out")" 1375000000000
check_eq "http: TCP/IP per segment and 600 bytes per response of 500 tokens" \
	"$(field wire_bytes <<<"$out")" \
	"$(awk 'BEGIN { printf "%.0f", 1375000000000 * (1 + 52 / 1448) + 2e9 * 600 }')"
check_eq "--arithmetic-coding: 1 bit per token" \
	"$(pj --weights-size 1TB --tokens 1e12 --arithmetic-coding --protocol raw | jq -c '[.bits_per_token, .payload_bytes, .arithmetic_coding]')" \
	'[1,125000000000,true]'
check_eq "sse: 239 bytes a token on the wire, whatever the compression" \
	"$(pj --weights-size 1TB --tokens 1e9 --protocol sse --tokens-per-response 1e9 | field wire_bytes)" 239000000600

# --- housekeeping over the days, the peak over the average
out=$(pj --weights-size 1e14 --tokens-per-day 1e9 --days 100 --bits-per-token 8 --protocol raw --housekeeping 1KiB/s --margin 1 --peak 1)
check_eq "housekeeping: 1 KiB/s over 100 days" "$(field housekeeping_bytes <<<"$out")" 8847360000
check_eq "added to the legitimate upload" "$(field legit_upload_bytes <<<"$out")" $((100000000000 + 8847360000))
check_eq "--housekeeping 0: none" \
	"$(pj --weights-size 1e14 --tokens-per-day 1e9 --days 100 --housekeeping 0 | field housekeeping_bytes)" 0
out=$(pj --weights-size 1e14 --tokens-per-day 1e11 --days 1000 --bits-per-token 0.5 --protocol raw --housekeeping 0 --margin 2 --peak 1)
check_eq "per day: 1e14 tokens x 0.5 / 8" "$(field legit_upload_bytes <<<"$out")" 6250000000000
check_eq "per day, peak 1: rate = cap / the days, rounded up" \
	"$(field recommended_rate_bytes_per_sec <<<"$out")" 144676
check_eq "peak 4: four times that" \
	"$(pj --weights-size 1e14 --tokens-per-day 1e11 --days 1000 --bits-per-token 0.5 --protocol raw --housekeeping 0 --margin 2 | field recommended_rate_bytes_per_sec)" \
	578704
check_run "text: how long the weights take at the ceiling" 0 "take at least [0-9.]+ days" \
	"${P[@]}" --weights-size 1e14 --tokens-per-day 1e11 --days 1000 --bits-per-token 0.5
check_eq "sizes and scientific forms agree" \
	"$(pj --weights-size 100TB --tokens 800000000000000 --bits-per-token 1e-1 --protocol raw --overhead 1 --margin 1 | field legit_upload_bytes)" \
	10000000000000

# --- warnings, loud: on stdout in capitals, and on stderr
check_run "legitimate traffic above the weights: meaningless" 0 "WARNING: THIS CAP IS MEANINGLESS" \
	"${P[@]}" --weights-size 1e12 --tokens 1e13
check_run "and said on stderr" 0 "^uploadctl: plan: warning: the legitimate upload is not below the weights" \
	bash -c "'$UPLOADCTL' plan --weights-size 1e12 --tokens 1e13 2>&1 >/dev/null"
check_eq "and JSON says so" "$(pj --weights-size 1e12 --tokens 1e13 | field legit_fits_under_weights)" false
check_run "a margin that lifts the cap above the weights" 0 "lower the\s*$" \
	"${P[@]}" --weights-size 1e14 --tokens 6e14 --bits-per-token 1 --protocol raw
check_run "the README's 800 GB host with the defaults: meaningless, said" 0 "THIS CAP IS MEANINGLESS" \
	"${P[@]}" --weights-size 800GB --tokens-per-day 2e9 --days 730

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
bad "an unknown protocol" "--protocol: 'grpc' is not raw, http or sse" --weights-size 1e14 --tokens 1e9 --protocol grpc
bad "peak below 1" "--peak: '0.5' is not a number >= 1" --weights-size 1e14 --tokens 1e9 --peak 0.5
bad "housekeeping not a rate" "--housekeeping: " --weights-size 1e14 --tokens 1e9 --housekeeping lots
bad "housekeeping ambiguous" "--housekeeping: .*ambiguous" --weights-size 1e14 --tokens 1e9 --housekeeping 1Mb/s
bad "zero tokens per response" "--tokens-per-response: '0'" --weights-size 1e14 --tokens 1e9 --tokens-per-response 0
bad "arithmetic coding and bits" "--arithmetic-coding sets the bits per token" \
	--weights-size 1e14 --tokens 1e9 --arithmetic-coding --bits-per-token 2
check_run "too large for 64 bits: a failure, said" 1 "does not fit in 64 bits" \
	"${P[@]}" --weights-size 1e14 --tokens 1e24 --bits-per-token 1e6
check_run "--help" 0 "^Usage: uploadctl plan" "${P[@]}" --help
done_testing
