#!/usr/bin/env bash
# Sign a release the way phoneload signs firmware: the release's files
# (archives, packages, the image digests) become a phoneload bundle,
# written by `phoneload pack` to DIST/release/:
#
#   SHA256SUMS           sha256sum format, every file below
#   SHA256SUMS.minisig   minisign signature over SHA256SUMS
#   bundle.json          name phoneload-VERSION, the commit time
#   *.tar.gz *.zip *.deb *.rpm image-digests.txt
#
# so `phoneload verify --pub KEY.pub DIR` checks a downloaded release, and
# `minisign -Vm SHA256SUMS -p KEY.pub` + `sha256sum -c --ignore-missing
# SHA256SUMS` do the same with standard tools.
#
# Usage: scripts/release-sign.sh DIST VERSION
# Key: $PHONELOAD_RELEASE_KEY (minisign secret key file), passphrase from
# the file $PHONELOAD_RELEASE_PASSPHRASE_FILE when the key is encrypted.
# The bundle time is the commit's ($SOURCE_DATE_EPOCH when set), so the
# same commit and key give the same signature.
#
# pack runs phoneload check over its input; a release has no phone
# firmware, so the one rule that asks for a load (no-load-specified) is
# waived, and the waiver is recorded in bundle.json.
set -euo pipefail
dist=${1:?usage: release-sign.sh DIST VERSION}
version=${2:?usage: release-sign.sh DIST VERSION}
key=${PHONELOAD_RELEASE_KEY:?set PHONELOAD_RELEASE_KEY to the minisign secret key file}
cd "$(dirname "$0")/.."

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
shopt -s nullglob
files=("$dist"/*.tar.gz "$dist"/*.zip "$dist"/*.deb "$dist"/*.rpm)
if ((${#files[@]} == 0)); then
	echo "release-sign: no archives or packages in $dist" >&2
	exit 1
fi
mkdir "$stage/src"
ln "${files[@]}" "$stage/src/" 2>/dev/null || cp "${files[@]}" "$stage/src/"
# The image is in a registry, not a file: sign its digests.
if [[ -f $dist/artifacts.json ]]; then
	# ko names each pushed image by digest already (repo@sha256:…).
	jq -r '.[] | select(.type == "Docker Manifest") | if (.name | contains("@")) then .name else "\(.name)@\(.extra.Digest)" end' \
		"$dist/artifacts.json" | sort -u >"$stage/src/image-digests.txt"
	[[ -s $stage/src/image-digests.txt ]] || rm "$stage/src/image-digests.txt"
fi

go build -trimpath -ldflags "-X github.com/phoneload/phoneload/cmd/phoneload/cmd.Version=$version" -o "$stage/phoneload" ./cmd/phoneload
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct)}
args=(pack --allow no-load-specified --name "phoneload-$version" --key "$key")
if [[ -n ${PHONELOAD_RELEASE_PASSPHRASE_FILE:-} ]]; then
	args+=(--passphrase-file "$PHONELOAD_RELEASE_PASSPHRASE_FILE")
fi
rm -rf "$dist/release"
"$stage/phoneload" "${args[@]}" -o "$dist/release" "$stage/src"
echo "release-sign: $dist/release is the release (signed SHA256SUMS, bundle.json, ${#files[@]} files)"
