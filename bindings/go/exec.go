package engine

import (
	"os"
	"runtime"
	"sync"
	"syscall"
	"time"

	"libengine.local/engine/internal/capi"
)

// ExecConfig configures an exec instance (Container.ExecCreate), like the
// body of Docker's exec create.
type ExecConfig struct {
	Env        map[string]string // on top of the container's env
	User       string
	WorkingDir string
	Tty        bool // a pty of the container's devpts (docker exec -t)
	Stdin      bool // a stdin the caller writes (docker exec -i)
	Privileged bool // every capability
	Rows, Cols uint // the terminal's first size (both or neither)
}

// ExecState is what ExecProcess.State reports.
type ExecState struct {
	Started, Running, Tty bool
	Pid                   int // in the caller's PID namespace, 0 before the start
	ExitCode              int // -1 before the end
}

// ExecProcess is an exec instance: one process in a running container,
// started attached (its stdio through File) or detached, a child of this
// process. Close it when done.
type ExecProcess struct {
	mu sync.Mutex
	h  capi.Struct_SS_engine_exec // nil once closed
}

// ExecCreate makes an exec instance of cmd (nothing runs until Start).
func (ct *Container) ExecCreate(cmd []string, cfg *ExecConfig) (*ExecProcess, error) {
	if cfg == nil {
		cfg = &ExecConfig{}
	}
	var x *ExecProcess
	err := ct.with("ExecCreate", func(h capi.Struct_SS_engine_container) error {
		c := capi.NewEngine_exec_config()
		defer capi.DeleteEngine_exec_config(c)
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		if rc := capi.Engine_exec_config_init(c, uint(capi.ENGINE_EXEC_CONFIG_VERSION)); rc < 0 {
			return lastError("ExecCreate", rc)
		}
		c.Set_argv(cmd)
		c.Set_env(kvList(cfg.Env))
		c.SetUser(cfg.User)
		c.SetWorking_dir(cfg.WorkingDir)
		c.SetTty(boolInt(cfg.Tty))
		c.SetOpen_stdin(boolInt(cfg.Stdin))
		c.SetPrivileged(boolInt(cfg.Privileged))
		c.SetTty_rows(cfg.Rows)
		c.SetTty_cols(cfg.Cols)
		var p uintptr
		if rc := capi.Engine_exec_create(h, c, &p); rc < 0 {
			return lastError("ExecCreate", rc)
		}
		x = &ExecProcess{h: capi.SwigcptrStruct_SS_engine_exec(p)}
		runtime.SetFinalizer(x, (*ExecProcess).Close)
		return nil
	})
	return x, err
}

func (x *ExecProcess) with(op string, f func(h capi.Struct_SS_engine_exec) int) error {
	x.mu.Lock()
	h := x.h
	x.mu.Unlock()
	if h == nil {
		return &closedError{op}
	}
	return call(op, func() int { return f(h) })
}

// Start runs the process: attached (File gives its stdio) or detached
// (stdio on /dev/null). ErrNotFound (exit 127) when the command is missing.
func (x *ExecProcess) Start(detach bool) error {
	o := capi.NewEngine_exec_start_options()
	defer capi.DeleteEngine_exec_start_options(o)
	return x.with("ExecStart", func(h capi.Struct_SS_engine_exec) int {
		if rc := capi.Engine_exec_start_options_init(o, uint(capi.ENGINE_EXEC_START_OPTIONS_VERSION)); rc < 0 {
			return rc
		}
		o.SetDetach(boolInt(detach))
		return capi.Engine_exec_start(h, o)
	})
}

// File returns a copy of the caller's end of a stream (0 stdin, 1 stdout,
// 2 stderr; with a TTY 0 and 1 are the pty master), or nil when there is
// none. Close it when done.
func (x *ExecProcess) File(stream int) *os.File {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.h == nil {
		return nil
	}
	fd := capi.Engine_exec_fd(x.h, stream)
	if fd < 0 {
		return nil
	}
	dup, err := syscall.Dup(fd)
	if err != nil {
		return nil
	}
	syscall.CloseOnExec(dup)
	return os.NewFile(uintptr(dup), "exec")
}

// CloseStdin ends the input (a TTY gets its end-of-file character).
func (x *ExecProcess) CloseStdin() error {
	return x.with("ExecCloseStdin", func(h capi.Struct_SS_engine_exec) int { return capi.Engine_exec_close_stdin(h) })
}

// Resize sets the TTY's size (ErrInvalid without a TTY, ErrBusy when not running).
func (x *ExecProcess) Resize(rows, cols uint) error {
	return x.with("ExecResize", func(h capi.Struct_SS_engine_exec) int { return capi.Engine_exec_resize(h, rows, cols) })
}

// Signal sends sig to the process.
func (x *ExecProcess) Signal(sig syscall.Signal) error {
	return x.with("ExecSignal", func(h capi.Struct_SS_engine_exec) int { return capi.Engine_exec_kill(h, int(sig)) })
}

// Wait waits for the end (timeout < 0: forever) and returns the exit code.
func (x *ExecProcess) Wait(timeout time.Duration) (int, error) {
	var code int32
	secs := -1.0
	if timeout >= 0 {
		secs = timeout.Seconds()
	}
	err := x.with("ExecWait", func(h capi.Struct_SS_engine_exec) int { return capi.Engine_exec_wait(h, secs, &code) })
	return int(code), err
}

// State inspects the instance.
func (x *ExecProcess) State() (ExecState, error) {
	var st ExecState
	s := capi.NewEngine_exec_state()
	defer capi.DeleteEngine_exec_state(s)
	err := x.with("ExecInspect", func(h capi.Struct_SS_engine_exec) int {
		if rc := capi.Engine_exec_state_init(s, uint(capi.ENGINE_EXEC_STATE_VERSION)); rc < 0 {
			return rc
		}
		return capi.Engine_exec_inspect(h, s)
	})
	if err == nil {
		st = ExecState{Started: s.GetStarted() != 0, Running: s.GetRunning() != 0, Tty: s.GetTty() != 0,
			Pid: s.GetPid(), ExitCode: s.GetExit_code()}
	}
	return st, err
}

// Close frees the instance and its ends of the stdio (a shell on a TTY
// gets SIGHUP); a running process is neither killed nor waited for.
func (x *ExecProcess) Close() {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.h != nil {
		capi.Engine_exec_free(x.h)
		x.h = nil
		runtime.SetFinalizer(x, nil)
	}
}
