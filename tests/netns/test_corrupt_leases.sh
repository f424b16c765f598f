#!/bin/bash
# SPDX-License-Identifier: MIT
# A damaged lease file never stops the daemon and never costs a good
# record.  A file with four leases (real DORAs) is damaged in copies: cut
# in the middle, one byte flipped (CRC mismatch), a half-written last
# record without its newline, empty, records of another subnet, random
# bytes, a line too long, a complete last record without its newline.  On
# each, the daemon must become ready; every bad line is named in a warning
# ("line N is corrupt or torn", "line N too long") and foreign addresses
# are named ("outside every configured subnet"); the good records are
# restored ("N leases restored") and reach the BPF map (their clients'
# INIT-REBOOT is ACKed in XDP with the same address); the file is
# compacted at start to valid records only; new clients are still served;
# and the daemon exits cleanly.  The daemon runs with --detach-on-exit, so
# every start begins with empty maps: the file is the only source of leases.
. "$(dirname "$0")/lib.sh"

DHCPSEND=$BUILD/tests/tools/dhcpsend
[ -x "$DHCPSEND" ] || fail "$DHCPSEND not built (run make tests-build)"
command -v python3 >/dev/null || skip "python3 not installed"

ARGS=(--interface "$IF_S" --range 198.18.0.100,198.18.0.199 --lease-time 3600
	--detach-on-exit)
MACS=(02:00:00:c0:00:01 02:00:00:c0:00:02 02:00:00:c0:00:03 02:00:00:c0:00:04)
declare -A IP_OF

# ds ARGS...: dhcpsend on the client veth, first reply only.
ds() { in_c "$DHCPSEND" --if "$IF_C" --first "$@"; }
field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<"$2" | head -n 1; }

# dora MAC: DISCOVER, REQUEST; prints the ACKed address.
dora() {
	local out ip sid
	out=$(ds --type discover --mac "$1" --timeout-ms 3000) || fail "no OFFER for $1"
	ip=$(field yiaddr "$out")
	sid=$(field opt54 "$out")
	out=$(ds --type request --mac "$1" --requested "$ip" --server-id "$sid" \
		--timeout-ms 3000) || fail "no answer to the REQUEST of $1"
	grep -q "type=ACK" <<<"$out" || fail "REQUEST of $1 not ACKed: $out"
	[ "$(field yiaddr "$out")" = "$ip" ] || fail "ACK of $1 for another address: $out"
	echo "$ip"
}

# check_file: every record line of the lease file carries a valid CRC (the
# file was compacted: no torn or damaged line survives a start); prints
# the number of grant records.
check_file() {
	python3 - "$TMP/leases" <<'PY'
import sys, zlib
grants = 0
for n, raw in enumerate(open(sys.argv[1], "rb").read().split(b"\n"), 1):
    if not raw or raw.startswith(b"#"):
        continue
    body, sep, crc = raw.rpartition(b" crc=")
    if not sep or crc != b"%08x" % zlib.crc32(body):
        sys.exit("lease file line %d is not a valid record: %r" % (n, raw))
    grants += raw.startswith(b"grant ")
print(grants)
PY
}

# run_on NAME RESTORED: start the daemon on $TMP/leases (prepared by the
# caller), expect RESTORED leases; the compacted file must hold exactly
# RESTORED grants, all valid.
run_on() {
	local name=$1 want=$2 got
	log "--- $name"
	start_xdhcpd "${ARGS[@]}"
	grep -q "ready: 1 interface(s), $want leases restored" "$TMP/xdhcpd.log" ||
		fail "$name: expected $want leases restored: $(grep 'ready:' "$TMP/xdhcpd.log")"
	got=$(check_file) || fail "$name: not compacted at start"
	[ "$got" -eq "$want" ] || fail "$name: compacted file holds $got grants, not $want"
	local n
	n=$(grep -c 'warning:' "$TMP/xdhcpd.log" || true)
	grep 'warning:' "$TMP/xdhcpd.log" | head -n 5 | sed 's/^/#   /' || true
	[ "$n" -le 5 ] || log "  ... $((n - 5)) more warnings"
}

# expect_warning REGEX: the daemon's log has a warning matching REGEX.
expect_warning() {
	grep 'warning:' "$TMP/xdhcpd.log" | match "$1" ||
		fail "no warning matching '$1': $(cat "$TMP/xdhcpd.log")"
}
no_warning() {
	! grep 'warning:' "$TMP/xdhcpd.log" | match "lease file" ||
		fail "unexpected lease-file warning: $(grep 'warning:' "$TMP/xdhcpd.log")"
}

# reboot_acked I...: the clients with these indexes get their own address
# back through INIT-REBOOT (REQUEST with option 50 only), answered in XDP.
reboot_acked() {
	local i out acks0 acks1
	acks0=$(stat_sum fast_ack)
	for i in "$@"; do
		out=$(ds --type request --mac "${MACS[$i]}" --requested "${IP_OF[$i]}" \
			--timeout-ms 2000) || fail "INIT-REBOOT of ${MACS[$i]} unanswered"
		grep -q "type=ACK .* yiaddr=${IP_OF[$i]} " <<<"$out" ||
			fail "INIT-REBOOT of ${MACS[$i]} for ${IP_OF[$i]} not ACKed: $out"
	done
	acks1=$(stat_sum fast_ack)
	[ $((acks1 - acks0)) -ge $# ] ||
		fail "restored leases not answered in XDP (fast ACKs $acks0 -> $acks1)"
}

# still_serving: a client never seen before gets an OFFER; then a clean
# stop (exit status 0).
still_serving() {
	local mac
	mac=$(printf '02:00:00:c1:%02x:%02x' $((RANDOM % 256)) $((RANDOM % 256)))
	ds --type discover --mac "$mac" --timeout-ms 3000 | match "type=OFFER" ||
		fail "a new client is not served"
	stop_xdhcpd
}

setup_netns

# ---- The good file: four leases from real DORAs, a clean stop (compacted).
start_xdhcpd "${ARGS[@]}"
for i in 0 1 2 3; do
	IP_OF[$i]=$(dora "${MACS[$i]}")
	log "lease ${MACS[$i]} ${IP_OF[$i]}"
done
stop_xdhcpd
cp "$TMP/leases" "$TMP/good"
[ "$(check_file)" -eq 4 ] || fail "the good file does not hold 4 grants: $(cat "$TMP/good")"
# Line numbers below: line 1 is the header comment, records are lines 2-5.
[ "$(sed -n 1p "$TMP/good" | cut -c1)" = "#" ] || fail "no header line in the good file"
# LINE[i]: the line of client i's record (compaction writes them in the
# pool's order); clients_on COND: the clients whose line satisfies COND.
for i in 0 1 2 3; do
	LINE[i]=$(grep -n " ${IP_OF[$i]} " "$TMP/good" | head -n 1 | cut -d: -f1)
done
clients_on() {
	local i L
	for i in 0 1 2 3; do
		# shellcheck disable=SC2034 # L is read by the expression $1
		L=${LINE[i]}
		(($1)) && echo "$i"
	done
	return 0
}
[ "$(printf '%s\n' "${LINE[@]}" | sort -n | tr '\n' ' ')" = "2 3 4 5 " ] ||
	fail "records are not on lines 2-5: ${LINE[*]}"

# ---- Control: the good file restores all four.
cp "$TMP/good" "$TMP/leases"
run_on "good file" 4
no_warning
reboot_acked 0 1 2 3
still_serving

# ---- Truncated in the middle of line 4 (the third record): the records
# on lines 2 and 3 survive.
keep=$(head -n 3 "$TMP/good" | wc -c)
half=$(($(sed -n 4p "$TMP/good" | wc -c) / 2))
head -c $((keep + half)) "$TMP/good" >"$TMP/leases"
run_on "truncated mid-line" 2
expect_warning "line 4 is corrupt or torn"
mapfile -t kept < <(clients_on 'L < 4')
reboot_acked "${kept[@]}"
still_serving

# ---- One byte flipped inside the record on line 3 (its CRC no longer
# matches).
cp "$TMP/good" "$TMP/leases"
python3 - "$TMP/leases" 3 <<'PY'
import sys
path, line = sys.argv[1], int(sys.argv[2])
data = bytearray(open(path, "rb").read())
start = sum(len(l) + 1 for l in bytes(data).split(b"\n")[:line - 1])
data[start + 10] ^= 0x04          # inside the address field
open(path, "wb").write(data)
PY
cmp -s "$TMP/good" "$TMP/leases" && fail "byte not flipped"
run_on "flipped byte" 3
expect_warning "line 3 is corrupt or torn"
mapfile -t kept < <(clients_on 'L != 3')
reboot_acked "${kept[@]}"
still_serving

# ---- A half-written last record (a crash in the middle of an append).
cp "$TMP/good" "$TMP/leases"
sed -n "${LINE[3]}p" "$TMP/good" | sed 's/c0:00:04/c0:00:05/' | head -c 30 >>"$TMP/leases"
run_on "half-written last record" 4
expect_warning "line 6 is corrupt or torn"
reboot_acked 0 1 2 3
still_serving

# ---- A complete last record without its newline is a good record.
head -c -1 "$TMP/good" >"$TMP/leases"
[ "$(tail -c 1 "$TMP/leases" | od -An -c | tr -d ' ')" != '\n' ] || fail "newline not removed"
run_on "last record without newline" 4
no_warning
reboot_acked 3
still_serving

# ---- An empty file.
: >"$TMP/leases"
run_on "empty file" 0
no_warning
still_serving

# ---- Two records of another subnet (198.19.0.x, valid CRCs): dropped,
# each named; the good records of the same file are kept.
python3 - "$TMP/good" "$TMP/leases" <<'PY'
import sys, zlib
out = []
for n, raw in enumerate(open(sys.argv[1], "rb").read().split(b"\n")):
    if not raw or raw.startswith(b"#"):
        out.append(raw)
        continue
    body = raw.rpartition(b" crc=")[0]
    if n % 2 == 1:                       # records 1 and 3 move to 198.19.0.x
        body = body.replace(b" 198.18.0.", b" 198.19.0.", 1)
    out.append(body + b" crc=%08x" % zlib.crc32(body))
open(sys.argv[2], "wb").write(b"\n".join(out))
PY
foreign=$(grep -c ' 198\.19\.0\.' "$TMP/leases")
[ "$foreign" -eq 2 ] || fail "expected 2 foreign records, made $foreign"
run_on "records of another subnet" 2
[ "$(grep -c 'is outside every configured subnet, dropped' "$TMP/xdhcpd.log")" -eq 2 ] ||
	fail "foreign records not named: $(grep warning: "$TMP/xdhcpd.log")"
expect_warning "198\.19\.0\.[0-9]* is outside every configured subnet"
grep -q ' 198\.19\.' "$TMP/leases" && fail "foreign records kept in the compacted file"
# Lines 2 and 4 moved (0-based 1 and 3): the records on lines 3 and 5 stay.
mapfile -t kept < <(clients_on 'L == 3 || L == 5')
reboot_acked "${kept[@]}"
still_serving

# ---- The whole file of another subnet.
sed 's/ 198\.18\.0\./ 198.19.0./' "$TMP/good" | python3 -c '
import sys, zlib
for raw in sys.stdin.buffer.read().split(b"\n"):
    if raw and not raw.startswith(b"#"):
        body = raw.rpartition(b" crc=")[0]
        raw = body + b" crc=%08x" % zlib.crc32(body)
    sys.stdout.buffer.write(raw + b"\n" if raw else b"")' >"$TMP/leases"
run_on "file of another subnet" 0
[ "$(grep -c 'is outside every configured subnet, dropped' "$TMP/xdhcpd.log")" -eq 4 ] ||
	fail "foreign records not all named: $(grep warning: "$TMP/xdhcpd.log")"
still_serving

# ---- Random bytes (newlines included), then a line far too long.
head -c 8192 /dev/urandom >"$TMP/leases"
run_on "random bytes" 0
still_serving
{
	head -n 3 "$TMP/good"
	head -c 3000 /dev/zero | tr '\0' 'x'
	echo
	tail -n +4 "$TMP/good"
} >"$TMP/leases"
run_on "line too long" 4
expect_warning "line 4 too long"
reboot_acked 0 1 2 3
still_serving

echo "PASS: damaged lease files: bad lines named, good records restored and compacted"
