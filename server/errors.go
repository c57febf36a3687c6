package server

import (
	"context"
	"errors"
	"io/fs"
	"net/http"

	"github.com/sundialdb/sundial/exec/online"
	"github.com/sundialdb/sundial/planner"
	"github.com/sundialdb/sundial/session"
	"github.com/sundialdb/sundial/sql"
	"github.com/sundialdb/sundial/storage"
)

// Errors of the server's own (request decoding, routing, limits). Like the
// engine's sentinels they are matched with errors.Is and mapped to a status
// by statusTable.
var (
	// ErrBadRequest: the request body or a parameter is malformed (JSON,
	// arity, a value of the wrong type); the message names the field.
	ErrBadRequest = errors.New("server: bad request")
	// ErrNotFound: no route for the path.
	ErrNotFound = errors.New("server: not found")
	// ErrTooLarge: the body exceeds the configured limit.
	ErrTooLarge = errors.New("server: request body too large")
)

// statusTable maps every error sentinel the server can meet to an HTTP
// status: the first entry the error matches (errors.Is) wins, an error that
// matches none is a 500. This is the one place where errors become statuses.
var statusTable = []struct {
	err    error
	status int
}{
	{ErrBadRequest, http.StatusBadRequest},
	{ErrTooLarge, http.StatusRequestEntityTooLarge},
	{ErrNotFound, http.StatusNotFound},
	{sql.ErrSyntax, http.StatusBadRequest},
	{planner.ErrType, http.StatusBadRequest},
	{online.ErrRequest, http.StatusBadRequest},
	{session.ErrSetting, http.StatusBadRequest},
	{storage.ErrRow, http.StatusBadRequest},
	{storage.ErrKey, http.StatusBadRequest},
	{storage.ErrSchema, http.StatusBadRequest},
	{fs.ErrNotExist, http.StatusBadRequest}, // a file named by LOAD DATA
	{planner.ErrUnknown, http.StatusNotFound},
	{planner.ErrExists, http.StatusConflict},
	{planner.ErrUnsupported, http.StatusUnprocessableEntity},
	{session.ErrMode, http.StatusUnprocessableEntity},
	{context.DeadlineExceeded, http.StatusServiceUnavailable},
	{context.Canceled, http.StatusServiceUnavailable},
	{storage.ErrClosed, http.StatusServiceUnavailable},
}

// statusOf returns the HTTP status of err (200 for nil).
func statusOf(err error) int {
	if err == nil {
		return http.StatusOK
	}
	for _, e := range statusTable {
		if errors.Is(err, e.err) {
			return e.status
		}
	}
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return http.StatusRequestEntityTooLarge
	}
	return http.StatusInternalServerError
}

// fieldError is a request-decoding error naming the field at fault, e.g.
// `input[2][1] (column ts): expected an integer timestamp, got "abc"`.
// It prints as its message alone and matches its kind (ErrBadRequest unless
// set).
type fieldError struct {
	msg  string
	kind error
}

func (e *fieldError) Error() string { return e.msg }

// Unwrap returns the sentinel the error matches.
func (e *fieldError) Unwrap() error {
	if e.kind == nil {
		return ErrBadRequest
	}
	return e.kind
}

func badRequest(msg string) error { return &fieldError{msg: msg} }
