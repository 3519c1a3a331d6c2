#!/bin/sh
# Package pre-remove (.deb and .rpm): on removal (not on upgrade), stop and
# disable the units so that no server keeps running a deleted binary.
# deb passes "remove" or "upgrade"; rpm passes 0 on erase, 1 on upgrade.
set -e
case "$1" in
remove | purge | 0) ;;
*) exit 0 ;;
esac
if [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; then
	for unit in phoneload-serve.socket phoneload-serve.service phoneload-sync.timer phoneload-sync.service; do
		systemctl disable --now "$unit" >/dev/null 2>&1 || true
	done
fi
exit 0
