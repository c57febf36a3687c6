package server

import (
	"bytes"
	"testing"
)

// FuzzParseHead: the fast path's request-head parser (headLen, then
// parseHead, as both ways of reading use them) takes any bytes without
// panicking, and what it accepts is a POST of a body within the limit.
func FuzzParseHead(f *testing.F) {
	f.Add([]byte("POST /dbs/db/deployments/f HTTP/1.1\r\nHost: x\r\nContent-Length: 12\r\n\r\n"))
	f.Add([]byte("POST /dbs/db/deployments/f HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"))
	f.Add([]byte("GET /health HTTP/1.1\r\nHost: x\r\n\r\n"))
	f.Add([]byte("POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n"))
	f.Add([]byte("POST /dbs/db/deployments/f HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}POST /dbs/db/deploy"))
	f.Fuzz(func(t *testing.T, b []byte) {
		switch n := headLen(b); {
		case n == 0:
			if len(b) >= fastHeadMax || bytes.Contains(b, []byte("\r\n\r\n")) {
				t.Fatalf("headLen(%q) = 0: wait for more", b)
			}
		case n > 0:
			if n > len(b) || n > fastHeadMax || !bytes.HasSuffix(b[:n], []byte("\r\n\r\n")) || bareLF(b[:n]) {
				t.Fatalf("headLen(%q) = %d", b, n)
			}
		}
		// parseHead sees headLen's heads, but takes any bytes.
		target, length, _, ok := parseHead(b, 1<<20)
		if !ok {
			return
		}
		if !bytes.HasPrefix(b, []byte("POST ")) || len(target) == 0 || target[0] != '/' || bytes.ContainsAny(target, "%?#") {
			t.Fatalf("accepted %q with target %q", b, target)
		}
		if length < 0 || length > 1<<20 {
			t.Fatalf("accepted %q with length %d", b, length)
		}
	})
}
