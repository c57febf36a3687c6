// Command sundial is Sundial's single binary: a SQL feature engine in the
// style of OpenMLDB. Every entry point is a subcommand; this package is thin
// wiring (flags, input and output) over the library packages.
//
// Usage:
//
//	sundial [-log-level LEVEL] <command> [flags] [arguments]
//
// Commands:
//
//	sql          interactive SQL shell; or run statements from -e, -f or a
//	             non-terminal standard input (through a session: runner.go)
//	batch        compute features over Parquet/CSV files, in memory or out of core
//	server       serve the REST API over an embedded instance
//	verify       compare online answers with the batch features, bit for bit
//	conformance  run OpenMLDB-format cases in batch and/or request mode
//	parse        parse a script and print each statement in canonical form (a
//	             linter for files of thousands of statements)
//	version      print the version
//	help         print usage, or the flags of one command
//
// Exit status: 0 on success, 1 when a statement or the command's work failed
// (after all statements were processed), 2 on a usage error. Logs go to
// standard error through log/slog; -log-level sets the level (debug, info,
// warn, error).
package main
