#!/bin/sh
# Package post-install (.deb and .rpm): make systemd see the units. Nothing
# is enabled or started: port 69 may belong to another TFTP server here.
# phoneload-serve.service runs as a DynamicUser and phoneload-sync.service
# needs write access to the TFTP root, so no system user is created.
# Enable with:  systemctl enable --now phoneload-serve.socket
set -e
if [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; then
	systemctl daemon-reload || true
fi
exit 0
