package conformance

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Env is what a runner supplies for the placeholders of case texts. Zero
// fields get the defaults documented on each field.
type Env struct {
	// RootPath replaces {root_path}: a scratch directory for SELECT ... INTO
	// OUTFILE and LOAD DATA. Default DefaultRootPath.
	RootPath string
	// Now is the time {currentTime} stands for in row values. Zero means
	// time.Now() at each resolution; set it once per case for consistent rows.
	Now time.Time
	// DBName replaces {db_name}. Default: the case's DB, else "db".
	DBName string
	// SPName replaces {sp_name} (the deployment of long-window cases).
	// Default: "sp_<case index>".
	SPName string
	// TabletEndpoints[N] replaces {tb_endpoint_N}. Default for a missing
	// entry: "127.0.0.1:<10921+N>".
	TabletEndpoints []string
}

// DefaultRootPath is the {root_path} used when Env.RootPath is empty.
const DefaultRootPath = "/tmp/sundial_conformance"

func (e Env) nowMillis() int64 {
	if e.Now.IsZero() {
		return time.Now().UnixMilli()
	}
	return e.Now.UnixMilli()
}

// TableName returns the name of input i: inputs[i].name, or "auto_t<i>"
// (the name OpenMLDB's C++ runner generates) when the input is unnamed
// (recorded as the literal "{i}"). It returns "" when there is no input i.
func (c *Case) TableName(i int) string {
	if i < 0 || i >= len(c.Inputs) {
		return ""
	}
	name := c.Inputs[i].Name
	if name == "" || name == "{"+strconv.Itoa(i)+"}" {
		return "auto_t" + strconv.Itoa(i)
	}
	return name
}

// Substitute replaces the placeholders of a case text: {i} (input i's table
// name, see TableName), {auto} (a fresh name "auto_<case index>_<n>", n
// counting from 0 within this call), {root_path}, {db_name}, {sp_name} and
// {tb_endpoint_N} (see Env). Placeholders are replaced wherever they occur,
// inside quoted strings and identifiers too ('{root_path}/a.csv',
// deploy_{0}). Anything else in braces, and {i} without an input i, is left
// as it is. c may be nil (then only the Env placeholders are replaced).
func Substitute(sql string, c *Case, env Env) string {
	s := substituter{c: c, env: env}
	return s.run(sql)
}

// substituter carries the {auto} counter across the statements of a case.
type substituter struct {
	c    *Case
	env  Env
	auto int
}

func (s *substituter) run(text string) string {
	if strings.IndexByte(text, '{') < 0 {
		return text
	}
	var b strings.Builder
	b.Grow(len(text) + 16)
	i := 0
	for i < len(text) {
		j := strings.IndexByte(text[i:], '{')
		if j < 0 {
			b.WriteString(text[i:])
			break
		}
		j += i
		b.WriteString(text[i:j])
		k := j + 1
		for k < len(text) && isPlaceholderByte(text[k]) {
			k++
		}
		if k > j+1 && k < len(text) && text[k] == '}' {
			if rep, ok := s.resolve(text[j+1 : k]); ok {
				b.WriteString(rep)
				i = k + 1
				continue
			}
		}
		b.WriteByte('{')
		i = j + 1
	}
	return b.String()
}

func isPlaceholderByte(ch byte) bool {
	return ch == '_' || '0' <= ch && ch <= '9' || 'a' <= ch && ch <= 'z' || 'A' <= ch && ch <= 'Z'
}

func (s *substituter) resolve(name string) (string, bool) {
	if n, ok := atoi(name); ok {
		if s.c == nil || n >= len(s.c.Inputs) {
			return "", false
		}
		return s.c.TableName(n), true
	}
	switch name {
	case "auto":
		idx := 0
		if s.c != nil {
			idx = s.c.Index
		}
		n := s.auto
		s.auto++
		return fmt.Sprintf("auto_%d_%d", idx, n), true
	case "root_path":
		if s.env.RootPath != "" {
			return s.env.RootPath, true
		}
		return DefaultRootPath, true
	case "db_name":
		switch {
		case s.env.DBName != "":
			return s.env.DBName, true
		case s.c != nil && s.c.DB != "":
			return s.c.DB, true
		}
		return "db", true
	case "sp_name":
		if s.env.SPName != "" {
			return s.env.SPName, true
		}
		idx := 0
		if s.c != nil {
			idx = s.c.Index
		}
		return "sp_" + strconv.Itoa(idx), true
	}
	if rest, ok := strings.CutPrefix(name, "tb_endpoint_"); ok {
		if n, ok := atoi(rest); ok {
			if n < len(s.env.TabletEndpoints) && s.env.TabletEndpoints[n] != "" {
				return s.env.TabletEndpoints[n], true
			}
			return "127.0.0.1:" + strconv.Itoa(10921+n), true
		}
	}
	return "", false
}

// atoi parses a short run of decimal digits.
func atoi(s string) (int, bool) {
	if s == "" || len(s) > 6 {
		return 0, false
	}
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
		n = n*10 + int(s[i]-'0')
	}
	return n, true
}

// ResolveTimeValue resolves a row value of the form "{currentTime}",
// "{currentTime}-N" or "{currentTime}+N" (N milliseconds; spaces allowed
// around the sign) to epoch milliseconds relative to now. ok is false for
// any other string.
func ResolveTimeValue(s string, now time.Time) (ms int64, ok bool) {
	rest, ok := strings.CutPrefix(strings.TrimSpace(s), "{currentTime}")
	if !ok {
		return 0, false
	}
	base := now.UnixMilli()
	rest = strings.TrimSpace(rest)
	if rest == "" {
		return base, true
	}
	sign := rest[0]
	if sign != '-' && sign != '+' {
		return 0, false
	}
	n, err := strconv.ParseInt(strings.TrimSpace(rest[1:]), 10, 64)
	if err != nil || n < 0 {
		return 0, false
	}
	if sign == '-' {
		return base - n, true
	}
	return base + n, true
}

// ResolveRow returns row with its {currentTime} values (see ResolveTimeValue)
// replaced by epoch milliseconds as json.Number, relative to env.Now. The
// row is copied only when something changes.
func ResolveRow(row Row, env Env) Row {
	var out Row
	var now time.Time
	for i, v := range row {
		s, ok := v.(string)
		if !ok || !strings.Contains(s, "{currentTime}") {
			continue
		}
		if out == nil {
			out = append(Row(nil), row...)
			now = time.UnixMilli(env.nowMillis())
		}
		if ms, ok := ResolveTimeValue(s, now); ok {
			out[i] = json.Number(strconv.FormatInt(ms, 10))
		}
	}
	if out == nil {
		return row
	}
	return out
}

// ResolveRows applies ResolveRow to every row, with one "now" for all of them.
func ResolveRows(rows []Row, env Env) []Row {
	if env.Now.IsZero() {
		env.Now = time.UnixMilli(env.nowMillis())
	}
	out := make([]Row, len(rows))
	for i, r := range rows {
		out[i] = ResolveRow(r, env)
	}
	return out
}
