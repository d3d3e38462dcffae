package enginetest

import (
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"libengine.local/engine"
)

func TestBuildAndRun(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "Dockerfile"),
		[]byte("FROM busybox\nARG WHO=nobody\nRUN echo hello $WHO > /greeting\nCMD [\"cat\", \"/greeting\"]\n"), 0o644)
	id, err := shared.Images().Build(dir, &engine.BuildOptions{Tags: []string{"gobuilt:1"}, BuildArgs: map[string]string{"WHO": "go"}})
	if err != nil || !strings.HasPrefix(id, "sha256:") {
		t.Fatalf("build: %q %v", id, err)
	}
	defer shared.Images().Remove("gobuilt:1", true)
	res, err := shared.Run(context.Background(), "gobuilt:1", nil, nil)
	if err != nil || string(res.Stdout) != "hello go\n" {
		t.Fatalf("run: %+v %v", res, err)
	}
	os.WriteFile(filepath.Join(dir, "Dockerfile"), []byte("FROM busybox\nRUNN x\n"), 0o644)
	if _, err := shared.Images().Build(dir, nil); !errors.Is(err, engine.ErrInvalid) || !strings.Contains(err.Error(), "unknown instruction") {
		t.Fatalf("bad Dockerfile: %v", err)
	}
}

func TestRegistryCalls(t *testing.T) {
	ref, err := shared.NormalizeReference("busybox")
	if err != nil || ref != "docker.io/library/busybox:latest" {
		t.Fatalf("normalize: %q %v", ref, err)
	}
	if _, err := shared.NormalizeReference("UPPER/Case"); !errors.Is(err, engine.ErrInvalid) {
		t.Fatalf("normalize invalid: %v", err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close() // a port nothing listens on
	_, err = shared.Images().Pull(addr+"/nothing/here:1", &engine.PullOptions{Timeout: 5 * time.Second})
	var e *engine.Error
	if !errors.As(err, &e) || !strings.Contains(e.Message, "127.0.0.1") {
		t.Fatalf("pull from a closed port: %v", err)
	}
	if _, err := shared.Images().Push(addr+"/missing:1", nil); !errors.Is(err, engine.ErrNotFound) {
		t.Fatalf("push of a missing image: %v", err)
	}
}
