package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
)

// Exit statuses.
const (
	exitOK    = 0
	exitFail  = 1 // a statement (or the command's work) failed
	exitUsage = 2 // bad command line
)

// env is what a command sees of the process: its context and streams.
type env struct {
	ctx    context.Context
	stdin  *os.File
	stdout io.Writer
	stderr io.Writer
}

// command is one subcommand of the binary.
type command struct {
	name     string
	summary  string // one line for the command list
	synopsis string // the usage line, e.g. "sundial parse [-f file.sql]"
	help     string // a paragraph for 'sundial help <name>'
	// flags defines the command's flags on fs and returns the function
	// that runs the command, once fs is parsed, with the remaining
	// arguments. The function returns the exit status.
	flags func(fs *flag.FlagSet) func(e *env, args []string) int
}

// commands lists the subcommands in the order usage shows them. It is set
// in init because help refers back to it.
var commands []*command

func init() {
	commands = []*command{sqlCommand, batchCommand, serverCommand, verifyCommand, conformanceCommand, parseCommand, versionCommand, helpCommand}
}

func lookup(name string) *command {
	for _, c := range commands {
		if c.name == name {
			return c
		}
	}
	return nil
}

func main() {
	e := &env{ctx: context.Background(), stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr}
	os.Exit(run(e, os.Args[1:]))
}

// run parses the global flags, sets up logging and runs the subcommand
// named by the first argument. It returns the exit status.
func run(e *env, args []string) int {
	fs := flag.NewFlagSet("sundial", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = func() { usage(e.stderr) }
	logLevel := fs.String("log-level", "warn", "")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(*logLevel)); err != nil {
		fmt.Fprintf(e.stderr, "sundial: invalid -log-level %q: want debug, info, warn or error\n", *logLevel)
		return exitUsage
	}
	slog.SetDefault(slog.New(slog.NewTextHandler(e.stderr, &slog.HandlerOptions{
		Level: level,
		// A CLI's log lines need no timestamps.
		ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
			if len(groups) == 0 && a.Key == slog.TimeKey {
				return slog.Attr{}
			}
			return a
		},
	})))

	if fs.NArg() == 0 {
		usage(e.stderr)
		return exitUsage
	}
	name := fs.Arg(0)
	c := lookup(name)
	if c == nil {
		fmt.Fprintf(e.stderr, "sundial: unknown command %q\n\n", name)
		usage(e.stderr)
		return exitUsage
	}
	cfs := c.flagSet(e.stderr)
	runCmd := c.flags(cfs)
	if err := cfs.Parse(fs.Args()[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	slog.Debug("running command", "command", name, "args", cfs.Args())
	return runCmd(e, cfs.Args())
}

// flagSet returns an empty flag set for c whose usage goes to w.
func (c *command) flagSet(w io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(c.name, flag.ContinueOnError)
	fs.SetOutput(w)
	fs.Usage = func() { c.usage(fs.Output(), fs) }
	return fs
}

// usage prints the synopsis, description and flags of c.
func (c *command) usage(w io.Writer, fs *flag.FlagSet) {
	fmt.Fprintf(w, "Usage: %s\n\n%s\n", c.synopsis, c.help)
	hasFlags := false
	fs.VisitAll(func(*flag.Flag) { hasFlags = true })
	if hasFlags {
		fmt.Fprintf(w, "\nFlags:\n")
		fs.PrintDefaults()
	}
}

// usage prints the list of subcommands.
func usage(w io.Writer) {
	var b strings.Builder
	b.WriteString("Sundial is a SQL feature engine: the same windowed SQL backfills training data\nand serves features online.\n\n")
	b.WriteString("Usage:\n\n\tsundial [-log-level LEVEL] <command> [flags] [arguments]\n\nCommands:\n\n")
	for _, c := range commands {
		fmt.Fprintf(&b, "\t%-13s%s\n", c.name, c.summary)
	}
	b.WriteString("\nGlobal flags:\n\n\t-log-level LEVEL\n\t\tlevel of the logs on standard error: debug, info, warn or error (default warn)\n")
	b.WriteString("\nRun 'sundial help <command>' for the flags of a command.\n")
	io.WriteString(w, b.String())
}

// usageError reports a bad command line of a subcommand and returns exitUsage.
func usageError(e *env, name, format string, args ...any) int {
	fmt.Fprintf(e.stderr, "sundial %s: %s\nRun 'sundial help %s' for usage.\n", name, fmt.Sprintf(format, args...), name)
	return exitUsage
}

var helpCommand = &command{
	name:     "help",
	summary:  "print this help, or the usage of a command",
	synopsis: "sundial help [command]",
	help:     "Help prints the list of commands, or the usage and flags of the named command.",
	flags: func(fs *flag.FlagSet) func(*env, []string) int {
		return runHelp
	},
}

func runHelp(e *env, args []string) int {
	switch len(args) {
	case 0:
		usage(e.stdout)
		return exitOK
	case 1:
		c := lookup(args[0])
		if c == nil {
			fmt.Fprintf(e.stderr, "sundial help: unknown command %q\n\n", args[0])
			usage(e.stderr)
			return exitUsage
		}
		fs := c.flagSet(e.stdout)
		c.flags(fs)
		fs.Usage()
		return exitOK
	default:
		return usageError(e, "help", "too many arguments")
	}
}
