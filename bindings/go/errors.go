package engine

import (
	"errors"
	"fmt"
	"syscall"

	"libengine.local/engine/internal/capi"
)

// Error codes of libengine (the negative ENGINE_E* values), from the C
// header through SWIG rather than copied by hand.
var (
	CodeError    = int(capi.ENGINE_ERROR)
	CodeNotFound = int(capi.ENGINE_ENOTFOUND)
	CodeExists   = int(capi.ENGINE_EEXISTS)
	CodeInvalid  = int(capi.ENGINE_EINVALID)
	CodePerm     = int(capi.ENGINE_EPERM)
	CodeBusy     = int(capi.ENGINE_EBUSY)
	CodeNotSup   = int(capi.ENGINE_ENOTSUP)
	CodeNoMem    = int(capi.ENGINE_ENOMEM)
	CodeTimeout  = int(capi.ENGINE_ETIMEOUT)
	CodeIO       = int(capi.ENGINE_EIO)
	CodeCanceled = int(capi.ENGINE_ECANCELED)
)

// Sentinel errors, one per code: errors.Is(err, engine.ErrNotFound) holds
// for every *Error with that code.
var (
	ErrGeneric      = errors.New("engine: error")
	ErrNotFound     = errors.New("engine: not found")
	ErrExists       = errors.New("engine: already exists")
	ErrInvalid      = errors.New("engine: invalid argument")
	ErrPermission   = errors.New("engine: permission denied")
	ErrBusy         = errors.New("engine: busy")
	ErrNotSupported = errors.New("engine: not supported")
	ErrNoMemory     = errors.New("engine: out of memory")
	ErrTimeout      = errors.New("engine: timeout")
	ErrIO           = errors.New("engine: I/O error")
	ErrCanceled     = errors.New("engine: cancelled")
	// ErrClosed is returned by calls on a closed Context or handle.
	ErrClosed = errors.New("engine: use of a closed handle")
	// Where Docker tells them apart (docker run's 125, 127, 126), Run and
	// Create say which not-found or permission error it was; errors.Is
	// with ErrNotFound / ErrPermission still holds.
	ErrImageNotFound   = errors.New("engine: image not found")
	ErrCommandNotFound = errors.New("engine: command not found")
	ErrNotExecutable   = errors.New("engine: command not executable")
)

var sentinels = map[int]error{
	CodeError:    ErrGeneric,
	CodeNotFound: ErrNotFound,
	CodeExists:   ErrExists,
	CodeInvalid:  ErrInvalid,
	CodePerm:     ErrPermission,
	CodeBusy:     ErrBusy,
	CodeNotSup:   ErrNotSupported,
	CodeNoMem:    ErrNoMemory,
	CodeTimeout:  ErrTimeout,
	CodeIO:       ErrIO,
	CodeCanceled: ErrCanceled,
}

// Error is a libengine failure: the library's code, the errno behind it and
// its one-line message, read from the thread that made the failing call.
type Error struct {
	Code    int           // negative ENGINE_E* code
	Errno   syscall.Errno // 0 when none
	Message string        // names what failed
	Op      string        // the Go method that failed, e.g. "Images.Load"
	kind    error         // ErrImageNotFound, ErrCommandNotFound, ErrNotExecutable or nil
}

func (e *Error) Error() string {
	if e.Op != "" {
		return fmt.Sprintf("engine: %s: %s", e.Op, e.Message)
	}
	return "engine: " + e.Message
}

// Name is the code's symbolic name, e.g. "ENGINE_ENOTFOUND".
func (e *Error) Name() string { return capi.Engine_err_name(e.Code) }

// Is makes errors.Is(err, ErrNotFound) and friends work.
func (e *Error) Is(target error) bool {
	s, ok := sentinels[e.Code]
	return (ok && s == target) || (e.kind != nil && e.kind == target)
}

// classify names a failed run's or create's error the way Docker does:
// no result means the image was missing; 127 / 126 the command.
func classify(err error, res *Result) {
	var e *Error
	if !errors.As(err, &e) {
		return
	}
	switch {
	case e.Code == CodeNotFound && res != nil && res.ExitCode == 127:
		e.kind = ErrCommandNotFound
	case e.Code == CodePerm && res != nil && res.ExitCode == 126:
		e.kind = ErrNotExecutable
	case e.Code == CodeNotFound && res == nil:
		e.kind = ErrImageNotFound
	}
}

// Unwrap gives the errno (when any), so errors.Is(err, fs.ErrNotExist) works.
func (e *Error) Unwrap() error {
	if e.Errno != 0 {
		return e.Errno
	}
	return nil
}

// lastError builds an *Error from engine_error_last(). The caller must be
// on the OS thread that made the failing call (see call).
func lastError(op string, rc int) *Error {
	e := capi.Engine_error_last()
	code := e.GetCode()
	if code == 0 {
		code = rc
	}
	return &Error{Code: code, Errno: syscall.Errno(e.GetSys_errno()), Message: e.GetMessage(), Op: op}
}

// errorf makes an *Error for a check done on the Go side.
func errorf(op string, code int, format string, args ...interface{}) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...), Op: op}
}
