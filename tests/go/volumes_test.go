package enginetest

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"libengine.local/engine"
)

func TestVolumes(t *testing.T) {
	root := t.TempDir()
	ctx, err := engine.Open(engine.Options{Root: root})
	if err != nil {
		t.Fatal(err)
	}
	defer ctx.Close()
	vols := ctx.Volumes()
	name, err := vols.Create("data", &engine.VolumeCreateOptions{Labels: map[string]string{"team": "web"}})
	if err != nil || name != "data" {
		t.Fatalf("create: %q %v", name, err)
	}
	v, err := vols.Inspect("data")
	if err != nil {
		t.Fatal(err)
	}
	if v.Driver != "local" || v.Scope != "local" || v.Labels["team"] != "web" ||
		v.Mountpoint != filepath.Join(root, "volumes", "data", "_data") {
		t.Fatalf("inspect: %+v", v)
	}
	if _, err := vols.Create("t1", &engine.VolumeCreateOptions{Options: map[string]string{"type": "nfs"}}); !errors.Is(err, engine.ErrNotSupported) {
		t.Fatalf("type=nfs: %v", err)
	}
	anon, err := vols.Create("", nil)
	if err != nil || len(anon) != 64 {
		t.Fatalf("anonymous: %q %v", anon, err)
	}
	list, err := vols.List("label=team=web")
	if err != nil || len(list) != 1 || list[0].Name != "data" {
		t.Fatalf("list: %+v %v", list, err)
	}
	if _, err := vols.Inspect("nope"); !errors.Is(err, engine.ErrNotFound) {
		t.Fatalf("inspect nope: %v", err)
	}
	if err := os.WriteFile(filepath.Join(v.Mountpoint, "f"), make([]byte, 8192), 0o644); err != nil {
		t.Fatal(err)
	}
	// Only anonymous volumes that containers made go without all=true;
	// one created without a name is not one of them (as with Docker).
	names, _, err := vols.Prune()
	if err != nil || len(names) != 0 {
		t.Fatalf("prune: %v %v", names, err)
	}
	names, n, err := vols.Prune("all=true")
	if err != nil || len(names) != 2 || n < 8192 {
		t.Fatalf("prune all: %v %d %v", names, n, err)
	}
	if err := vols.Remove("data", false); !errors.Is(err, engine.ErrNotFound) {
		t.Fatalf("remove pruned: %v", err)
	}
}

func TestVolumeAndHealthInContainers(t *testing.T) {
	c, err := shared.Create("busybox", []string{"sleep", "60"}, &engine.RunOptions{
		Volumes:    []string{"govol:/data"},
		MountSpecs: []string{"type=tmpfs,dst=/scratch,tmpfs-size=1m"},
		Health: &engine.Healthcheck{Test: []string{"CMD-SHELL", "test -f /data/ok"},
			Interval: 100 * time.Millisecond, Retries: 1},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer shared.Volumes().Remove("govol", true)
	defer c.Remove(true)
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	bg := context.Background()
	if _, err := c.Exec(bg, []string{"touch", "/data/ok"}, nil); err != nil {
		t.Fatal(err)
	}
	v, err := shared.Volumes().Inspect("govol")
	if err != nil || v.UsageData.RefCount != 1 {
		t.Fatalf("volume in use: %+v %v", v, err)
	}
	if _, err := os.Stat(filepath.Join(v.Mountpoint, "ok")); err != nil {
		t.Fatal(err)
	}
	// the check passes now: wait for the status (bounded, not timed)
	var state struct {
		State struct{ Health struct{ Status string } }
	}
	for i := 0; i < 600 && state.State.Health.Status != "healthy"; i++ {
		raw, err := c.Inspect()
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(raw, &state); err != nil {
			t.Fatal(err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if state.State.Health.Status != "healthy" {
		t.Fatalf("health: %q", state.State.Health.Status)
	}
	if _, err := shared.Create("busybox", nil, &engine.RunOptions{Health: &engine.Healthcheck{Test: []string{"RUN"}}}); !errors.Is(err, engine.ErrInvalid) {
		t.Fatalf("bad test: %v", err)
	}
}
