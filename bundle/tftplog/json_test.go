package tftplog

import (
	"encoding/json"

	"github.com/phoneload/phoneload/internal/tftp"
)

// jsonLine is an event as `phoneload serve --json` writes it.
func jsonLine(e tftp.Event) string {
	b, _ := json.Marshal(e)
	return string(b)
}
