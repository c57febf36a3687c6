package types

import (
	"fmt"
	"strings"
)

// Kind is a SQL column type. The zero value is Invalid.
type Kind uint8

// The kinds OpenMLDB (and so Sundial) supports.
const (
	Invalid Kind = iota
	Bool
	Int16 // smallint
	Int32 // int
	Int64 // bigint
	Float
	Double
	String
	Timestamp // milliseconds since the Unix epoch
	Date
	Null // the type of the NULL literal before it is cast
)

var kindNames = [...]string{
	Invalid:   "invalid",
	Bool:      "bool",
	Int16:     "smallint",
	Int32:     "int",
	Int64:     "bigint",
	Float:     "float",
	Double:    "double",
	String:    "string",
	Timestamp: "timestamp",
	Date:      "date",
	Null:      "null",
}

// String returns the canonical OpenMLDB name of k.
func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("kind(%d)", uint8(k))
}

// aliases maps every accepted (lower-case) type name to its kind.
var aliases = map[string]Kind{
	"bool": Bool, "boolean": Bool,
	"smallint": Int16, "int16": Int16, "i16": Int16,
	"int": Int32, "integer": Int32, "int32": Int32, "i32": Int32,
	"bigint": Int64, "int64": Int64, "i64": Int64, "long": Int64,
	"float": Float, "float32": Float,
	"double": Double, "float64": Double,
	"string": String, "varchar": String, "text": String, "char": String,
	"timestamp": Timestamp,
	"date":      Date,
}

// LookupKind resolves an OpenMLDB type name or alias (case-insensitive).
func LookupKind(name string) (Kind, bool) {
	k, ok := aliases[strings.ToLower(name)]
	return k, ok
}

// IsInteger reports whether k is one of the integer kinds.
func (k Kind) IsInteger() bool { return k == Int16 || k == Int32 || k == Int64 }

// IsNumeric reports whether k is an integer or floating-point kind.
func (k Kind) IsNumeric() bool { return k.IsInteger() || k == Float || k == Double }
