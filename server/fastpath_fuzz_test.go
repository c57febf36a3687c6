package server

import (
	"bytes"
	"testing"
)

// FuzzParseHead: the fast path's request-head parser takes any bytes without
// panicking, and what it accepts is a POST of a body within the limit.
func FuzzParseHead(f *testing.F) {
	f.Add([]byte("POST /dbs/db/deployments/f HTTP/1.1\r\nHost: x\r\nContent-Length: 12\r\n\r\n"))
	f.Add([]byte("POST /dbs/db/deployments/f HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"))
	f.Add([]byte("GET /health HTTP/1.1\r\nHost: x\r\n\r\n"))
	f.Add([]byte("POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n"))
	fc := &fastConn{fs: &fastServer{s: &Server{cfg: Config{MaxBody: 1 << 20}}}}
	f.Fuzz(func(t *testing.T, head []byte) {
		target, length, _, ok := fc.parseHead(head)
		if !ok {
			return
		}
		if !bytes.HasPrefix(head, []byte("POST ")) || len(target) == 0 || target[0] != '/' || bytes.ContainsAny(target, "%?#") {
			t.Fatalf("accepted %q with target %q", head, target)
		}
		if length < 0 || length > 1<<20 {
			t.Fatalf("accepted %q with length %d", head, length)
		}
	})
}
