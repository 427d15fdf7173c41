package main

import (
	"context"
	"errors"
	"flag"

	"golang.org/x/term"
	"os"
)

// usageError is a mistake in the command line: exit code 2.
type usageError string

func (e usageError) Error() string { return string(e) }

// message is the one line a user sees for err.
func message(err error) string {
	if errors.Is(err, context.Canceled) {
		return "interrupted; everything committed so far is kept: run the same command again to resume"
	}
	return err.Error()
}

func exitCode(err error) int {
	var ue usageError
	switch {
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.As(err, &ue):
		return 2
	case errors.Is(err, context.Canceled):
		return 130
	}
	return 1
}

func isTerminal(f *os.File) bool { return term.IsTerminal(int(f.Fd())) }
