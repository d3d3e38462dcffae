/*
 * Docker's default seccomp profile as a C table, equivalent to moby's
 * profiles/seccomp/default.json (default_linux.go): deny with EPERM by
 * default, an allowlist, argument rules for personality/socket/clone,
 * clone3 answering ENOSYS (so libcs fall back to clone), and syscalls that
 * are allowed only when the container holds the capability they need.
 */
#include "config.h"

#include <errno.h>
#include <sys/socket.h>
#include <linux/capability.h>
#include <sched.h>

#include "runtime/security_seccomp_profile.h"

#define CAP(c) (UINT64_C(1) << (c))
#define N(a) (sizeof(a) / sizeof((a)[0]))

static const char *const allowed[] = {
    "accept",
    "accept4",
    "access",
    "adjtimex",
    "alarm",
    "bind",
    "brk",
    "cachestat",
    "capget",
    "capset",
    "chdir",
    "chmod",
    "chown",
    "chown32",
    "clock_adjtime",
    "clock_adjtime64",
    "clock_getres",
    "clock_getres_time64",
    "clock_gettime",
    "clock_gettime64",
    "clock_nanosleep",
    "clock_nanosleep_time64",
    "close",
    "close_range",
    "connect",
    "copy_file_range",
    "creat",
    "dup",
    "dup2",
    "dup3",
    "epoll_create",
    "epoll_create1",
    "epoll_ctl",
    "epoll_ctl_old",
    "epoll_pwait",
    "epoll_pwait2",
    "epoll_wait",
    "epoll_wait_old",
    "eventfd",
    "eventfd2",
    "execve",
    "execveat",
    "exit",
    "exit_group",
    "faccessat",
    "faccessat2",
    "fadvise64",
    "fadvise64_64",
    "fallocate",
    "fanotify_mark",
    "fchdir",
    "fchmod",
    "fchmodat",
    "fchmodat2",
    "fchown",
    "fchown32",
    "fchownat",
    "fcntl",
    "fcntl64",
    "fdatasync",
    "fgetxattr",
    "flistxattr",
    "flock",
    "fork",
    "fremovexattr",
    "fsetxattr",
    "fstat",
    "fstat64",
    "fstatat64",
    "fstatfs",
    "fstatfs64",
    "fsync",
    "ftruncate",
    "ftruncate64",
    "futex",
    "futex_requeue",
    "futex_time64",
    "futex_wait",
    "futex_waitv",
    "futex_wake",
    "futimesat",
    "getcpu",
    "getcwd",
    "getdents",
    "getdents64",
    "getegid",
    "getegid32",
    "geteuid",
    "geteuid32",
    "getgid",
    "getgid32",
    "getgroups",
    "getgroups32",
    "getitimer",
    "getpeername",
    "getpgid",
    "getpgrp",
    "getpid",
    "getppid",
    "getpriority",
    "getrandom",
    "getresgid",
    "getresgid32",
    "getresuid",
    "getresuid32",
    "getrlimit",
    "get_robust_list",
    "getrusage",
    "getsid",
    "getsockname",
    "getsockopt",
    "get_thread_area",
    "gettid",
    "gettimeofday",
    "getuid",
    "getuid32",
    "getxattr",
    "getxattrat",
    "inotify_add_watch",
    "inotify_init",
    "inotify_init1",
    "inotify_rm_watch",
    "io_cancel",
    "ioctl",
    "io_destroy",
    "io_getevents",
    "io_pgetevents",
    "io_pgetevents_time64",
    "ioprio_get",
    "ioprio_set",
    "io_setup",
    "io_submit",
    "ipc",
    "kill",
    "landlock_add_rule",
    "landlock_create_ruleset",
    "landlock_restrict_self",
    "lchown",
    "lchown32",
    "lgetxattr",
    "link",
    "linkat",
    "listen",
    "listmount",
    "listxattr",
    "listxattrat",
    "llistxattr",
    "_llseek",
    "lremovexattr",
    "lseek",
    "lsetxattr",
    "lstat",
    "lstat64",
    "madvise",
    "map_shadow_stack",
    "membarrier",
    "memfd_create",
    "memfd_secret",
    "mincore",
    "mkdir",
    "mkdirat",
    "mknod",
    "mknodat",
    "mlock",
    "mlock2",
    "mlockall",
    "mmap",
    "mmap2",
    "mprotect",
    "mq_getsetattr",
    "mq_notify",
    "mq_open",
    "mq_timedreceive",
    "mq_timedreceive_time64",
    "mq_timedsend",
    "mq_timedsend_time64",
    "mq_unlink",
    "mremap",
    "mseal",
    "msgctl",
    "msgget",
    "msgrcv",
    "msgsnd",
    "msync",
    "munlock",
    "munlockall",
    "munmap",
    "name_to_handle_at",
    "nanosleep",
    "newfstatat",
    "_newselect",
    "open",
    "openat",
    "openat2",
    "pause",
    "pidfd_open",
    "pidfd_send_signal",
    "pipe",
    "pipe2",
    "pkey_alloc",
    "pkey_free",
    "pkey_mprotect",
    "poll",
    "ppoll",
    "ppoll_time64",
    "prctl",
    "pread64",
    "preadv",
    "preadv2",
    "prlimit64",
    "process_mrelease",
    "pselect6",
    "pselect6_time64",
    "pwrite64",
    "pwritev",
    "pwritev2",
    "read",
    "readahead",
    "readlink",
    "readlinkat",
    "readv",
    "recv",
    "recvfrom",
    "recvmmsg",
    "recvmmsg_time64",
    "recvmsg",
    "remap_file_pages",
    "removexattr",
    "removexattrat",
    "rename",
    "renameat",
    "renameat2",
    "restart_syscall",
    "riscv_hwprobe",
    "rmdir",
    "rseq",
    "rt_sigaction",
    "rt_sigpending",
    "rt_sigprocmask",
    "rt_sigqueueinfo",
    "rt_sigreturn",
    "rt_sigsuspend",
    "rt_sigtimedwait",
    "rt_sigtimedwait_time64",
    "rt_tgsigqueueinfo",
    "sched_getaffinity",
    "sched_getattr",
    "sched_getparam",
    "sched_get_priority_max",
    "sched_get_priority_min",
    "sched_getscheduler",
    "sched_rr_get_interval",
    "sched_rr_get_interval_time64",
    "sched_setaffinity",
    "sched_setattr",
    "sched_setparam",
    "sched_setscheduler",
    "sched_yield",
    "seccomp",
    "select",
    "semctl",
    "semget",
    "semop",
    "semtimedop",
    "semtimedop_time64",
    "send",
    "sendfile",
    "sendfile64",
    "sendmmsg",
    "sendmsg",
    "sendto",
    "setfsgid",
    "setfsgid32",
    "setfsuid",
    "setfsuid32",
    "setgid",
    "setgid32",
    "setgroups",
    "setgroups32",
    "setitimer",
    "setpgid",
    "setpriority",
    "setregid",
    "setregid32",
    "setresgid",
    "setresgid32",
    "setresuid",
    "setresuid32",
    "setreuid",
    "setreuid32",
    "setrlimit",
    "set_robust_list",
    "setsid",
    "setsockopt",
    "set_thread_area",
    "set_tid_address",
    "setuid",
    "setuid32",
    "setxattr",
    "setxattrat",
    "shmat",
    "shmctl",
    "shmdt",
    "shmget",
    "shutdown",
    "sigaltstack",
    "signalfd",
    "signalfd4",
    "sigprocmask",
    "sigreturn",
    "socketcall",
    "socketpair",
    "splice",
    "stat",
    "stat64",
    "statfs",
    "statfs64",
    "statmount",
    "statx",
    "symlink",
    "symlinkat",
    "sync",
    "sync_file_range",
    "syncfs",
    "sysinfo",
    "tee",
    "tgkill",
    "time",
    "timer_create",
    "timer_delete",
    "timer_getoverrun",
    "timer_gettime",
    "timer_gettime64",
    "timer_settime",
    "timer_settime64",
    "timerfd_create",
    "timerfd_gettime",
    "timerfd_gettime64",
    "timerfd_settime",
    "timerfd_settime64",
    "times",
    "tkill",
    "truncate",
    "truncate64",
    "ugetrlimit",
    "umask",
    "uname",
    "unlink",
    "unlinkat",
    "uretprobe",
    "utime",
    "utimensat",
    "utimensat_time64",
    "utimes",
    "vfork",
    "vmsplice",
    "wait4",
    "waitid",
    "waitpid",
    "write",
    "writev",
    NULL,
};

static const char *const ptrace_names[] = {"process_vm_readv", "process_vm_writev", "ptrace", NULL};
static const engine__seccomp_cond since_4_8 = {.min_kernel = {4, 8}};

/* socket(2) for every family but AF_ALG (38) and AF_VSOCK (40). */
static const char *const socket_names[] = {"socket", NULL};
_Static_assert(AF_ALG == 38 && AF_VSOCK == 40, "the socket rules assume AF_ALG 38, AF_VSOCK 40");
static const engine__seccomp_arg socket_below_alg[] = {{0, AF_ALG, 0, SCMP_CMP_LT}};
static const engine__seccomp_arg socket_between[] = {{0, AF_ALG + 1, 0, SCMP_CMP_EQ}};
static const engine__seccomp_arg socket_above_vsock[] = {{0, AF_VSOCK, 0, SCMP_CMP_GT}};

/* personality(2): PER_LINUX, PER_LINUX32, UNAME26, UNAME26|PER_LINUX32,
 * and 0xffffffff (query). */
static const char *const personality_names[] = {"personality", NULL};
static const engine__seccomp_arg personality_0[] = {{0, 0x0, 0, SCMP_CMP_EQ}};
static const engine__seccomp_arg personality_8[] = {{0, 0x0008, 0, SCMP_CMP_EQ}};
static const engine__seccomp_arg personality_20000[] = {{0, 0x20000, 0, SCMP_CMP_EQ}};
static const engine__seccomp_arg personality_20008[] = {{0, 0x20008, 0, SCMP_CMP_EQ}};
static const engine__seccomp_arg personality_query[] = {{0, 0xffffffff, 0, SCMP_CMP_EQ}};

static const char *const ppc64le_names[] = {"sync_file_range2", "swapcontext", NULL};
static const char *const arch_ppc64le[] = {"ppc64le", NULL};
static const engine__seccomp_cond on_ppc64le = {.arches = arch_ppc64le};

static const char *const arm_names[] = {"arm_fadvise64_64",
					"arm_sync_file_range",
					"sync_file_range2",
					"breakpoint",
					"cacheflush",
					"set_tls",
					NULL};
static const char *const arch_arm[] = {"arm", "arm64", NULL};
static const engine__seccomp_cond on_arm = {.arches = arch_arm};

static const char *const arch_prctl_names[] = {"arch_prctl", NULL};
static const char *const arch_amd64_x32[] = {"amd64", "x32", NULL};
static const engine__seccomp_cond on_amd64_x32 = {.arches = arch_amd64_x32};

static const char *const modify_ldt_names[] = {"modify_ldt", NULL};
static const char *const arch_x86_family[] = {"amd64", "x32", "x86", NULL};
static const engine__seccomp_cond on_x86_family = {.arches = arch_x86_family};

static const char *const s390_names[] = {"s390_pci_mmio_read", "s390_pci_mmio_write", "s390_runtime_instr",
					 NULL};
static const char *const arch_s390[] = {"s390", "s390x", NULL};
static const engine__seccomp_cond on_s390 = {.arches = arch_s390};

static const char *const riscv_names[] = {"riscv_flush_icache", NULL};
static const char *const arch_riscv64[] = {"riscv64", NULL};
static const engine__seccomp_cond on_riscv64 = {.arches = arch_riscv64};

static const char *const dac_read_search_names[] = {"open_by_handle_at", NULL};
static const engine__seccomp_cond with_dac_read_search = {.caps = CAP(CAP_DAC_READ_SEARCH)};

static const char *const sys_admin_names[] = {
    "bpf",
    "clone",
    "clone3",
    "fanotify_init",
    "fsconfig",
    "fsmount",
    "fsopen",
    "fspick",
    "lookup_dcookie",
    "lsm_get_self_attr",
    "lsm_list_modules",
    "lsm_set_self_attr",
    "mount",
    "mount_setattr",
    "move_mount",
    "open_tree",
    "perf_event_open",
    "quotactl",
    "quotactl_fd",
    "setdomainname",
    "sethostname",
    "setns",
    "syslog",
    "umount",
    "umount2",
    "unshare",
    NULL,
};
static const engine__seccomp_cond with_sys_admin = {.caps = CAP(CAP_SYS_ADMIN)};

/* Without CAP_SYS_ADMIN, clone(2) may not create namespaces; the flags are
 * the first argument except on s390, where they are the second. */
#define NS_FLAGS                                                                                             \
	(CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET |           \
	 CLONE_NEWCGROUP)
static const char *const clone_names[] = {"clone", NULL};
static const engine__seccomp_arg clone_no_ns[] = {{0, NS_FLAGS, 0, SCMP_CMP_MASKED_EQ}};
static const engine__seccomp_arg clone_no_ns_s390[] = {{1, NS_FLAGS, 0, SCMP_CMP_MASKED_EQ}};
static const engine__seccomp_cond without_sys_admin_or_s390 = {.caps = CAP(CAP_SYS_ADMIN),
							       .arches = arch_s390};

/* clone3 passes its flags in a struct seccomp cannot read: answer ENOSYS so
 * libcs fall back to clone(2), whose flags are checked above. */
static const char *const clone3_names[] = {"clone3", NULL};

static const char *const reboot_names[] = {"reboot", NULL};
static const engine__seccomp_cond with_sys_boot = {.caps = CAP(CAP_SYS_BOOT)};
static const char *const chroot_names[] = {"chroot", NULL};
static const engine__seccomp_cond with_sys_chroot = {.caps = CAP(CAP_SYS_CHROOT)};
static const char *const module_names[] = {"delete_module", "init_module", "finit_module", NULL};
static const engine__seccomp_cond with_sys_module = {.caps = CAP(CAP_SYS_MODULE)};
static const char *const acct_names[] = {"acct", NULL};
static const engine__seccomp_cond with_sys_pacct = {.caps = CAP(CAP_SYS_PACCT)};
static const char *const sys_ptrace_names[] = {
    "kcmp", "pidfd_getfd", "process_madvise", "process_vm_readv", "process_vm_writev", "ptrace", NULL};
static const engine__seccomp_cond with_sys_ptrace = {.caps = CAP(CAP_SYS_PTRACE)};
static const char *const rawio_names[] = {"iopl", "ioperm", NULL};
static const engine__seccomp_cond with_sys_rawio = {.caps = CAP(CAP_SYS_RAWIO)};
static const char *const time_names[] = {"settimeofday", "stime", "clock_settime", "clock_settime64", NULL};
static const engine__seccomp_cond with_sys_time = {.caps = CAP(CAP_SYS_TIME)};
static const char *const vhangup_names[] = {"vhangup", NULL};
static const engine__seccomp_cond with_sys_tty_config = {.caps = CAP(CAP_SYS_TTY_CONFIG)};
static const char *const nice_names[] = {"get_mempolicy", "mbind", "set_mempolicy", "set_mempolicy_home_node",
					 NULL};
static const engine__seccomp_cond with_sys_nice = {.caps = CAP(CAP_SYS_NICE)};
static const char *const syslog_names[] = {"syslog", NULL};
static const engine__seccomp_cond with_syslog = {.caps = CAP(CAP_SYSLOG)};
static const char *const bpf_names[] = {"bpf", NULL};
static const engine__seccomp_cond with_bpf = {.caps = CAP(CAP_BPF)};
static const char *const perf_names[] = {"perf_event_open", NULL};
static const engine__seccomp_cond with_perfmon = {.caps = CAP(CAP_PERFMON)};

#define ALLOW(names_) .names = (names_), .action = SCMP_ACT_ALLOW
#define ARGS(a) .args = (a), .n_args = N(a)

static const engine__seccomp_rule rules[] = {
    {ALLOW(allowed)},
    {ALLOW(ptrace_names), .includes = &since_4_8},
    {ALLOW(socket_names), ARGS(socket_below_alg)},
    {ALLOW(socket_names), ARGS(socket_between)},
    {ALLOW(socket_names), ARGS(socket_above_vsock)},
    {ALLOW(personality_names), ARGS(personality_0)},
    {ALLOW(personality_names), ARGS(personality_8)},
    {ALLOW(personality_names), ARGS(personality_20000)},
    {ALLOW(personality_names), ARGS(personality_20008)},
    {ALLOW(personality_names), ARGS(personality_query)},
    {ALLOW(ppc64le_names), .includes = &on_ppc64le},
    {ALLOW(arm_names), .includes = &on_arm},
    {ALLOW(arch_prctl_names), .includes = &on_amd64_x32},
    {ALLOW(modify_ldt_names), .includes = &on_x86_family},
    {ALLOW(s390_names), .includes = &on_s390},
    {ALLOW(riscv_names), .includes = &on_riscv64},
    {ALLOW(dac_read_search_names), .includes = &with_dac_read_search},
    {ALLOW(sys_admin_names), .includes = &with_sys_admin},
    {ALLOW(clone_names), ARGS(clone_no_ns), .excludes = &without_sys_admin_or_s390},
    {ALLOW(clone_names), ARGS(clone_no_ns_s390), .includes = &on_s390, .excludes = &with_sys_admin},
    {.names = clone3_names, .action = SCMP_ACT_ERRNO(ENOSYS), .excludes = &with_sys_admin},
    {ALLOW(reboot_names), .includes = &with_sys_boot},
    {ALLOW(chroot_names), .includes = &with_sys_chroot},
    {ALLOW(module_names), .includes = &with_sys_module},
    {ALLOW(acct_names), .includes = &with_sys_pacct},
    {ALLOW(sys_ptrace_names), .includes = &with_sys_ptrace},
    {ALLOW(rawio_names), .includes = &with_sys_rawio},
    {ALLOW(time_names), .includes = &with_sys_time},
    {ALLOW(vhangup_names), .includes = &with_sys_tty_config},
    {ALLOW(nice_names), .includes = &with_sys_nice},
    {ALLOW(syslog_names), .includes = &with_syslog},
    {ALLOW(bpf_names), .includes = &with_bpf},
    {ALLOW(perf_names), .includes = &with_perfmon},
};

static const uint32_t sub_x86_64[] = {SCMP_ARCH_X86, SCMP_ARCH_X32};
static const uint32_t sub_aarch64[] = {SCMP_ARCH_ARM};
static const uint32_t sub_mips64[] = {SCMP_ARCH_MIPS, SCMP_ARCH_MIPS64N32};
static const uint32_t sub_mips64n32[] = {SCMP_ARCH_MIPS, SCMP_ARCH_MIPS64};
static const uint32_t sub_mipsel64[] = {SCMP_ARCH_MIPSEL, SCMP_ARCH_MIPSEL64N32};
static const uint32_t sub_mipsel64n32[] = {SCMP_ARCH_MIPSEL, SCMP_ARCH_MIPSEL64};
static const uint32_t sub_s390x[] = {SCMP_ARCH_S390};

static const engine__seccomp_archmap archmap[] = {
    {SCMP_ARCH_X86_64, sub_x86_64, N(sub_x86_64)},
    {SCMP_ARCH_AARCH64, sub_aarch64, N(sub_aarch64)},
    {SCMP_ARCH_MIPS64, sub_mips64, N(sub_mips64)},
    {SCMP_ARCH_MIPS64N32, sub_mips64n32, N(sub_mips64n32)},
    {SCMP_ARCH_MIPSEL64, sub_mipsel64, N(sub_mipsel64)},
    {SCMP_ARCH_MIPSEL64N32, sub_mipsel64n32, N(sub_mipsel64n32)},
    {SCMP_ARCH_S390X, sub_s390x, N(sub_s390x)},
    {SCMP_ARCH_RISCV64, NULL, 0},
};

static const engine__seccomp_profile default_profile = {
    .default_action = SCMP_ACT_ERRNO(EPERM),
    .archmap = archmap,
    .n_archmap = N(archmap),
    .rules = rules,
    .n_rules = N(rules),
};

const engine__seccomp_profile *engine__seccomp_default_profile(void)
{
	return &default_profile;
}

uint64_t engine__seccomp_default_caps_mask(void)
{
	uint64_t mask = 0;

	for (size_t i = 0; i < N(rules); i++) {
		if (rules[i].includes)
			mask |= rules[i].includes->caps;
		if (rules[i].excludes)
			mask |= rules[i].excludes->caps;
	}
	return mask;
}
