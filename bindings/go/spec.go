package engine

import (
	"runtime"
	"sort"
	"strconv"
	"time"

	"libengine.local/engine/internal/capi"
)

// Stdio modes for RunOptions.Stdio (the header's ENGINE_STDIO_*, through SWIG).
var (
	StdioDefault = int(capi.ENGINE_STDIO_DEFAULT) // Run: capture; started containers: log files
	StdioInherit = int(capi.ENGINE_STDIO_INHERIT) // the calling process's fds 0, 1 and 2
	StdioNull    = int(capi.ENGINE_STDIO_NULL)    // /dev/null
	StdioCapture = int(capi.ENGINE_STDIO_CAPTURE) // into the Result (Run, Exec) or the log files
	StdioLog     = int(capi.ENGINE_STDIO_LOG)     // into the container's log files
)

// Mount is a bind mount of a host path.
type Mount struct {
	Source   string // absolute host path
	Target   string // absolute path in the container
	ReadOnly bool
}

// Healthcheck is docker run's --health-* over the image's HEALTHCHECK:
// Test as Docker's ({"CMD-SHELL", "command"}, {"CMD", "prog", "arg"},
// {"NONE"} for no check at all; nil keeps the image's).
type Healthcheck struct {
	Test                           []string
	Interval, Timeout, StartPeriod time.Duration // 0: the image's, else 30s, 30s, 0s
	Retries                        int           // 0: the image's, else 3
}

// File is a file written into the container before its command starts.
type File struct {
	Content []byte
	Mode    uint32 // 0: 0644
}

// RunOptions describe a container beyond its image and command, with
// Docker's names and units. The zero value is the image's defaults. Values
// are handed to libengine as they are: it parses and validates them
// ("64m", capability names, -v strings), exactly as for C callers.
type RunOptions struct {
	Entrypoint []string          // overrides the image's (and then drops its Cmd)
	Env        map[string]string // added to the image's env
	EnvList    []string          // "K=V", or "K" to pass the caller's value
	EnvFiles   []string          // KEY=VALUE files, read at create
	WorkingDir string
	User       string // "name", "uid", "uid:gid", "name:group"
	Hostname   string
	Name       string
	Volumes    []string // Docker's -v "SRC:DST[:ro|rw]" (SRC a host path or a volume name), "DST" (anonymous)
	Mounts     []Mount
	MountSpecs []string          // Docker's --mount "type=volume,src=data,dst=/data[,readonly]"
	Health     *Healthcheck      // nil: the image's HEALTHCHECK
	Tmpfs      map[string]string // target -> options ("size=64m"), "" for defaults
	Files      map[string]File   // path -> content
	ReadOnly   bool              // read-only root filesystem
	Network    string            // "none" (default), "host", "bridge", "container:<id|name>" or a network's name
	// Networking beyond the mode; see network.go.
	NetworkAliases []string // more names on a user-defined network (--network-alias)
	IP             string   // a fixed IPv4 address on a user-defined network (--ip)
	Ports          []string // Docker's -p: "[IP:][HOST_PORT:]CONTAINER_PORT[/tcp|udp]"
	PublishAll     bool     // -P: every exposed port on a free host port
	Expose         []string // "80", "53/udp"
	ExtraHosts     []string // "NAME:IP" (--add-host)
	DNS            []string // nameservers (--dns)
	DNSSearch      []string // search domains (--dns-search)
	DNSOptions     []string // resolver options (--dns-option)
	Memory         string   // "64m", "1g", bytes as a string; "" for unlimited
	MemoryBytes    int64    // the same in bytes, used when Memory is ""
	CPUs           float64  // 0.5 = half a CPU
	CPUShares      uint64
	CpusetCPUs     string // "0-1"
	PidsLimit      int64
	CapAdd         []string
	CapDrop        []string
	Seccomp        string // "default", "unconfined" or a JSON profile path
	NoNewPrivs     *bool  // nil: the library default (on)
	Ulimits        []string
	Init           bool
	Stdio          int   // one of the Stdio* modes
	StdioFds       []int // stdin, stdout, stderr fds (-1: /dev/null); sets the mode to "fds"
	Timeout        time.Duration
	AutoRemove     bool
	Rootfs         string // run on this directory instead of an image
	// Namespace modes (docker run --ipc, --pid, --uts, --userns,
	// --cgroupns): "" for the container's own; "host", "container:<x>",
	// "shareable", "none", "private" where Docker takes them.
	IpcMode      string
	PidMode      string
	UTSMode      string
	UsernsMode   string
	CgroupnsMode string
}

// specBuilder applies setters on one locked OS thread and keeps the first
// failure, read right after the call that failed.
type specBuilder struct {
	s   capi.Struct_SS_engine_spec
	err error
}

func (b *specBuilder) do(op string, f func() int) {
	if b.err != nil {
		return
	}
	if rc := f(); rc < 0 {
		b.err = lastError(op, rc)
	}
}

// newSpec builds an engine_spec; the caller frees it with capi.Engine_spec_free.
func newSpec(op, image string, cmd []string, o *RunOptions) (capi.Struct_SS_engine_spec, error) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	var p uintptr
	if rc := capi.Engine_spec_new(&p); rc < 0 {
		return nil, lastError(op, rc)
	}
	s := capi.SwigcptrStruct_SS_engine_spec(p)
	b := &specBuilder{s: s}
	if o == nil {
		o = &RunOptions{}
	}
	if o.Rootfs != "" {
		b.do(op, func() int { return capi.Engine_spec_set_rootfs(s, o.Rootfs) })
	} else {
		b.do(op, func() int { return capi.Engine_spec_set_image(s, image) })
	}
	if cmd != nil {
		b.do(op, func() int { return capi.Engine_spec_set_argv(s, cmd) })
	}
	if o.Entrypoint != nil {
		b.do(op, func() int { return capi.Engine_spec_set_entrypoint(s, o.Entrypoint) })
	}
	for _, e := range append(kvList(o.Env), o.EnvList...) {
		e := e
		b.do(op, func() int { return capi.Engine_spec_add_env(s, e) })
	}
	for _, f := range o.EnvFiles {
		f := f
		b.do(op, func() int { return capi.Engine_spec_add_env_file(s, f) })
	}
	if o.WorkingDir != "" {
		b.do(op, func() int { return capi.Engine_spec_set_working_dir(s, o.WorkingDir) })
	}
	if o.User != "" {
		b.do(op, func() int { return capi.Engine_spec_set_user(s, o.User) })
	}
	if o.Hostname != "" {
		b.do(op, func() int { return capi.Engine_spec_set_hostname(s, o.Hostname) })
	}
	if o.Name != "" {
		b.do(op, func() int { return capi.Engine_spec_set_name(s, o.Name) })
	}
	for _, v := range o.Volumes {
		v := v
		b.do(op, func() int { return capi.Engine_spec_add_volume(s, v) })
	}
	for _, m := range o.Mounts {
		m := m
		b.do(op, func() int { return capi.Engine_spec_add_mount(s, m.Source, m.Target, boolInt(m.ReadOnly)) })
	}
	for _, m := range o.MountSpecs {
		m := m
		b.do(op, func() int { return capi.Engine_spec_add_mount_str(s, m) })
	}
	if h := o.Health; h != nil {
		if len(h.Test) > 0 {
			b.do(op, func() int { return capi.Engine_spec_set_healthcheck(s, h.Test) })
		}
		for _, d := range []struct {
			name string
			v    time.Duration
		}{{"interval", h.Interval}, {"timeout", h.Timeout}, {"start-period", h.StartPeriod}} {
			d := d
			if d.v > 0 {
				b.do(op, func() int { return capi.Engine_spec_set_health_option(s, d.name, d.v.String()) })
			}
		}
		if h.Retries > 0 {
			b.do(op, func() int { return capi.Engine_spec_set_health_option(s, "retries", strconv.Itoa(h.Retries)) })
		}
	}
	for _, dst := range sortedKeys(o.Tmpfs) {
		dst := dst
		b.do(op, func() int { return capi.Engine_spec_add_tmpfs(s, dst, o.Tmpfs[dst]) })
	}
	for path, f := range o.Files {
		path, f := path, f
		mode := f.Mode
		if mode == 0 {
			mode = 0o644
		}
		b.do(op, func() int { return capi.Engine_spec_add_file(s, path, f.Content, uint(mode)) })
	}
	if o.ReadOnly {
		b.do(op, func() int { return capi.Engine_spec_set_read_only(s, 1) })
	}
	if o.Network != "" {
		b.do(op, func() int { return capi.Engine_spec_set_network(s, o.Network) })
	}
	b.network(op, s, o)
	if o.Memory != "" {
		b.do(op, func() int { return capi.Engine_spec_set_memory_str(s, o.Memory) })
	} else if o.MemoryBytes != 0 {
		b.do(op, func() int { return capi.Engine_spec_set_memory(s, o.MemoryBytes) })
	}
	if o.CPUs != 0 {
		b.do(op, func() int { return capi.Engine_spec_set_cpus(s, o.CPUs) })
	}
	if o.CPUShares != 0 {
		b.do(op, func() int { return capi.Engine_spec_set_cpu_shares(s, o.CPUShares) })
	}
	if o.CpusetCPUs != "" {
		b.do(op, func() int { return capi.Engine_spec_set_cpuset(s, o.CpusetCPUs) })
	}
	if o.PidsLimit != 0 {
		b.do(op, func() int { return capi.Engine_spec_set_pids_limit(s, o.PidsLimit) })
	}
	for _, c := range o.CapAdd {
		c := c
		b.do(op, func() int { return capi.Engine_spec_add_cap(s, c) })
	}
	for _, c := range o.CapDrop {
		c := c
		b.do(op, func() int { return capi.Engine_spec_drop_cap(s, c) })
	}
	if o.Seccomp != "" {
		b.do(op, func() int { return capi.Engine_spec_set_seccomp_profile(s, o.Seccomp) })
	}
	for _, m := range []struct {
		mode string
		set  func(capi.Struct_SS_engine_spec, string) int
	}{{o.IpcMode, capi.Engine_spec_set_ipc}, {o.PidMode, capi.Engine_spec_set_pid},
		{o.UTSMode, capi.Engine_spec_set_uts}, {o.UsernsMode, capi.Engine_spec_set_userns_mode},
		{o.CgroupnsMode, capi.Engine_spec_set_cgroupns}} {
		m := m
		if m.mode != "" {
			b.do(op, func() int { return m.set(s, m.mode) })
		}
	}
	if o.NoNewPrivs != nil {
		b.do(op, func() int { return capi.Engine_spec_set_no_new_privs(s, boolInt(*o.NoNewPrivs)) })
	}
	for _, u := range o.Ulimits {
		u := u
		b.do(op, func() int { return capi.Engine_spec_add_rlimit(s, u) })
	}
	if o.Init {
		b.do(op, func() int { return capi.Engine_spec_set_init(s, 1) })
	}
	if len(o.StdioFds) > 0 {
		fds := [3]int{-1, -1, -1}
		copy(fds[:], o.StdioFds)
		b.do(op, func() int { return capi.Engine_spec_set_stdio_fds(s, fds[0], fds[1], fds[2]) })
	} else if o.Stdio != StdioDefault {
		b.do(op, func() int { return capi.Engine_spec_set_stdio(s, o.Stdio) })
	}
	if o.Timeout != 0 {
		b.do(op, func() int { return capi.Engine_spec_set_timeout(s, o.Timeout.Seconds()) })
	}
	if o.AutoRemove {
		b.do(op, func() int { return capi.Engine_spec_set_auto_remove(s, 1) })
	}
	if b.err != nil {
		capi.Engine_spec_free(s)
		return nil, b.err
	}
	return s, nil
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
