#!/bin/sh
# Package post-remove (.deb and .rpm): forget the removed units.
set -e
if [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; then
	systemctl daemon-reload || true
fi
exit 0
