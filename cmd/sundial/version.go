package main

import (
	"flag"
	"fmt"
	"runtime"
	"runtime/debug"
)

// version is set at link time: go build -ldflags "-X main.version=v0.1.0".
// When empty, the module version recorded by 'go install module@version'
// is used, or "dev".
var version string

var versionCommand = &command{
	name:     "version",
	summary:  "print the version",
	synopsis: "sundial version",
	help:     "Version prints Sundial's version and the Go toolchain and platform it was built for.",
	flags: func(fs *flag.FlagSet) func(*env, []string) int {
		return func(e *env, args []string) int {
			if len(args) > 0 {
				return usageError(e, "version", "unexpected arguments: %q", args)
			}
			fmt.Fprintf(e.stdout, "sundial %s (%s %s/%s)\n", buildVersion(), runtime.Version(), runtime.GOOS, runtime.GOARCH)
			return exitOK
		}
	},
}

func buildVersion() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "dev"
}
