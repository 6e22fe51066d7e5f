package jsonpath

import (
	"errors"
	"fmt"
)

// SyntaxError is the error Parse returns for a malformed template. Its message is client-go's, word for word
// ("unclosed action", "unrecognized character in action: U+002A '*'", ...).
type SyntaxError struct {
	// Name is the template's name as given to Parse.
	Name string
	// Msg is client-go's message.
	Msg string
}

// Error returns Msg.
func (e *SyntaxError) Error() string { return e.Msg }

// NotFoundError reports a field the template names that the data does not have, when missing keys are not allowed:
// "<key> is not found".
type NotFoundError struct {
	Key string
}

// Error returns "<key> is not found".
func (e *NotFoundError) Error() string { return e.Key + " is not found" }

// EvalError is any other failure to evaluate a template against data: a value of the wrong type ("string is not
// array or slice"), an index out of bounds, an impossible comparison. Its message is client-go's.
type EvalError struct {
	Msg string
}

// Error returns Msg.
func (e *EvalError) Error() string { return e.Msg }

// ErrTooExpensive is returned (wrapped in no other error) by an evaluation that would exceed the work limit: about
// a million values produced in all, counting every step. client-go has no limit.
var ErrTooExpensive = errors.New("jsonpath: evaluation exceeds the work limit")

func evalErrorf(format string, args ...any) *EvalError {
	return &EvalError{Msg: fmt.Sprintf(format, args...)}
}
