package eval

import (
	"errors"
	"fmt"
)

// Errors of compilation (Compile) and of evaluation (Env.Err). They are
// wrapped with %w and carry the detail; check them with errors.Is.
var (
	// ErrUnsupported is returned by Compile for a bound expression it does
	// not know (a function or operator added to the binder but not here).
	ErrUnsupported = errors.New("eval: unsupported expression")

	// ErrDivisionByZero is a division or modulo by zero, integer or float,
	// as in PostgreSQL.
	ErrDivisionByZero = errors.New("eval: division by zero")

	// ErrOutOfRange is an integer overflow, or a float too large (or not
	// finite) for the integer or timestamp it is converted to.
	ErrOutOfRange = errors.New("eval: value out of range")

	// ErrCast is a value that cannot be converted: CAST('abc' AS BIGINT),
	// a JSON string used as a number, malformed JSON cast to JSONB.
	ErrCast = errors.New("eval: invalid conversion")

	// ErrType is a runtime type mismatch that only dynamic (JSONB) values
	// can cause, such as comparing a JSON object with a number.
	ErrType = errors.New("eval: type mismatch")

	// ErrArgument is an invalid function argument, such as a negative
	// substring length or a LIKE pattern ending in the escape character.
	ErrArgument = errors.New("eval: invalid argument")
)

// fail records err as env's error unless one is already set, and returns
// NULL, the value of an expression that failed.
func (env *Env) fail(err error) {
	if env.Err == nil {
		env.Err = err
	}
}

// failf records a formatted error wrapping sentinel. It allocates, but only
// on the error path.
func (env *Env) failf(sentinel error, format string, args ...any) {
	if env.Err == nil {
		env.Err = fmt.Errorf("%w: "+format, append([]any{sentinel}, args...)...)
	}
}
