// Package jsonwire holds the JSON text routines that the REST server and its
// Go client share on their request paths, where encoding/json's reflection
// costs too much: writing a string or a float as encoding/json does, and
// checking JSON text (white space, strings, numbers, literals, whole values).
// It imports only the standard library.
package jsonwire
