// Package sql owns Sundial's SQL dialect (OpenMLDB's): it splits scripts into
// statements, parses each into Sundial's own AST (ast.go) and prints the AST
// back in canonical form. The MySQL core is parsed by the TiDB parser; a
// token-level pre-pass lifts OpenMLDB's extensions out first and maps error
// positions back to the user's text. No other package imports the TiDB parser.
package sql
