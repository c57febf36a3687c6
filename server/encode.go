package server

import (
	"math"
	"strconv"
	"sync"
	"time"

	"github.com/sundialdb/sundial/jsonwire"
	"github.com/sundialdb/sundial/types"
)

// Responses are written by appending to a pooled byte slice: values go out
// without reflection (the hot path of a feature request).

var bufPool = sync.Pool{New: func() any { b := make([]byte, 0, 4096); return &b }}

func getBuf() *[]byte { return bufPool.Get().(*[]byte) }

func putBuf(b *[]byte) {
	if cap(*b) > 1<<20 {
		return // do not keep large buffers alive
	}
	*b = (*b)[:0]
	bufPool.Put(b)
}

// appendValue appends v as a JSON value: numbers for the numeric kinds and
// timestamps (milliseconds since the epoch), "YYYY-MM-DD" for dates, null
// for NULL and for floating-point values JSON cannot write (NaN, ±Inf).
func appendValue(b []byte, v types.Value) []byte {
	if v.Null {
		return append(b, "null"...)
	}
	switch v.Kind {
	case types.Bool:
		if v.I != 0 {
			return append(b, "true"...)
		}
		return append(b, "false"...)
	case types.Int16, types.Int32, types.Int64, types.Timestamp:
		return strconv.AppendInt(b, v.I, 10)
	case types.Float:
		return appendFloat(b, v.F, 32)
	case types.Double:
		return appendFloat(b, v.F, 64)
	case types.String:
		return jsonwire.AppendString(b, v.S, false)
	case types.Date:
		b = append(b, '"')
		b = time.Unix(v.I*86400, 0).UTC().AppendFormat(b, "2006-01-02")
		return append(b, '"')
	}
	return append(b, "null"...)
}

// appendFloat writes f as encoding/json does (jsonwire.AppendFloat), and
// NaN and ±Inf, which JSON lacks, as null.
func appendFloat(b []byte, f float64, bits int) []byte {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return append(b, "null"...)
	}
	return jsonwire.AppendFloat(b, f, bits)
}

// OpenMLDB's names of the types, in the three places its APIServer writes them.

// queryTypeName is the type in the schema of a query result (POST /dbs/{db}).
func queryTypeName(k types.Kind) string {
	switch k {
	case types.Bool:
		return "Bool"
	case types.Int16:
		return "Int16"
	case types.Int32:
		return "Int32"
	case types.Int64:
		return "Int64"
	case types.Float:
		return "Float"
	case types.Double:
		return "Double"
	case types.String:
		return "String"
	case types.Date:
		return "Date"
	case types.Timestamp:
		return "Timestamp"
	case types.Null:
		return "Null"
	}
	return "Unknown"
}

// deploymentTypeName is the type in a deployment's schemas (need_schema,
// GET /dbs/{db}/deployments/{name}).
func deploymentTypeName(k types.Kind) string {
	switch k {
	case types.Bool:
		return "bool"
	case types.Int16:
		return "int16"
	case types.Int32:
		return "int32"
	case types.Int64:
		return "int64"
	case types.Float:
		return "float"
	case types.Double:
		return "double"
	case types.String:
		return "string"
	case types.Date:
		return "date"
	case types.Timestamp:
		return "timestamp"
	}
	return "unknownType"
}

// columnTypeName is the data_type of a table column (GET /dbs/{db}/tables).
func columnTypeName(k types.Kind) string {
	switch k {
	case types.Bool:
		return "kBool"
	case types.Int16:
		return "kSmallInt"
	case types.Int32:
		return "kInt"
	case types.Int64:
		return "kBigInt"
	case types.Float:
		return "kFloat"
	case types.Double:
		return "kDouble"
	case types.String:
		return "kVarchar"
	case types.Date:
		return "kDate"
	case types.Timestamp:
		return "kTimestamp"
	}
	return "kUnknown"
}
