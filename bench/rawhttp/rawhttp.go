package rawhttp

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"time"
)

// Conn is one keep-alive connection. It is not safe for concurrent use.
type Conn struct {
	c    net.Conn
	br   *bufio.Reader
	req  []byte // the request being sent
	body []byte // the last response's body
}

// Dial connects to addr (host:port).
func Dial(addr string) (*Conn, error) {
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return nil, err
	}
	return &Conn{c: c, br: bufio.NewReaderSize(c, 16<<10)}, nil
}

// Close closes the connection.
func (c *Conn) Close() error { return c.c.Close() }

// Post sends POST path with a JSON body and reads the response: its status
// and body, which is valid until the next call.
func (c *Conn) Post(path string, body []byte) (int, []byte, error) {
	r := c.req[:0]
	r = append(r, "POST "...)
	r = append(r, path...)
	r = append(r, " HTTP/1.1\r\nHost: bench\r\nContent-Type: application/json\r\nContent-Length: "...)
	r = strconv.AppendInt(r, int64(len(body)), 10)
	r = append(r, "\r\n\r\n"...)
	r = append(r, body...)
	c.req = r
	return c.RoundTrip(r)
}

// RoundTrip sends req, a whole HTTP/1.1 request, and reads the response:
// its status and body, which is valid until the next call.
func (c *Conn) RoundTrip(req []byte) (int, []byte, error) {
	if _, err := c.c.Write(req); err != nil {
		return 0, nil, err
	}
	status, body, err := ReadMessage(c.br, c.body)
	if err != nil {
		return 0, nil, err
	}
	c.body = body[:0]
	if status == 0 {
		return 0, nil, errors.New("a request where a response was due")
	}
	return status, body, nil
}

// ReadMessage reads one HTTP/1.1 message from br: a response (its status)
// or a request (status 0), its headers, and its Content-Length body, into
// buf (grown when too small). A message without Content-Length, or chunked,
// is an error.
func ReadMessage(br *bufio.Reader, buf []byte) (status int, body []byte, err error) {
	line, err := br.ReadSlice('\n')
	if err != nil {
		return 0, nil, err
	}
	if bytes.HasPrefix(line, []byte("HTTP/")) {
		if len(line) < 12 || !bytes.HasPrefix(line, []byte("HTTP/1.")) {
			return 0, nil, fmt.Errorf("bad status line %q", line)
		}
		if status, err = strconv.Atoi(string(line[9:12])); err != nil {
			return 0, nil, fmt.Errorf("bad status line %q", line)
		}
	}
	n := -1
	for {
		if line, err = br.ReadSlice('\n'); err != nil {
			return 0, nil, err
		}
		if len(line) <= 2 {
			break
		}
		if k, v, ok := bytes.Cut(line, []byte(":")); ok {
			switch {
			case bytes.EqualFold(k, []byte("Content-Length")):
				if n, err = strconv.Atoi(string(bytes.TrimSpace(v))); err != nil || n < 0 {
					return 0, nil, fmt.Errorf("bad Content-Length %q", v)
				}
			case bytes.EqualFold(k, []byte("Transfer-Encoding")):
				return 0, nil, errors.New("a chunked message: only Content-Length bodies are read")
			}
		}
	}
	if n < 0 {
		return 0, nil, errors.New("a message without Content-Length")
	}
	if cap(buf) < n {
		buf = make([]byte, n)
	}
	body = buf[:n]
	if _, err := io.ReadFull(br, body); err != nil {
		return 0, nil, err
	}
	return status, body, nil
}
