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
//	sql       interactive SQL shell; or run statements from -e, -f or a
//	          non-terminal standard input
//	parse     parse a script and print each statement in canonical form (a
//	          linter for files of thousands of statements)
//	version   print the version
//	help      print usage, or the flags of one command
//
// Until the executor exists, "running" a statement in the shell means
// printing its canonical form (see sql.Format); the runner interface in
// runner.go is where an executor plugs in.
//
// Exit status: 0 on success, 1 when a statement failed (after all of them
// were processed), 2 on a usage error. Logs go to standard error through
// log/slog; -log-level sets the level (debug, info, warn, error).
package main
