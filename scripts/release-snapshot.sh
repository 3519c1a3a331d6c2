#!/usr/bin/env bash
# make release-snapshot: build the whole release locally, sign it with a
# throwaway key and check what came out (scripts/release-check.sh).
#
#   1. GoReleaser and crane from tools/go.mod, built once into build/tools/.
#   2. A loopback OCI registry (Debian's docker-registry, plain HTTP on
#      127.0.0.1): ko pushes the image there. GoReleaser's --snapshot
#      would hand the image to a Docker daemon, which this needs none of:
#      instead GoReleaser runs as a release of the tag
#      v0.0.0-snapshot.<commit> with publishing off (PHONELOAD_RELEASE_LOCAL
#      disables the GitHub release) and KO_DOCKER_REPO on the loopback
#      registry. The tree may be dirty (--skip=validate).
#   3. The base image: gcr.io/distroless/static-debian12:nonroot in a real
#      release. Without network, a stand-in with the same layout where it
#      matters (/etc/passwd with nonroot 65532, /tmp, /home/nonroot) is
#      pushed to the loopback registry for linux/amd64 and linux/arm64;
#      set PHONELOAD_KO_BASE=REF to build on another base.
#   4. scripts/release-sign.sh with a key generated for this run: dist/release/.
#   5. scripts/release-check.sh: archives, packages, image, signatures.
#
# Environment:
#   RELEASE_TARGETS=all   (default) linux, darwin, windows × amd64, arm64
#   RELEASE_TARGETS=ci    linux/amd64, linux/arm64, windows/amd64, darwin/arm64
#                         (one build per OS and both CPUs on Linux; CI's choice)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
mkdir -p build/tools build/release

step() { printf '\n== release-snapshot: %s (%ds)\n' "$1" "$SECONDS"; }

step "tools (goreleaser, crane from tools/go.mod)"
go build -modfile=tools/go.mod -o build/tools/ \
	github.com/goreleaser/goreleaser/v2 github.com/google/go-containerregistry/cmd/crane
goreleaser=$root/build/tools/goreleaser
crane=$root/build/tools/crane

work=$(mktemp -d)
registry_pid=
cleanup() {
	if [[ -n $registry_pid ]]; then
		kill "$registry_pid" 2>/dev/null || true
		wait "$registry_pid" 2>/dev/null || true
	fi
	rm -rf "$work"
}
trap cleanup EXIT

step "loopback registry"
command -v docker-registry >/dev/null || { echo "release-snapshot: docker-registry not installed (apt-get install docker-registry)" >&2; exit 1; }
for _ in 1 2 3 4 5; do
	port=$((20000 + RANDOM % 20000))
	cat >"$work/registry.yml" <<EOF
version: 0.1
log:
  level: error
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: $work/storage
http:
  addr: 127.0.0.1:$port
EOF
	docker-registry serve "$work/registry.yml" >"$work/registry.log" 2>&1 &
	registry_pid=$!
	for _ in $(seq 100); do
		if curl -fsS -o /dev/null "http://127.0.0.1:$port/v2/" 2>/dev/null; then break 2; fi
		kill -0 "$registry_pid" 2>/dev/null || break
		sleep 0.1
	done
	kill "$registry_pid" 2>/dev/null || true
	wait "$registry_pid" 2>/dev/null || true
	registry_pid=
done
[[ -n $registry_pid ]] || { cat "$work/registry.log" >&2; echo "release-snapshot: docker-registry did not start" >&2; exit 1; }
registry=127.0.0.1:$port
echo "registry: http://$registry (pid $registry_pid)"

config=.goreleaser.yaml
base=${PHONELOAD_KO_BASE:-}
if [[ -z $base ]]; then
	step "base image stand-in for distroless/static:nonroot"
	fs=$work/base
	mkdir -p "$fs/etc" "$fs/tmp" "$fs/home/nonroot"
	chmod 1777 "$fs/tmp"
	chmod 700 "$fs/home/nonroot"
	printf 'root:x:0:0:root:/root:/sbin/nologin\nnobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n' >"$fs/etc/passwd"
	printf 'root:x:0:\nnobody:x:65534:\nnonroot:x:65532:\n' >"$fs/etc/group"
	tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -C "$fs" -cf "$work/base.tar" etc tmp
	tar --mtime=@0 --owner=65532 --group=65532 --numeric-owner -C "$fs" -rf "$work/base.tar" home
	base=$registry/base/static:nonroot
	refs=()
	for platform in linux/amd64 linux/arm64; do
		ref=$registry/base/static:${platform//\//-}
		"$crane" append --platform "$platform" -f "$work/base.tar" -t "$ref" >/dev/null 2>>"$work/crane.log" ||
			{ cat "$work/crane.log" >&2; exit 1; }
		# append on scratch leaves os/architecture empty: ko matches on them.
		"$crane" mutate --set-platform "$platform" -t "$ref" "$ref" >/dev/null 2>>"$work/crane.log" ||
			{ cat "$work/crane.log" >&2; exit 1; }
		refs+=(-m "$ref")
	done
	"$crane" index append "${refs[@]}" -t "$base" >/dev/null 2>>"$work/crane.log" ||
		{ cat "$work/crane.log" >&2; exit 1; }
	echo "base: $base"
fi
sed "s|^    base_image: .*|    base_image: $base|" .goreleaser.yaml >build/release/goreleaser.yaml
config=build/release/goreleaser.yaml

case ${RELEASE_TARGETS:-all} in
all) ;;
ci)
	# Keep CI's time down: one build per OS, both CPUs on Linux (packages
	# and the image). The full matrix runs with RELEASE_TARGETS=all.
	only_ci_targets='
/^builds:/ { inb = 1 }
/^archives:/ { inb = 0 }
inb && /^    goarch: / { print "    targets: [linux_amd64_v1, linux_arm64_v8.0, windows_amd64_v1, darwin_arm64_v8.0]"; next }
inb && /^    goos: / { next }
{ print }'
	awk "$only_ci_targets" "$config" >"$config.tmp" && mv "$config.tmp" "$config"
	;;
*) echo "release-snapshot: RELEASE_TARGETS must be all or ci" >&2; exit 2 ;;
esac

commit=$(git rev-parse HEAD)
version=0.0.0-snapshot.${commit:0:12}
# Signing's bundle time: this commit's, as GoReleaser's file times.
SOURCE_DATE_EPOCH=$(git log -1 --format=%ct "$commit")
export SOURCE_DATE_EPOCH
# GoReleaser asks git for the remote's URL; a checkout without one (a
# worktree, a CI clone of a local path) gets the project's, through the
# environment only (nothing is written to the repository's config).
if ! git ls-remote --get-url >/dev/null 2>&1 || [[ -z $(git remote) ]]; then
	export GIT_CONFIG_COUNT=1 GIT_CONFIG_KEY_0=remote.origin.url GIT_CONFIG_VALUE_0=https://github.com/phoneload/phoneload.git
fi
step "goreleaser release $version (targets: ${RELEASE_TARGETS:-all})"
"$goreleaser" check --config "$config"
PHONELOAD_RELEASE_LOCAL=1 GORELEASER_CURRENT_TAG=v$version KO_DOCKER_REPO=$registry/phoneload \
	"$goreleaser" release --clean --skip=validate,announce --config "$config"

step "sign with a throwaway key"
go run ./cmd/phoneload key generate --unencrypted -o "$work/snapshot" >/dev/null
cp "$work/snapshot.pub" dist/release-snapshot.pub
PHONELOAD_RELEASE_KEY=$work/snapshot.key ./scripts/release-sign.sh dist "$version"

step "check"
./scripts/release-check.sh dist "$version" dist/release-snapshot.pub "$registry/phoneload:$version" "${RELEASE_TARGETS:-all}"
step "done: dist/release/ (public key dist/release-snapshot.pub)"
