package bench

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

// rawConn is the HTTP load generator's connection: a minimal HTTP/1.1
// keep-alive client (one request in flight, Content-Length bodies only) that
// spends a few microseconds per request, so that on a shared machine the CPU
// goes to the server being measured, as Redis's RESP client leaves it to
// redis-server. Answers are checked through the real client package
// (checkAnswers); here a response must be 200 with code 0 and one row.
type rawConn struct {
	c    net.Conn
	br   *bufio.Reader
	req  []byte
	body []byte
}

func dialRaw(addr string) (*rawConn, error) {
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return nil, err
	}
	return &rawConn{c: c, br: bufio.NewReaderSize(c, 16<<10)}, nil
}

func (rc *rawConn) Close() error { return rc.c.Close() }

// requestW1 posts one W1 request row to a deployment and checks the answer.
func (rc *rawConn) requestW1(path string, q *w1Req) error {
	b := rc.body[:0]
	b = append(b, `{"input":[[`...)
	b = strconv.AppendQuote(b, q.user)
	b = append(b, ',')
	b = strconv.AppendInt(b, q.ts, 10)
	b = append(b, ',')
	b = strconv.AppendFloat(b, q.amount, 'g', -1, 64)
	b = append(b, ',')
	b = strconv.AppendQuote(b, q.cat)
	b = append(b, ',')
	b = strconv.AppendInt(b, int64(q.flag), 10)
	b = append(b, `]],"need_schema":false}`...)
	rc.body = b
	status, resp, err := rc.post(path, b)
	if err != nil {
		return err
	}
	if status != 200 || !bytes.HasPrefix(resp, []byte(`{"code":0,`)) || bytes.Count(resp, []byte("[[")) != 1 {
		return fmt.Errorf("HTTP %d: %.200s", status, resp)
	}
	return nil
}

// post sends one request and reads its response; the returned body is valid
// until the next call.
func (rc *rawConn) post(path string, body []byte) (int, []byte, error) {
	r := rc.req[:0]
	r = append(r, "POST "...)
	r = append(r, path...)
	r = append(r, " HTTP/1.1\r\nHost: bench\r\nContent-Type: application/json\r\nContent-Length: "...)
	r = strconv.AppendInt(r, int64(len(body)), 10)
	r = append(r, "\r\n\r\n"...)
	r = append(r, body...)
	rc.req = r
	if _, err := rc.c.Write(r); err != nil {
		return 0, nil, err
	}
	line, err := rc.br.ReadSlice('\n')
	if err != nil {
		return 0, nil, err
	}
	if len(line) < 12 || !bytes.HasPrefix(line, []byte("HTTP/1.")) {
		return 0, nil, fmt.Errorf("bad status line %q", line)
	}
	status, err := strconv.Atoi(string(line[9:12]))
	if err != nil {
		return 0, nil, fmt.Errorf("bad status line %q", line)
	}
	n := -1
	for {
		line, err = rc.br.ReadSlice('\n')
		if err != nil {
			return 0, nil, err
		}
		if len(line) <= 2 {
			break
		}
		if k, v, ok := bytes.Cut(line, []byte(":")); ok {
			switch {
			case bytes.EqualFold(k, []byte("Content-Length")):
				if n, err = strconv.Atoi(string(bytes.TrimSpace(v))); err != nil {
					return 0, nil, fmt.Errorf("bad Content-Length %q", v)
				}
			case bytes.EqualFold(k, []byte("Transfer-Encoding")):
				return 0, nil, errors.New("a chunked response: the load generator reads Content-Length bodies only")
			}
		}
	}
	if n < 0 {
		return 0, nil, errors.New("a response without Content-Length")
	}
	if cap(rc.req) < n {
		rc.req = make([]byte, n)
	}
	resp := rc.req[:n]
	if _, err := io.ReadFull(rc.br, resp); err != nil {
		return 0, nil, err
	}
	return status, resp, nil
}
