package enginetest

import (
	"bytes"
	"errors"
	"testing"
	"time"

	"libengine.local/engine"
)

// Exec instances: a TTY's pty master, resize, state (running, PID, exit
// code), wait; a detached one; a missing command.
func TestExecInstance(t *testing.T) {
	c, err := shared.Create("busybox", []string{"sleep", "60"}, &engine.RunOptions{Network: "none"})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Remove(true)
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	x, err := c.ExecCreate([]string{"sh", "-c", "tty; stty size; read v; echo [$v]; exit 3"},
		&engine.ExecConfig{Tty: true, Stdin: true, Rows: 24, Cols: 80})
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	if err := x.Start(false); err != nil {
		t.Fatal(err)
	}
	if st, err := x.State(); err != nil || !st.Running || !st.Tty || st.Pid <= 0 || st.ExitCode != -1 {
		t.Fatalf("state %+v %v", st, err)
	}
	pty := x.File(1)
	if pty == nil || x.File(2) != nil {
		t.Fatal("a TTY exec has its master as stdout and no stderr")
	}
	defer pty.Close()
	var out []byte
	buf := make([]byte, 4096)
	for !bytes.Contains(out, []byte("24 80\r\n")) {
		n, err := pty.Read(buf)
		if err != nil {
			t.Fatalf("read %q: %v", out, err)
		}
		out = append(out, buf[:n]...)
	}
	if err := x.Resize(30, 100); err != nil {
		t.Fatal(err)
	}
	pty.Write([]byte("hi\r"))
	for {
		n, err := pty.Read(buf)
		out = append(out, buf[:n]...)
		if err != nil || n == 0 {
			break // EIO: the terminal's other side is closed
		}
	}
	if string(out) != "/dev/pts/0\r\n24 80\r\nhi\r\n[hi]\r\n" {
		t.Fatalf("output %q", out)
	}
	if code, err := x.Wait(-1); err != nil || code != 3 {
		t.Fatalf("wait %d %v", code, err)
	}
	if err := x.Resize(30, 100); !errors.Is(err, engine.ErrBusy) {
		t.Fatalf("resize after the end: %v", err)
	}

	d, err := c.ExecCreate([]string{"sh", "-c", "exit 4"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if err := d.Start(true); err != nil {
		t.Fatal(err)
	}
	if code, err := d.Wait(time.Minute); err != nil || code != 4 || d.File(1) != nil {
		t.Fatalf("detached: %d %v", code, err)
	}

	m, err := c.ExecCreate([]string{"/no/such"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if err := m.Start(false); !errors.Is(err, engine.ErrNotFound) {
		t.Fatalf("missing command: %v", err)
	}
	if st, _ := m.State(); st.ExitCode != 127 {
		t.Fatalf("missing command's status %+v", st)
	}
}
