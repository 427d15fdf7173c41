package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// flagSet is a flag.FlagSet whose flags may take their defaults from
// environment variables. It is the only place that reads the environment
// for configuration, through the getenv it is given, so tests pass their own.
type flagSet struct {
	*flag.FlagSet
	getenv func(string) string
	errs   []error // bad environment values, reported by parse
}

func newFlagSet(name string, getenv func(string) string, stderr io.Writer) *flagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return &flagSet{FlagSet: fs, getenv: getenv}
}

func withEnv(usage, env string) string {
	if env == "" {
		return usage
	}
	return usage + " (env " + env + ")"
}

// stringVar defines a string flag defaulting to $env, else def.
func (f *flagSet) stringVar(p *string, name, env, def, usage string) {
	if v := f.env(env); v != "" {
		def = v
	}
	f.StringVar(p, name, def, withEnv(usage, env))
}

// durationVar defines a duration flag defaulting to $env, else def.
func (f *flagSet) durationVar(p *time.Duration, name, env string, def time.Duration, usage string) {
	if v := f.env(env); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			f.errs = append(f.errs, fmt.Errorf("environment variable %s=%q is not a duration such as 500ms or 2s", env, v))
		} else {
			def = d
		}
	}
	f.DurationVar(p, name, def, withEnv(usage, env))
}

// intVar defines an int flag defaulting to $env, else def.
func (f *flagSet) intVar(p *int, name, env string, def int, usage string) {
	if v := f.env(env); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			f.errs = append(f.errs, fmt.Errorf("environment variable %s=%q is not a whole number", env, v))
		} else {
			def = n
		}
	}
	f.IntVar(p, name, def, withEnv(usage, env))
}

// listVar defines a repeatable flag; $env, if set, gives comma-separated defaults.
func (f *flagSet) listVar(p *[]string, name, env, usage string) {
	l := &listValue{p: p}
	if v := f.env(env); v != "" {
		for _, s := range strings.Split(v, ",") {
			if s = strings.TrimSpace(s); s != "" {
				*p = append(*p, s)
			}
		}
		l.fromEnv = true
	}
	f.Var(l, name, withEnv(usage+" (repeatable)", env))
}

func (f *flagSet) env(name string) string {
	if name == "" || f.getenv == nil {
		return ""
	}
	return strings.TrimSpace(f.getenv(name))
}

// parse parses args, allowing flags after positional arguments
// ("search graph networks -n 5"), and returns the positional ones.
// "--" ends flag parsing.
func (f *flagSet) parse(args []string) ([]string, error) {
	if len(f.errs) > 0 {
		return nil, errors.Join(f.errs...)
	}
	var pos []string
	for {
		if err := f.Parse(args); err != nil {
			return nil, err
		}
		rest := f.Args()
		if used := len(args) - len(rest); used > 0 && args[used-1] == "--" {
			return append(pos, rest...), nil
		}
		if len(rest) == 0 {
			return pos, nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

// listValue collects repeated flag values. Values from the environment are
// defaults: the first value given on the command line replaces them.
type listValue struct {
	p       *[]string
	fromEnv bool
}

func (l *listValue) String() string {
	if l == nil || l.p == nil {
		return ""
	}
	return strings.Join(*l.p, ",")
}

func (l *listValue) Set(s string) error {
	if l.fromEnv {
		*l.p, l.fromEnv = nil, false
	}
	*l.p = append(*l.p, s)
	return nil
}
