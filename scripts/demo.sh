#!/usr/bin/env bash
# Walks the whole phoneload pipeline on a generated sample drop:
#   generate → inspect → check → compile → pack → verify → publish → serve/probe
#   → push/pull/sync → simulate/log/plan
# Run with `make demo` (which builds bin/phoneload and bin/cfgfmt first).
# Everything it makes stays in demo/ for you to look at afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."

pl=bin/phoneload
out=demo
rm -rf "$out"
mkdir -p "$out"
export SOURCE_DATE_EPOCH=1700000000 # reproducible bundle: same input, same bytes

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
run() {
	printf '$ %s\n' "$*"
	"$@"
}

step "1. A firmware drop as Cisco ships it (generated: 7940/7960 SIP 8.12-like, signed with a lab key)"
go run ./internal/fixture/mkdrop sip7940 "$out/cmterm-7940-7960-sip.8-12-00.zip"
go run ./internal/fixture/mkdrop -ptag "$out/sip_ptag.dat" sip7912 "$out/cp7912-sip"
ls -l "$out/cmterm-7940-7960-sip.8-12-00.zip"

step "2. inspect: every file identified, signed headers parsed, .loads resolved"
run $pl inspect "$out/cmterm-7940-7960-sip.8-12-00.zip"

step "3. check: the conversion guide's mistakes, before a phone finds them"
run $pl check "$out/cmterm-7940-7960-sip.8-12-00.zip"
echo
echo "-- the same root with two classic mistakes (OS79XX.TXT with a trailing space, a renamed image):"
$pl unpack "$out/cmterm-7940-7960-sip.8-12-00.zip" "$out/broken" >/dev/null
printf 'P003-8-12-00 \n' >"$out/broken/OS79XX.TXT"
mv "$out/broken/P0S3-8-12-00.sb2" "$out/broken/P0S3-8-12-01.sb2"
printf '$ %s\n' "$pl check $out/broken"
if $pl check "$out/broken"; then
	echo "demo: check should have failed" >&2
	exit 1
else
	echo "(exit $?: errors found, as expected)"
fi

step "3b. check on a real-shaped 79x1 root: what real deployments keep beside the drop is judged as phones see it"
r="$out/root79x1"
go run ./internal/fixture/mkdrop sip79x1 "$r"
head -c 4000 /dev/zero | tr '\0' '\377' >"$r/Chirp1.raw"
head -c 8000 /dev/zero | tr '\0' '\177' >"$r/Analog1.raw"
cat >"$r/ringlist.xml" <<'XML'
<CiscoIPPhoneRingList>
	<Ring><DisplayName>Chirp</DisplayName><FileName>Chirp1.raw</FileName></Ring>
	<Ring><DisplayName>Analog Synth 1</DisplayName><FileName>Analog1.raw</FileName></Ring>
</CiscoIPPhoneRingList>
XML
cp "$r/ringlist.xml" "$r/RINGLIST.XML" # a byte-identical case alias, kept for phones asking either way
cp "$r/ringlist.xml" "$r/distinctiveringlist.xml"
mkdir -p "$r/United_States"
printf '<tones>\n<tone name="dial" freq="350,440"/>\n</tones>\n' >"$r/United_States/g3-tones.xml"
printf '115       SIP41.9-4-2SR1S     11             // IP Phone 7941 SIP\r\n' >"$r/load115.txt"
printf '<DIALTEMPLATE>\n<TEMPLATE MATCH="*" Timeout="5"/>\n</DIALTEMPLATE>\n' >"$r/dialplan.xml"
cat >"$r/SEP000D28A1B2C3.cnf.xml" <<'XML'
<device>
  <sipProfile><dialTemplate>dialplan.xml</dialTemplate></sipProfile>
  <loadInformation>SIP41.9-4-2SR1S</loadInformation>
  <userLocale><name>United_States</name></userLocale>
</device>
XML
sed 's/000D28A1B2C3/$MAC/' "$r/SEP000D28A1B2C3.cnf.xml" >"$r/7941_TEMPL.cnf.xml" # the author's template
run $pl check "$r"
echo
echo "-- the same root with a ring the ring list names removed:"
rm "$r/Analog1.raw"
printf '$ %s\n' "$pl check $r"
if $pl check "$r"; then
	echo "demo: check should have failed (ring-missing)" >&2
	exit 1
else
	echo "(exit $?: a listed ring is missing, as expected)"
fi

step "4. compile: 7905/7912/ATA profiles, byte-exact with Cisco's cfgfmt"
echo "-- a 7912 root whose compiled profiles are missing: check catches it, compile mends it (self-made tag table):"
rm -f "$out/cp7912-sip/gkdefault.cfg" "$out/cp7912-sip"/gk000d28a1b2c[0-9]
printf '$ %s\n' "$pl check --table $out/sip_ptag.dat $out/cp7912-sip"
if $pl check --table "$out/sip_ptag.dat" "$out/cp7912-sip" 2>&1 | grep -E '^(errors|  [^ ])'; then :; fi
run $pl compile --table "$out/sip_ptag.dat" -o "$out/cp7912-sip" "$out/cp7912-sip/gkdefault.txt" "$out/cp7912-sip/gk000d28a1b2c3.txt" "$out/cp7912-sip/gk000d28a1b2c4.txt"
run $pl check --table "$out/sip_ptag.dat" "$out/cp7912-sip"
run bin/cfgfmt -t"$out/sip_ptag.dat" "$out/cp7912-sip/gkdefault.cfg" "$out/gkdefault.decoded.txt"
echo "-- gkdefault.cfg decoded back (first lines):"
sed -n 1,6p "$out/gkdefault.decoded.txt"
echo
echo "-- and a fleet of 500 generated 7912 profiles in one parallel run:"
go run ./internal/cfgfmtcli/fleetgen "$out/profiles" 500 >/dev/null
mkdir -p "$out/compiled"
printf '$ %s\n' "$pl compile --table $out/profiles/ptag.dat -o $out/compiled $out/profiles/gk*.txt"
$pl compile --table "$out/profiles/ptag.dat" -o "$out/compiled" "$out/profiles"/gk*.txt

step "5. pack: check, then a signed, reproducible bundle"
run $pl key generate --unencrypted -o "$out/release"
run $pl pack --key "$out/release.key" --name sip-8-12 --sequence 1 -o "$out/sip-8-12.zip" "$out/cmterm-7940-7960-sip.8-12-00.zip"
$pl pack --key "$out/release.key" --name sip-8-12 --sequence 1 -o "$out/again.zip" "$out/cmterm-7940-7960-sip.8-12-00.zip" 2>/dev/null
if cmp -s "$out/sip-8-12.zip" "$out/again.zip"; then echo "-- packed twice: byte-identical ($(sha256sum "$out/sip-8-12.zip" | cut -c1-16)…)"; fi
rm -f "$out/again.zip"

step "6. verify: signatures, then every byte (also with standard tools)"
run $pl verify --pub "$out/release.pub" "$out/sip-8-12.zip"
$pl unpack "$out/sip-8-12.zip" "$out/bundle" >/dev/null
if command -v minisign >/dev/null; then
	run minisign -Vm "$out/bundle/SHA256SUMS" -p "$out/release.pub"
fi
(cd "$out/bundle" && run sha256sum --quiet -c SHA256SUMS && echo "sha256sum -c: OK")

step "7. publish into a TFTP root: staged, ordered, journalled, reversible"
mkdir -p "$out/tftproot"
run $pl publish --pub "$out/release.pub" --dry-run "$out/sip-8-12.zip" "$out/tftproot"
run $pl publish --pub "$out/release.pub" "$out/sip-8-12.zip" "$out/tftproot"
run $pl verify --pub "$out/release.pub" --root "$out/tftproot" "$out/sip-8-12.zip"

step "8. serve and probe: what a phone gets over real TFTP"
rm -f "$out/serve.addr"
$pl serve --listen 127.0.0.1:0 --addr-file "$out/serve.addr" "$out/tftproot" 2>"$out/serve.log" &
serve_pid=$!
trap 'kill $serve_pid 2>/dev/null || true' EXIT
for _ in $(seq 50); do [ -s "$out/serve.addr" ] && break; sleep 0.1; done
addr=$(cat "$out/serve.addr")
run $pl probe --pub "$out/release.pub" --mac 0011.2233.4455 --model 7960 --bundle "$out/sip-8-12.zip" "tftp://$addr"
kill -INT $serve_pid
wait $serve_pid 2>/dev/null || true
echo "-- the server's log (one line per request):"
sed -n 1,5p "$out/serve.log"

step "9. a tampered root is caught, and rollback restores the previous state"
printf 'X' | dd of="$out/tftproot/P0S3-8-12-00.sb2" bs=1 seek=1000 conv=notrunc status=none
printf '$ %s\n' "$pl verify --pub $out/release.pub --root $out/tftproot $out/sip-8-12.zip"
if $pl verify --pub "$out/release.pub" --root "$out/tftproot" "$out/sip-8-12.zip"; then
	echo "demo: verify should have failed" >&2
	exit 1
else
	echo "(exit $?: content does not match what was signed)"
fi
run $pl history "$out/tftproot"
run $pl rollback --dry-run "$out/tftproot"
run $pl rollback "$out/tftproot"
echo "-- root after rollback: $(find "$out/tftproot" -path '*/.phoneload' -prune -o -type f -print | wc -l) files"

step "10. many sites: a USB stick (OCI image layout) or a registry carries the release"
usb="oci-layout:$out/usb:lab"
run $pl push --pub "$out/release.pub" "$out/sip-8-12.zip" "$usb"
run $pl pull --pub "$out/release.pub" "$usb" "$out/pulled.zip"
mkdir -p "$out/site-a/tftp"
run $pl sync --pub "$out/release.pub" --once "$usb" "$out/site-a/tftp"
echo "-- release 2 changes one configuration: push uploads only the small changed blobs,"
echo "-- and the site fetches only that file (the firmware is already in its root)"
mkdir -p "$out/release2"
cp -R "$out/bundle/." "$out/release2/"
rm -f "$out/release2"/SHA256SUMS* "$out/release2/bundle.json"
printf '# release 2\n' >>"$out/release2/SIPDefault.cnf"
$pl pack --key "$out/release.key" --name sip-8-12 --sequence 2 -o "$out/sip-8-12-r2.zip" "$out/release2" 2>/dev/null
run $pl push --pub "$out/release.pub" "$out/sip-8-12-r2.zip" "$usb"
run $pl sync --pub "$out/release.pub" --once "$usb" "$out/site-a/tftp"
echo "-- the stick's tag moved back to release 1: the site refuses it and keeps serving release 2"
$pl push --pub "$out/release.pub" "$out/sip-8-12.zip" "$usb" >/dev/null 2>&1
printf '$ %s\n' "$pl sync --pub $out/release.pub --once $usb $out/site-a/tftp"
if $pl sync --pub "$out/release.pub" --once "$usb" "$out/site-a/tftp"; then
	echo "demo: sync should have refused the rollback" >&2
	exit 1
else
	echo "(exit $?: refused by policy)"
fi

step "11. rehearse the conversion: simulate a phone, read the server's log, stage a fleet"
echo "-- a 7960 on SIP 7.4 boots from the drop, request by request:"
run $pl simulate --model 7960 --running P0S3-07-4-00 --mac 000D28A1B2C3 "$out/cmterm-7940-7960-sip.8-12-00.zip"
echo
echo "-- the same phone against the broken root of step 3, over real TFTP (phoneload serve):"
rm -f "$out/serve2.addr"
$pl serve --listen 127.0.0.1:0 --addr-file "$out/serve2.addr" "$out/broken" 2>"$out/serve2.log" &
serve_pid=$!
for _ in $(seq 50); do [ -s "$out/serve2.addr" ] && break; sleep 0.1; done
addr=$(cat "$out/serve2.addr")
printf '$ %s\n' "$pl simulate --model 7960 --running P0S3-07-4-00 --mac 000D28A1B2C3 tftp://$addr"
if $pl simulate --model 7960 --running P0S3-07-4-00 --mac 000D28A1B2C3 "tftp://$addr"; then
	echo "demo: simulate should have failed" >&2
	exit 1
else
	echo "(exit $?: the phone stops)"
fi
kill -INT $serve_pid
wait $serve_pid 2>/dev/null || true
echo
echo "-- what the server logged, read back: where the phone stopped and why:"
printf '$ %s\n' "$pl log --root $out/broken $out/serve2.log"
if $pl log --root "$out/broken" "$out/serve2.log"; then
	echo "demo: log should have found the stop" >&2
	exit 1
else
	echo "(exit $?)"
fi
echo
echo "-- a mixed fleet (SCCP 3.1, SIP 2.1, SIP 4.2, SIP 8.5, a 7912 on SIP, a 7941 on SCCP) to SIP 8.12:"
mkdir -p "$out/drops"
for l in P0S3-04-4-00 P0S3-05-3-00 P0S3-06-3-00 P0S3-07-5-00 P00305000300; do
	go run ./internal/fixture/mkdrop -size 4096 "$l" "$out/drops/$l"
done
go run ./internal/fixture/mkdrop -size 4096 sip7940 "$out/drops/sip-8.12"
go run ./internal/fixture/mkdrop -size 4096 sip7912 "$out/drops/sip-7912.zip"
go run ./internal/fixture/mkdrop -size 4096 sip79x1 "$out/drops/sip-79x1"
cat >"$out/fleet.csv" <<'CSV'
mac,model,running-load
000D28A10001,7940,P0030301
000D28A10002,7960,P0S30201
000D28A10003,7940,P0S3-04-2-00
000D28A10004,7960,P0S3-08-5-00
000D28A10005,7912,CP7912080000SIP050608A
000D28A10006,7941,SCCP41.8-3-1S
CSV
run $pl plan --fleet "$out/fleet.csv" --to sip-8.12 --drops "$out/drops" -o "$out/stages"
echo
echo "-- each stage rehearsed before a phone reboots: every phone moves one step, then all run 8.12:"
cp "$out/fleet.csv" "$out/fleet-now.csv"
for st in $(ls -d "$out"/stages/stage-* | sort -t- -k2 -n); do
	printf '$ %s\n' "$pl simulate --fleet $out/fleet-now.csv $st"
	$pl simulate --fleet "$out/fleet-now.csv" "$st" >"$st.txt"
	sed -n '/^$/,$p' "$st.txt" | sed 1d
	# What the phones run after this stage is the fleet of the next one.
	{
		echo "mac,model,running-load"
		awk 'length($1) == 12 && $1 ~ /^[0-9A-F]+$/ && $4 == "runs" { print $1 "," $2 "," $5 }' "$st.txt"
	} >"$out/fleet-next.csv"
	mv "$out/fleet-next.csv" "$out/fleet-now.csv"
done
echo "-- after the last stage:"
cat "$out/fleet-now.csv"

printf '\nDone. Everything above is in %s/.\n' "$out"
