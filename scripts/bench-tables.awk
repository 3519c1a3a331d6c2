# One table per command from bench-scale.sh's OUT file (n, run, wall,
# RSS, load; tab-separated): the new build's wall time and peak RSS, the
# by-hand tool's wall time in the same run, and their ratio.
BEGIN {
	FS = "\t"
	split("check|inspect|inspect --json|pack|pack --zip|verify|verify --zip", cmds, "|")
	hand["check"] = "find + xargs sha256sum"
	hand["inspect"] = hand["check"]
	hand["inspect --json"] = hand["check"]
	hand["pack"] = "cp -r + sha256sum + minisign + sync"
	hand["pack --zip"] = "zip -X -r + sha256sum + minisign"
	hand["verify"] = "sha256sum -c"
	hand["verify --zip"] = "unzip + sha256sum -c"
}
{
	wall[$1, $2] = $3; rss[$1, $2] = $4; load[$1, $2] = $5
	if (!($1 in seen)) { seen[$1] = 1; ns[++nn] = $1 }
}
function commas(n,   s) {
	s = ""
	while (n >= 1000) { s = sprintf(",%03d", n % 1000) s; n = int(n / 1000) }
	return n s
}
END {
	for (c = 1; c in cmds; c++) {
		cmd = cmds[c]
		printf "\n#### %s (by hand: `%s`)\n\n", cmd, hand[cmd]
		print "| files | phoneload | peak RSS | by hand | ratio | load |"
		print "|---|---|---|---|---|---|"
		for (i = 1; i <= nn; i++) {
			n = ns[i]; k = cmd " (new)"
			if (!((n, k) in wall)) continue
			h = wall[n, hand[cmd]]
			r = (h > 0) ? sprintf("%.2f×", wall[n, k] / h) : "—"
			printf "| %s | %s s | %s MiB | %s s | %s | %s |\n", commas(n), wall[n, k], rss[n, k], (h == "" ? "—" : h), r, load[n, k]
		}
	}
}
