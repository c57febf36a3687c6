package rawhttp

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
)

// TestPostAgainstNetHTTP: requests written by Conn are read by net/http,
// and its responses (several on one connection) are read back whole.
func TestPostAgainstNetHTTP(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		if r.URL.Path == "/missing" {
			http.Error(w, "no such path", http.StatusNotFound)
			return
		}
		out := `{"path":"` + r.URL.Path + `","got":` + string(b) + `}`
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Length", strconv.Itoa(len(out))) // else net/http chunks a large one
		io.WriteString(w, out)
	})}
	go srv.Serve(ln)
	defer srv.Close()
	c, err := Dial(ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for i, body := range []string{`[1]`, `{"big":"` + strings.Repeat("x", 100<<10) + `"}`, `[]`} {
		status, got, err := c.Post("/p", []byte(body))
		if err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
		if want := `{"path":"/p","got":` + body + `}`; status != 200 || string(got) != want {
			t.Fatalf("request %d: %d %.80s, want 200 %.80s", i, status, got, want)
		}
	}
	if status, got, err := c.Post("/missing", nil); err != nil || status != 404 || !strings.Contains(string(got), "no such path") {
		t.Fatalf("404: %d %q %v", status, got, err)
	}
}

func TestReadMessage(t *testing.T) {
	for _, tc := range []struct {
		in     string
		status int
		body   string
		err    bool
	}{
		{"POST /x HTTP/1.1\r\nHost: h\r\ncontent-length: 3\r\n\r\nabc", 0, "abc", false},
		{"HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n", 201, "", false},
		{"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", 0, "", true},
		{"HTTP/1.1 200 OK\r\n\r\n", 0, "", true},
		{"HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", 0, "", true},
		{"HTTP/1.1 2x0 OK\r\nContent-Length: 0\r\n\r\n", 0, "", true},
		{"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nab", 0, "", true},
	} {
		status, body, err := ReadMessage(bufio.NewReader(strings.NewReader(tc.in)), nil)
		if (err != nil) != tc.err || err == nil && (status != tc.status || string(body) != tc.body) {
			t.Errorf("%q: %d %q %v", tc.in, status, body, err)
		}
	}
}
