/* A static helper the runtime tests copy into their rootfs: makes one
 * system call by name and prints "ok" or the errno name, so a test can tell
 * a seccomp denial (EPERM) from what the kernel itself says. */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/keyctl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	long r;

	if (argc < 2)
		return 2;
	if (strcmp(argv[1], "keyctl") == 0)
		r = syscall(SYS_keyctl, KEYCTL_GET_KEYRING_ID, KEY_SPEC_SESSION_KEYRING, 0);
	else if (strcmp(argv[1], "unshare") == 0)
		r = unshare(CLONE_NEWUSER);
	else if (strcmp(argv[1], "mount") == 0)
		r = mount("none", "/tmp", "tmpfs", 0, NULL);
	else
		return 2;
	if (r < 0) {
		printf("%s\n", errno == EPERM ? "EPERM" : errno == ENOSYS ? "ENOSYS" : strerror(errno));
		return 1;
	}
	printf("ok\n");
	return 0;
}
