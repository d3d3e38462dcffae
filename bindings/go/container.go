package engine

import (
	"context"
	"encoding/json"
	"errors"
	"runtime"
	"sync"
	"syscall"
	"time"

	"libengine.local/engine/internal/capi"
)

// Container is a handle on one container. Close releases the handle (the
// container is unaffected); Remove deletes the container.
type Container struct {
	ID   string
	Name string

	ctx *Context
	mu  sync.RWMutex
	h   capi.Struct_SS_engine_container // nil once closed
}

func (c *Context) newContainer(p uintptr) *Container {
	h := capi.SwigcptrStruct_SS_engine_container(p)
	ct := &Container{ID: capi.Engine_container_id(h), Name: capi.Engine_container_name(h), ctx: c, h: h}
	runtime.SetFinalizer(ct, (*Container).Close)
	return ct
}

// Create creates a container (not started) from image, cmd and o.
func (c *Context) Create(image string, cmd []string, o *RunOptions) (*Container, error) {
	var ct *Container
	err := c.with("Create", func(h capi.Struct_SS_engine_context) error {
		spec, err := newSpec("Create", image, cmd, o)
		if err != nil {
			return err
		}
		defer capi.Engine_spec_free(spec)
		var p uintptr
		if err := call("Create", func() int { return capi.Engine_container_create(h, spec, &p) }); err != nil {
			classify(err, nil)
			return err
		}
		ct = c.newContainer(p)
		return nil
	})
	return ct, err
}

// OpenContainer opens a container by ID, unique ID prefix or name.
func (c *Context) OpenContainer(idOrName string) (*Container, error) {
	var ct *Container
	err := c.with("OpenContainer", func(h capi.Struct_SS_engine_context) error {
		var p uintptr
		if err := call("OpenContainer", func() int { return capi.Engine_container_open(h, idOrName, &p) }); err != nil {
			return err
		}
		ct = c.newContainer(p)
		return nil
	})
	return ct, err
}

// ContainerIDs lists the IDs of the running (or all) containers, newest first.
func (c *Context) ContainerIDs(all bool) ([]string, error) {
	var ids []string
	err := c.with("ContainerIDs", func(h capi.Struct_SS_engine_context) error {
		return call("ContainerIDs", func() int { return capi.Engine_container_list_ids(h, boolInt(all), &ids) })
	})
	return ids, err
}

// ListContainers returns Docker's container list JSON (Id, Names, Image, State...).
func (c *Context) ListContainers(all bool) (json.RawMessage, error) {
	var s string
	err := c.with("ListContainers", func(h capi.Struct_SS_engine_context) error {
		return call("ListContainers", func() int { return capi.Engine_container_list(h, boolInt(all), &s) })
	})
	return json.RawMessage(s), err
}

// Close releases the handle; idempotent, always nil.
func (ct *Container) Close() error {
	ct.mu.Lock()
	h := ct.h
	ct.h = nil
	ct.mu.Unlock()
	if h != nil {
		capi.Engine_container_free(h)
		runtime.SetFinalizer(ct, nil)
	}
	return nil
}

// with runs f with the live handle, holding off Close of the handle and of
// its context (the library's handle refers to the context).
func (ct *Container) with(op string, f func(h capi.Struct_SS_engine_container) error) error {
	return ct.ctx.with(op, func(capi.Struct_SS_engine_context) error {
		ct.mu.RLock()
		defer ct.mu.RUnlock()
		if ct.h == nil {
			return &closedError{op}
		}
		return f(ct.h)
	})
}

type closedError struct{ op string }

func (e *closedError) Error() string   { return "engine: " + e.op + ": use of a closed handle" }
func (e *closedError) Is(t error) bool { return t == ErrClosed }

func (ct *Container) simple(op string, f func(h capi.Struct_SS_engine_container) int) error {
	return ct.with(op, func(h capi.Struct_SS_engine_container) error {
		return call(op, func() int { return f(h) })
	})
}

// Status is "created", "running", "paused" or "exited", read now.
func (ct *Container) Status() (string, error) {
	var s string
	err := ct.with("Status", func(h capi.Struct_SS_engine_container) error {
		s = capi.Engine_container_status(h)
		return nil
	})
	return s, err
}

// Start starts the container, detached (a monitor keeps its status and logs).
func (ct *Container) Start() error {
	return ct.simple("Start", func(h capi.Struct_SS_engine_container) int { return capi.Engine_container_start(h) })
}

// waitSlice bounds each blocking wait so that ctx cancellation is noticed.
const waitSlice = 250 * time.Millisecond

// Wait waits for the container to exit and returns its exit code. It
// returns ctx.Err() when ctx is done first (the container keeps running).
func (ct *Container) Wait(ctx context.Context) (int, error) {
	for {
		if err := ctx.Err(); err != nil {
			return 0, err
		}
		timeout := -1.0
		if ctx.Done() != nil {
			slice := waitSlice
			if d, ok := ctx.Deadline(); ok && time.Until(d) < slice {
				slice = time.Until(d)
			}
			if slice < 0 {
				slice = 0
			}
			timeout = slice.Seconds()
		}
		var code int32
		err := ct.simple("Wait", func(h capi.Struct_SS_engine_container) int {
			return capi.Engine_container_wait(h, timeout, &code)
		})
		if err == nil {
			return int(code), nil
		}
		if !errors.Is(err, ErrTimeout) || timeout < 0 {
			return 0, err
		}
	}
}

// Kill sends sig to the container's main process.
func (ct *Container) Kill(sig syscall.Signal) error {
	return ct.simple("Kill", func(h capi.Struct_SS_engine_container) int { return capi.Engine_container_kill(h, int(sig)) })
}

// Stop sends the stop signal, then SIGKILL after grace (< 0: 10 s).
func (ct *Container) Stop(grace time.Duration) error {
	secs := -1
	if grace >= 0 {
		secs = int((grace + time.Second - 1) / time.Second)
	}
	return ct.simple("Stop", func(h capi.Struct_SS_engine_container) int { return capi.Engine_container_stop(h, secs) })
}

// Pause freezes every process of the container.
func (ct *Container) Pause() error {
	return ct.simple("Pause", func(h capi.Struct_SS_engine_container) int { return capi.Engine_container_pause(h) })
}

// Resume thaws a paused container.
func (ct *Container) Resume() error {
	return ct.simple("Resume", func(h capi.Struct_SS_engine_container) int { return capi.Engine_container_resume(h) })
}

// Remove deletes the container (force kills a running one first) and
// closes the handle.
func (ct *Container) Remove(force bool) error {
	err := ct.simple("Remove", func(h capi.Struct_SS_engine_container) int {
		return capi.Engine_container_remove(h, boolInt(force))
	})
	if err == nil {
		ct.Close()
	}
	return err
}

// ExecOptions are optional arguments of Exec.
type ExecOptions struct {
	Env        map[string]string // on top of the container's env
	User       string
	WorkingDir string
	Stdio      int // StdioCapture (default), StdioInherit, StdioNull
	Timeout    time.Duration
}

// Exec runs cmd in the running container and waits for it, like `docker
// exec`. ctx's deadline becomes the exec's timeout.
func (ct *Container) Exec(ctx context.Context, cmd []string, o *ExecOptions) (*Result, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if o == nil {
		o = &ExecOptions{}
	}
	timeout, _ := deadlineTimeout(ctx, o.Timeout)
	var res *Result
	err := ct.with("Exec", func(h capi.Struct_SS_engine_container) error {
		opts := capi.NewEngine_exec_options()
		defer capi.DeleteEngine_exec_options(opts)
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		if rc := capi.Engine_exec_options_init(opts, uint(capi.ENGINE_EXEC_OPTIONS_VERSION)); rc < 0 {
			return lastError("Exec", rc)
		}
		opts.Set_argv(cmd)
		opts.Set_env(kvList(o.Env))
		opts.SetUser(o.User)
		opts.SetWorking_dir(o.WorkingDir)
		if o.Stdio != StdioDefault {
			opts.SetStdio(o.Stdio)
		}
		opts.SetTimeout(timeout.Seconds())
		var rp uintptr
		var err error
		if rc := capi.Engine_container_exec(h, opts, &rp); rc < 0 {
			err = lastError("Exec", rc)
		}
		res = takeResult(rp)
		return err
	})
	return res, err
}

// Stats is the resource usage of a running container.
type Stats struct {
	MemoryUsage uint64 // bytes
	MemoryLimit uint64 // bytes, 0 when unlimited
	CPUUsage    time.Duration
	Pids        uint64
	// MemoryMaxUsage is the peak in bytes (0 where the kernel keeps none).
	MemoryMaxUsage uint64
	// MemoryInactiveFile is reclaimable page cache; docker stats shows
	// MemoryUsage minus this.
	MemoryInactiveFile uint64
	OOMKills           uint64
	// CPUUser and CPUSystem split CPUUsage (zero where the kernel does not).
	CPUUser, CPUSystem time.Duration
	// CPUPeriods elapsed under a CPU quota, CPUThrottledPeriods of them
	// throttled, for CPUThrottled in all.
	CPUPeriods, CPUThrottledPeriods uint64
	CPUThrottled                    time.Duration
	// BlkioRead and BlkioWrite are block I/O bytes, all devices.
	BlkioRead, BlkioWrite uint64
	// NetRx/NetTx: the container's interfaces but lo.
	NetRxBytes, NetTxBytes, NetRxPackets, NetTxPackets uint64
}

// Stats reads the container's current usage (ErrBusy when not running).
func (ct *Container) Stats() (Stats, error) {
	var st Stats
	err := ct.with("Stats", func(h capi.Struct_SS_engine_container) error {
		p := capi.NewEngine_container_stats()
		defer capi.DeleteEngine_container_stats(p)
		if err := call("Stats", func() int {
			if rc := capi.Engine_container_stats_init(p, uint(capi.ENGINE_CONTAINER_STATS_VERSION)); rc < 0 {
				return rc
			}
			return capi.Engine_container_stats_get(h, p)
		}); err != nil {
			return err
		}
		st = Stats{p.GetMemory_usage(), p.GetMemory_limit(), time.Duration(p.GetCpu_usage_ns()), p.GetPids(),
			p.GetMemory_max_usage(), p.GetMemory_inactive_file(), p.GetOom_kills(),
			time.Duration(p.GetCpu_user_ns()), time.Duration(p.GetCpu_system_ns()), p.GetCpu_periods(),
			p.GetCpu_throttled_periods(), time.Duration(p.GetCpu_throttled_ns()), p.GetBlkio_read_bytes(),
			p.GetBlkio_write_bytes(), p.GetNet_rx_bytes(), p.GetNet_tx_bytes(), p.GetNet_rx_packets(),
			p.GetNet_tx_packets()}
		return nil
	})
	return st, err
}

// Inspect returns Docker-like inspect JSON of the container.
func (ct *Container) Inspect() (json.RawMessage, error) {
	var s string
	err := ct.simple("Inspect", func(h capi.Struct_SS_engine_container) int { return capi.Engine_container_inspect(h, &s) })
	return json.RawMessage(s), err
}

// Logs returns what the container wrote so far, stdout and stderr apart.
func (ct *Container) Logs() (stdout, stderr []byte, err error) {
	err = ct.with("Logs", func(h capi.Struct_SS_engine_container) error {
		opts := capi.NewEngine_logs_options()
		defer capi.DeleteEngine_logs_options(opts)
		capi.Engine_logs_options_init(opts, uint(capi.ENGINE_LOGS_OPTIONS_VERSION))
		var p uintptr
		if err := call("Logs", func() int { return capi.Engine_container_logs(h, opts, &p) }); err != nil {
			return err
		}
		reader := capi.SwigcptrStruct_SS_engine_logs(p)
		defer capi.Engine_logs_free(reader)
		for {
			var more int
			if err := call("Logs", func() int { more = capi.Engine_logs_next(reader, 0); return more }); err != nil {
				return err
			}
			if more == 0 {
				return nil
			}
			e := capi.Engine_logs_entry(reader)
			if e.GetStream() == 2 {
				stderr = append(stderr, e.Data_bytes()...)
			} else {
				stdout = append(stdout, e.Data_bytes()...)
			}
		}
	})
	return stdout, stderr, err
}
