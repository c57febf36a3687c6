// Package types is Sundial's ground floor: the SQL types (kinds), their
// OpenMLDB names and aliases, and (as execution arrives) values, NULLs,
// schemas and the engine's time-zone setting. It imports nothing of ours.
package types
