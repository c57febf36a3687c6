package planner

import (
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/sundialdb/sundial/types"
)

// Arg describes one argument of a call at bind time: its kind, and its value
// when the argument is a constant (Const is then true).
type Arg struct {
	Kind  types.Kind
	Const bool
	Value types.Value
}

// Resolved is how a call with given arguments is typed: the kind of its
// result, and the kind each argument is implicitly cast to before the call
// (ArgKinds[i] == args[i].Kind when no cast is needed).
type Resolved struct {
	Result   types.Kind
	ArgKinds []types.Kind
}

// Signature declares a function to the planner. Implementations live in
// exec/expr (scalar) and exec/agg (aggregate), keyed by Name; a test in each
// of those packages checks that every signature has one.
type Signature struct {
	Name      string // lower-case
	Aggregate bool
	// Doc is one line for SHOW FUNCTIONS.
	Doc string
	// Resolve types a call, or returns an error naming what is wrong with
	// which argument (e.g. "argument 2 of topn_frequency must be a constant integer").
	Resolve func(args []Arg) (Resolved, error)
}

var registry = struct {
	sync.RWMutex
	m map[string]*Signature
}{m: map[string]*Signature{}}

// Register declares a function. It panics on a duplicate name: registration
// happens in init functions, where a duplicate is a programming error.
func Register(s *Signature) {
	registry.Lock()
	defer registry.Unlock()
	name := strings.ToLower(s.Name)
	if _, dup := registry.m[name]; dup {
		panic(fmt.Sprintf("planner: function %s registered twice", name))
	}
	s.Name = name
	registry.m[name] = s
}

// Alias registers another name for an existing function.
func Alias(alias, name string) {
	registry.Lock()
	defer registry.Unlock()
	s, ok := registry.m[strings.ToLower(name)]
	if !ok {
		panic(fmt.Sprintf("planner: alias %s of unknown function %s", alias, name))
	}
	registry.m[strings.ToLower(alias)] = s
}

// Lookup finds a function by name (case-insensitive).
func Lookup(name string) (*Signature, bool) {
	registry.RLock()
	defer registry.RUnlock()
	s, ok := registry.m[strings.ToLower(name)]
	return s, ok
}

// Functions returns every registered name (aliases included), sorted.
func Functions() []string {
	registry.RLock()
	defer registry.RUnlock()
	names := make([]string, 0, len(registry.m))
	for n := range registry.m {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}
