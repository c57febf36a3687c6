package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Client talks to one Sundial server. Its methods are safe for concurrent use.
type Client struct {
	base string
	http *http.Client
}

// New returns a client of the server at baseURL (e.g. "http://127.0.0.1:8080").
// hc may be nil for a client with keep-alive connections and a 30 s timeout.
func New(baseURL string, hc *http.Client) *Client {
	if hc == nil {
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.MaxIdleConnsPerHost = 64
		hc = &http.Client{Transport: tr, Timeout: 30 * time.Second}
	}
	return &Client{base: strings.TrimRight(baseURL, "/"), http: hc}
}

// Error is a failed call: the HTTP status and the server's code and msg.
type Error struct {
	Status int    // HTTP status
	Code   int    // the "code" of the JSON body (nonzero)
	Msg    string // the "msg" of the JSON body
}

func (e *Error) Error() string {
	return fmt.Sprintf("sundial: %d %s: %s", e.Status, http.StatusText(e.Status), e.Msg)
}

// StatusOf returns the HTTP status of an *Error in err's chain, or 0.
func StatusOf(err error) int {
	var e *Error
	if errors.As(err, &e) {
		return e.Status
	}
	return 0
}

// Column is a column of a schema: its name and type (OpenMLDB's names:
// bool, int16, int32, int64, float, double, string, date, timestamp).
type Column struct {
	Name string `json:"name"`
	Type string `json:"type"`
}

// Features is what a deployment answered: one row per request row.
// Values are json.Number (numbers and timestamps), string (strings and
// dates "YYYY-MM-DD"), bool, or nil (NULL).
type Features struct {
	Schema []Column
	Rows   [][]any
}

// Result is what a SQL request returned: rows for a query (Types in
// OpenMLDB's names, Int32, String, ...), and the server's message.
type Result struct {
	Msg   string
	Types []string
	Names []string
	Rows  [][]any
}

// Table is a table as the server describes it.
type Table struct {
	Name       string `json:"name"`
	DB         string `json:"db"`
	ColumnDesc []struct {
		Name     string `json:"name"`
		DataType string `json:"data_type"`
		NotNull  bool   `json:"not_null"`
	} `json:"column_desc"`
	ColumnKey []struct {
		IndexName string   `json:"index_name"`
		ColName   []string `json:"col_name"`
		TSName    string   `json:"ts_name"`
		TTL       struct {
			TTLType string `json:"ttl_type"`
			AbsTTL  int64  `json:"abs_ttl"`
			LatTTL  int64  `json:"lat_ttl"`
		} `json:"ttl"`
	} `json:"column_key"`
}

// Deployment is a deployment as the server describes it.
type Deployment struct {
	Name         string   `json:"name"`
	Procedure    string   `json:"procedure"`
	InputSchema  []Column `json:"input_schema"`
	OutputSchema []Column `json:"output_schema"`
	DBs          []string `json:"dbs"`
	Tables       []string `json:"tables"`
}

// Health checks that the server answers.
func (c *Client) Health(ctx context.Context) error {
	return c.Do(ctx, http.MethodGet, "/health", nil, nil)
}

// SQL runs statements in database db. mode is online, offline or request
// ("" for the server's default, online).
func (c *Client) SQL(ctx context.Context, db, sql, mode string) (*Result, error) {
	var out struct {
		Msg  string `json:"msg"`
		Data *struct {
			Schema []string `json:"schema"`
			Names  []string `json:"names"`
			Data   [][]any  `json:"data"`
		} `json:"data"`
	}
	body := map[string]string{"sql": sql}
	if mode != "" {
		body["mode"] = mode
	}
	if err := c.Do(ctx, http.MethodPost, "/dbs/"+url.PathEscape(db), body, &out); err != nil {
		return nil, err
	}
	res := &Result{Msg: out.Msg}
	if out.Data != nil {
		res.Types, res.Names, res.Rows = out.Data.Schema, out.Data.Names, out.Data.Data
	}
	return res, nil
}

// Insert stores rows (values in the table's column order) in db.table: all
// of them, or none when one is bad.
func (c *Client) Insert(ctx context.Context, db, table string, rows [][]any) error {
	return c.Do(ctx, http.MethodPut, "/dbs/"+url.PathEscape(db)+"/tables/"+url.PathEscape(table), map[string]any{"data": rows}, nil)
}

// InsertObjects stores rows given as objects keyed by column name.
func (c *Client) InsertObjects(ctx context.Context, db, table string, rows []map[string]any) error {
	return c.Do(ctx, http.MethodPut, "/dbs/"+url.PathEscape(db)+"/tables/"+url.PathEscape(table), map[string]any{"data": rows}, nil)
}

// Request asks deployment db.name for the features of rows (values in the
// column order of the deployment's main table).
func (c *Client) Request(ctx context.Context, db, deployment string, rows [][]any) (*Features, error) {
	var out struct {
		Data struct {
			Schema []Column `json:"schema"`
			Data   [][]any  `json:"data"`
		} `json:"data"`
	}
	path := "/dbs/" + url.PathEscape(db) + "/deployments/" + url.PathEscape(deployment)
	if err := c.Do(ctx, http.MethodPost, path, map[string]any{"input": rows, "need_schema": true}, &out); err != nil {
		return nil, err
	}
	return &Features{Schema: out.Data.Schema, Rows: out.Data.Data}, nil
}

// RequestData is Request without the output schema (need_schema false, the
// APIServer's default): the rows' values only, in the deployment's output
// column order. A smaller answer, for callers that know the schema.
func (c *Client) RequestData(ctx context.Context, db, deployment string, rows [][]any) ([][]any, error) {
	var out struct {
		Data struct {
			Data [][]any `json:"data"`
		} `json:"data"`
	}
	path := "/dbs/" + url.PathEscape(db) + "/deployments/" + url.PathEscape(deployment)
	if err := c.Do(ctx, http.MethodPost, path, map[string]any{"input": rows}, &out); err != nil {
		return nil, err
	}
	return out.Data.Data, nil
}

// Databases lists the databases.
func (c *Client) Databases(ctx context.Context) ([]string, error) {
	var out struct {
		DBs []string `json:"dbs"`
	}
	err := c.Do(ctx, http.MethodGet, "/dbs", nil, &out)
	return out.DBs, err
}

// Tables describes the tables of db.
func (c *Client) Tables(ctx context.Context, db string) ([]Table, error) {
	var out struct {
		Tables []Table `json:"tables"`
	}
	err := c.Do(ctx, http.MethodGet, "/dbs/"+url.PathEscape(db)+"/tables", nil, &out)
	return out.Tables, err
}

// Table describes db.table.
func (c *Client) Table(ctx context.Context, db, table string) (*Table, error) {
	var out struct {
		Table *Table `json:"table"`
	}
	if err := c.Do(ctx, http.MethodGet, "/dbs/"+url.PathEscape(db)+"/tables/"+url.PathEscape(table), nil, &out); err != nil {
		return nil, err
	}
	return out.Table, nil
}

// Deployments lists the deployments of db.
func (c *Client) Deployments(ctx context.Context, db string) ([]string, error) {
	var out struct {
		Deployments []string `json:"deployments"`
	}
	err := c.Do(ctx, http.MethodGet, "/dbs/"+url.PathEscape(db)+"/deployments", nil, &out)
	return out.Deployments, err
}

// Deployment describes deployment db.name.
func (c *Client) Deployment(ctx context.Context, db, name string) (*Deployment, error) {
	var out struct {
		Data *Deployment `json:"data"`
	}
	if err := c.Do(ctx, http.MethodGet, "/dbs/"+url.PathEscape(db)+"/deployments/"+url.PathEscape(name), nil, &out); err != nil {
		return nil, err
	}
	return out.Data, nil
}

// Do sends a request with body (marshalled to JSON unless it is a []byte,
// sent as is; nil for none) and decodes the JSON response into out (unless
// nil), numbers as json.Number. A non-2xx status or a nonzero "code" is an
// *Error.
func (c *Client) Do(ctx context.Context, method, path string, body, out any) error {
	var rd io.Reader
	if body != nil {
		b, ok := body.([]byte)
		if !ok {
			var err error
			if b, err = json.Marshal(body); err != nil {
				return fmt.Errorf("sundial: encoding the request: %w", err)
			}
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		return err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return fmt.Errorf("sundial: reading the response: %w", err)
	}
	var head struct {
		Code int    `json:"code"`
		Msg  string `json:"msg"`
	}
	if err := json.Unmarshal(data, &head); err != nil {
		if resp.StatusCode/100 != 2 {
			return &Error{Status: resp.StatusCode, Code: resp.StatusCode, Msg: strings.TrimSpace(string(data))}
		}
		return fmt.Errorf("sundial: %s %s: response is not JSON: %w", method, path, err)
	}
	if resp.StatusCode/100 != 2 || head.Code != 0 {
		return &Error{Status: resp.StatusCode, Code: head.Code, Msg: head.Msg}
	}
	if out != nil {
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.UseNumber()
		if err := dec.Decode(out); err != nil {
			return fmt.Errorf("sundial: %s %s: decoding the response: %w", method, path, err)
		}
	}
	return nil
}
