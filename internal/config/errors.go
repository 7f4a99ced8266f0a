package config

import "fmt"

// Error is a configuration error tied to a file and line, printed the way
// nginx prints them: "<Msg> in <File>:<Line>".
type Error struct {
	File string
	Line int
	Msg  string
}

func (e *Error) Error() string { return fmt.Sprintf("%s in %s:%d", e.Msg, e.File, e.Line) }

func errAt(file string, line int, format string, args ...any) *Error {
	return &Error{File: file, Line: line, Msg: fmt.Sprintf(format, args...)}
}
