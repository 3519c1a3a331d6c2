#!/usr/bin/env bash
# Check a release built by scripts/release-snapshot.sh, as a user would
# meet it: every check fails loudly (set -e, die) and says which file.
#
# Usage: scripts/release-check.sh DIST VERSION PUBKEY IMAGE [all|ci]
#
#   signatures  phoneload verify, minisign and sha256sum on DIST/release;
#               a modified copy and an unsigned file are refused
#   archives    one per platform (zip on Windows), the files they carry;
#               every binary static (CGO_ENABLED=0), -trimpath, the right
#               GOOS/GOARCH (go version -m); the host's binaries run
#   packages    .deb and .rpm: binaries in /usr/bin, systemd units,
#               completions, scripts; the packaged binary runs
#   image       its index (linux/amd64, linux/arm64), config (entrypoint,
#               no cmd, user 65532, labels), its digest in the signed
#               image-digests.txt; its layers extracted: the binary runs
#               and, chrooted into them as user 65532, serves a file over
#               TFTP to curl (and once as root with --user nonroot)
set -euo pipefail
dist=${1:?usage: release-check.sh DIST VERSION PUBKEY IMAGE [all|ci]}
version=${2:?}
pub=${3:?}
image=${4:?}
targets=${5:-all}
cd "$(dirname "$0")/.."
crane=${CRANE:-build/tools/crane}
rel=$dist/release
work=$(mktemp -d)
server_pid=
cleanup() {
	if [[ -n $server_pid ]]; then
		kill "$server_pid" 2>/dev/null || true
		wait "$server_pid" 2>/dev/null || true
	fi
	rm -rf "$work"
}
trap cleanup EXIT
die() { echo "release-check: FAIL: $*" >&2; exit 1; }
ok() { echo "release-check: ok: $*"; }

case $targets in
all) platforms="linux_amd64 linux_arm64 darwin_amd64 darwin_arm64 windows_amd64 windows_arm64" ;;
ci) platforms="linux_amd64 linux_arm64 darwin_arm64 windows_amd64" ;;
*) die "targets must be all or ci, not $targets" ;;
esac
go build -o "$work/phoneload" ./cmd/phoneload
phoneload=$work/phoneload

# --- signatures ---------------------------------------------------------
"$phoneload" verify --pub "$pub" "$rel" >"$work/verify.out" || { cat "$work/verify.out"; die "phoneload verify $rel"; }
grep -q "^bundle phoneload-$version:" "$work/verify.out" || die "bundle name is not phoneload-$version"
ok "phoneload verify --pub $pub $rel"
(cd "$rel" && sha256sum --quiet -c SHA256SUMS) || die "sha256sum -c SHA256SUMS"
ok "sha256sum -c SHA256SUMS"
if command -v minisign >/dev/null; then
	minisign -Vqm "$rel/SHA256SUMS" -p "$pub" || die "minisign -V SHA256SUMS"
	ok "minisign -Vm SHA256SUMS"
fi
# Tampering: a flipped byte in one archive, and a file nobody signed.
cp -a "$rel" "$work/tampered"
victim=$(ls "$work/tampered"/*.deb | head -1)
printf '\x00' | dd of="$victim" bs=1 seek=100 conv=notrunc status=none
rc=0; "$phoneload" verify --pub "$pub" "$work/tampered" >/dev/null 2>&1 || rc=$?
((rc == 4)) || die "a modified $(basename "$victim") gave exit $rc, want 4"
cp -a "$rel" "$work/extra"
echo "not signed" >"$work/extra/phoneload_${version}_linux_amd64.sh"
rc=0; "$phoneload" verify --pub "$pub" "$work/extra" >/dev/null 2>&1 || rc=$?
((rc == 4)) || die "an unsigned extra file gave exit $rc, want 4"
"$phoneload" key generate --unencrypted -o "$work/other" >/dev/null
rc=0; "$phoneload" verify --pub "$work/other.pub" "$rel" >/dev/null 2>&1 || rc=$?
((rc == 3)) || die "another key gave exit $rc, want 3"
ok "tampered, extra file and wrong key refused (exit 4, 4, 3)"

# --- archives -----------------------------------------------------------
host=$(go env GOOS)_$(go env GOARCH)
# Man pages: whatever `make docs` wrote to docs/man/ must be in every
# archive and package (gzipped).
shopt -s nullglob
man=()
for page in docs/man/*.1; do man+=("$(basename "$page").gz"); done
shopt -u nullglob
for p in $platforms; do
	os=${p%_*} arch=${p#*_}
	exe=
	if [[ $os == windows ]]; then
		a=$rel/phoneload_${version}_${p}.zip exe=.exe
	else
		a=$rel/phoneload_${version}_${p}.tar.gz
	fi
	[[ -f $a ]] || die "missing archive $(basename "$a")"
	d=$work/archive/$p
	mkdir -p "$d"
	bsdtar -xf "$a" -C "$d"
	top=$d/phoneload_${version}_${p}
	for f in "phoneload$exe" "cfgfmt$exe" README.md docs/service.md systemd/phoneload-serve.service \
		systemd/phoneload-serve.socket completions/phoneload.bash completions/_phoneload completions/phoneload.fish \
		"${man[@]/#/man/}"; do
		[[ -f $top/$f ]] || die "$(basename "$a") lacks $f"
	done
	for b in "phoneload$exe" "cfgfmt$exe"; do
		go version -m "$top/$b" >"$work/buildinfo"
		for want in "build	CGO_ENABLED=0" "build	-trimpath=true" "build	GOOS=$os" "build	GOARCH=$arch"; do
			grep -qF "$want" "$work/buildinfo" || die "$(basename "$a") $b: build info lacks '$want'"
		done
	done
	if [[ $os == linux ]]; then
		file -b "$top/phoneload" | grep -q "statically linked" || die "$p phoneload is not statically linked: $(file -b "$top/phoneload")"
	fi
	if [[ $p == "$host" ]]; then
		"$top/phoneload" --version | grep -qF "$version" || die "$p phoneload --version does not say $version: $("$top/phoneload" --version)"
		"$top/cfgfmt" -h 2>&1 | grep -q "usage: cfgfmt" || die "$p cfgfmt -h"
		ok "$(basename "$a"): host binaries run ($("$top/phoneload" --version))"
	fi
	ok "$(basename "$a"): phoneload$exe, cfgfmt$exe static, -trimpath, $os/$arch; docs, units, completions, ${#man[@]} man page(s)"
done
n=$(ls "$rel"/*.tar.gz "$rel"/*.zip | wc -l)
want=$(wc -w <<<"$platforms")
((n == want)) || die "$n archives, want $want"

# --- packages -----------------------------------------------------------
pkgfiles=(/usr/bin/phoneload /usr/bin/cfgfmt
	/usr/lib/systemd/system/phoneload-serve.service /usr/lib/systemd/system/phoneload-serve.socket
	/usr/lib/systemd/system/phoneload-sync.service /usr/lib/systemd/system/phoneload-sync.timer
	/usr/share/bash-completion/completions/phoneload /usr/share/zsh/vendor-completions/_phoneload
	/usr/share/fish/vendor_completions.d/phoneload.fish /usr/share/doc/phoneload/distribution.md
	"${man[@]/#//usr/share/man/man1/}")
for arch in amd64 arm64; do
	deb=$(ls "$rel"/phoneload_*_"$arch".deb 2>/dev/null | head -1)
	[[ -n $deb ]] || die "no .deb for $arch"
	dpkg-deb -c "$deb" | awk '{print $NF}' | sed 's|^\.||' >"$work/deb.list"
	for f in "${pkgfiles[@]}"; do grep -qx "$f" "$work/deb.list" || die "$(basename "$deb") lacks $f"; done
	dpkg-deb -f "$deb" Package Architecture Version >"$work/deb.fields"
	grep -qx "Architecture: $arch" "$work/deb.fields" || die "$(basename "$deb"): $(cat "$work/deb.fields")"
	dpkg-deb -e "$deb" "$work/deb-control-$arch"
	for s in postinst prerm postrm; do [[ -x $work/deb-control-$arch/$s ]] || die "$(basename "$deb") has no $s"; done
	rarch=$([[ $arch == amd64 ]] && echo x86_64 || echo aarch64)
	rpm=$(ls "$rel"/phoneload-*."$rarch".rpm 2>/dev/null | head -1)
	[[ -n $rpm ]] || die "no .rpm for $rarch"
	bsdtar -tf "$rpm" | sed 's|^\.||' >"$work/rpm.list"
	for f in "${pkgfiles[@]}"; do grep -qx "$f" "$work/rpm.list" || die "$(basename "$rpm") lacks $f"; done
	ok "$(basename "$deb"), $(basename "$rpm"): binaries, units, completions, docs, maintainer scripts"
done
debhost=$(ls "$rel"/phoneload_*_"$(go env GOARCH)".deb | head -1)
dpkg-deb -x "$debhost" "$work/debroot"
"$work/debroot/usr/bin/phoneload" --version | grep -qF "$version" || die "packaged phoneload --version"
ok "$(basename "$debhost"): /usr/bin/phoneload runs"

# --- image --------------------------------------------------------------
"$crane" manifest "$image" >"$work/index.json"
for platform in amd64 arm64; do
	jq -e --arg a "$platform" '[.manifests[] | select(.platform.os == "linux" and .platform.architecture == $a)] | length == 1' \
		"$work/index.json" >/dev/null || die "$image: no single linux/$platform image in $(cat "$work/index.json")"
done
ok "$image: index with linux/amd64 and linux/arm64"
digest=$("$crane" digest "$image")
grep -qx "${image%:*}@$digest" "$rel/image-digests.txt" ||
	die "image-digests.txt does not name $image's digest $digest: $(cat "$rel/image-digests.txt" 2>&1)"
ok "signed image-digests.txt names ${image%:*}@$digest"
"$crane" config --platform linux/amd64 "$image" >"$work/config.json"
check_config() {
	jq -e "$1" "$work/config.json" >/dev/null || die "image config: want $1, have $(jq -c .config "$work/config.json")"
}
check_config '.config.Entrypoint == ["/ko-app/phoneload"]'
check_config '.config.Cmd == null'
check_config '.config.User == "65532:65532"'
check_config '.os == "linux" and .architecture == "amd64"'
jq -e --arg v "$version" '.config.Labels["org.opencontainers.image.version"] == $v' "$work/config.json" >/dev/null ||
	die "image label org.opencontainers.image.version is not $version"
check_config '.config.Labels["org.opencontainers.image.source"] == "https://github.com/phoneload/phoneload"'
ok "$image config: entrypoint /ko-app/phoneload, no cmd, user 65532:65532, OCI labels"
mkdir "$work/rootfs"
"$crane" export --platform linux/amd64 "$image" - | tar -x -C "$work/rootfs"
app=$work/rootfs/ko-app/phoneload
[[ -x $app ]] || die "image has no /ko-app/phoneload"
grep -q '^nonroot:x:65532:65532:' "$work/rootfs/etc/passwd" || die "image /etc/passwd has no nonroot (65532)"
"$app" --version | grep -qF "$version" || die "image phoneload --version: $("$app" --version)"
ok "image rootfs: /ko-app/phoneload runs: $("$app" --version)"
# serve from the image's root filesystem as the container would run it:
# chrooted into it (its /etc/passwd, nothing of the host), as user 65532,
# a TFTP root mounted at /srv/tftp; fetched with curl. Without root (no
# chroot) the binary runs on the host as the current user.
mkdir -p "$work/rootfs/srv/tftp"
head -c 70000 /dev/urandom >"$work/rootfs/srv/tftp/SIP000D0D0D0D0D.cnf"
chmod -R a+rX "$work/rootfs/srv"
chmod a+rx "$work"
if [[ $(id -u) == 0 ]] && command -v chroot >/dev/null; then
	run_image=(chroot --userspec=65532:65532 "$work/rootfs")
	how="chrooted into the image as 65532"
	inside= # paths as the chrooted server sees them
else
	run_image=()
	how="on the host (not root: no chroot)"
	inside=$work/rootfs
fi
serve_and_fetch() { # serve args…; the server's uid must end as 65532
	rm -f "$work/rootfs/tmp/addr"
	"${run_image[@]}" "$inside/ko-app/phoneload" serve --listen 127.0.0.1:0 --addr-file "$inside/tmp/addr" "$@" "$inside/srv/tftp" 2>"$work/serve.log" &
	server_pid=$!
	for _ in $(seq 100); do [[ -s $work/rootfs/tmp/addr ]] && break; sleep 0.1; done
	[[ -s $work/rootfs/tmp/addr ]] || { cat "$work/serve.log" >&2; die "image phoneload serve $* did not start"; }
	addr=$(cat "$work/rootfs/tmp/addr")
	rm -f "$work/fetched"
	curl -fsS --max-time 20 -o "$work/fetched" "tftp://$addr/SIP000D0D0D0D0D.cnf" || { cat "$work/serve.log" >&2; die "curl tftp://$addr (serve $*)"; }
	cmp "$work/rootfs/srv/tftp/SIP000D0D0D0D0D.cnf" "$work/fetched" || die "file fetched over TFTP differs (serve $*)"
	if [[ $(id -u) == 0 ]]; then
		grep -q "^Uid:[[:space:]]*65532[[:space:]]" "/proc/$server_pid/status" || die "serve $* does not run as 65532: $(grep ^Uid "/proc/$server_pid/status")"
	fi
	kill "$server_pid"
	wait "$server_pid" 2>/dev/null || true
	server_pid=
}
serve_and_fetch
ok "image rootfs: phoneload serve, $how, served a 70000-byte file to curl tftp://"
if [[ $(id -u) == 0 ]] && command -v chroot >/dev/null; then
	# The host-network recipe of the README: root binds, then --user nonroot
	# (looked up in the image's /etc/passwd) for everything after.
	run_image=(chroot "$work/rootfs")
	serve_and_fetch --user nonroot
	ok "image rootfs: serve --user nonroot started as root, dropped to 65532, served the file"
fi
echo "release-check: all checks passed"
