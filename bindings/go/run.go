package engine

import (
	"context"
	"errors"
	"os"
	"runtime"
	"time"

	"libengine.local/engine/internal/capi"
)

// Result is what a finished container (or exec) left behind.
type Result struct {
	ID        string
	ExitCode  int // like a shell: the status, or 128+signal
	Signal    int // the terminating signal, 0 when the command exited
	OOMKilled bool
	TimedOut  bool // the timeout (or the context's deadline) killed it
	Duration  time.Duration
	Stdout    []byte
	Stderr    []byte
}

// takeResult copies and frees an engine_run_result (0: none).
func takeResult(p uintptr) *Result {
	if p == 0 {
		return nil
	}
	r := capi.SwigcptrEngine_run_result(p)
	defer capi.DeleteEngine_run_result(r) // its destructor is engine_run_result_free
	return &Result{
		ID:        r.GetId(),
		ExitCode:  r.GetExit_code(),
		Signal:    r.GetSignal(),
		OOMKilled: r.GetOom_killed() != 0,
		TimedOut:  r.GetTimed_out() != 0,
		Duration:  time.Duration(r.GetDuration() * float64(time.Second)),
		Stdout:    r.Stdout_bytes(),
		Stderr:    r.Stderr_bytes(),
	}
}

// deadlineTimeout folds ctx's deadline into a timeout (the smaller wins).
func deadlineTimeout(ctx context.Context, timeout time.Duration) (time.Duration, bool) {
	d, ok := ctx.Deadline()
	if !ok {
		return timeout, false
	}
	left := time.Until(d)
	if left <= 0 {
		left = time.Millisecond
	}
	if timeout != 0 && timeout <= left {
		return timeout, false
	}
	return left, true
}

// Run runs a container to completion, like `docker run --rm`: it creates
// the container, starts it, waits (killing it at o.Timeout or ctx's
// deadline), captures stdout and stderr, and removes everything. cmd nil
// means the image's command.
//
// A command that cannot be executed still gives a Result (exit code 127 or
// 126) with the error. Like exec.CommandContext, cancelling ctx kills the
// container: Run returns what it had (the exit status, output so far) and
// ctx.Err(). When ctx's deadline kills it the Result also says TimedOut.
func (c *Context) Run(ctx context.Context, image string, cmd []string, o *RunOptions) (*Result, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	opts := RunOptions{}
	if o != nil {
		opts = *o
	}
	var fromCtx bool
	opts.Timeout, fromCtx = deadlineTimeout(ctx, opts.Timeout)
	// A cancellable ctx: a pipe the library watches, written when ctx is done.
	var cancelR, cancelW *os.File
	if ctx.Done() != nil {
		var err error
		if cancelR, cancelW, err = os.Pipe(); err != nil {
			return nil, &Error{Op: "Run", Code: CodeError, Message: "cancel pipe: " + err.Error()}
		}
		defer cancelR.Close()
		stop := make(chan struct{})
		defer close(stop)
		go func() {
			select {
			case <-ctx.Done():
				cancelW.Close() // the library sees the hang-up
			case <-stop:
				cancelW.Close()
			}
		}()
	}
	var res *Result
	err := c.with("Run", func(h capi.Struct_SS_engine_context) error {
		spec, err := newSpec("Run", image, cmd, &opts)
		if err != nil {
			return err
		}
		defer capi.Engine_spec_free(spec)
		if cancelR != nil {
			if rc := capi.Engine_spec_set_cancel_fd(spec, int(cancelR.Fd())); rc < 0 {
				return lastError("Run", rc)
			}
		}
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		var rp uintptr
		rc := capi.Engine_run(h, spec, &rp)
		if rc < 0 {
			err = lastError("Run", rc)
		}
		res = takeResult(rp)
		return err
	})
	if err == nil && res != nil && res.TimedOut && fromCtx {
		// The library's timer may fire a hair before ctx's own.
		<-ctx.Done()
		err = ctx.Err()
	}
	classify(err, res)
	if errors.Is(err, ErrCanceled) && ctx.Err() != nil {
		if fromCtx && res != nil {
			res.TimedOut = true
		}
		err = ctx.Err()
	}
	return res, err
}
