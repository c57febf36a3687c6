package types

import "testing"

func TestLookupKind(t *testing.T) {
	for name, want := range map[string]Kind{
		"INT32": Int32, "int64": Int64, "Int16": Int16, "varchar": String,
		"string": String, "timestamp": Timestamp, "DATE": Date, "double": Double,
		"float": Float, "bool": Bool, "bigint": Int64, "smallint": Int16,
	} {
		got, ok := LookupKind(name)
		if !ok || got != want {
			t.Errorf("LookupKind(%q) = %v, %v; want %v", name, got, ok, want)
		}
	}
	if _, ok := LookupKind("decimal"); ok {
		t.Errorf("decimal must not resolve: OpenMLDB has no decimal type")
	}
	for k := Bool; k <= Date; k++ {
		if got, ok := LookupKind(k.String()); !ok || got != k {
			t.Errorf("canonical name %q does not resolve back to %v", k.String(), k)
		}
	}
}
