package enginetest

import (
	"archive/tar"
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"libengine.local/engine"
)

func TestDefaultImage(t *testing.T) {
	ctx := fresh(t)
	id, err := ctx.Images().CreateDefault("")
	if err != nil || !strings.HasPrefix(id, "sha256:") {
		t.Fatalf("CreateDefault: %q %v", id, err)
	}
	if again, _ := ctx.Images().CreateDefault(""); again != id {
		t.Fatalf("not reproducible: %s vs %s", id, again)
	}
	list, err := ctx.Images().List()
	if err != nil || len(list) != 1 || list[0].ID != id || !reflect.DeepEqual(list[0].Tags, []string{"busybox:latest"}) {
		t.Fatalf("List: %+v %v", list, err)
	}
	img, err := ctx.Images().Get("busybox")
	if err != nil || img.ID != id || !reflect.DeepEqual(img.Cmd, []string{"sh"}) || len(img.Layers) != 1 {
		t.Fatalf("Get: %+v %v", img, err)
	}
	raw, err := ctx.Images().Inspect("busybox:latest")
	var doc struct{ Id string }
	if err != nil || json.Unmarshal(raw, &doc) != nil || doc.Id != id {
		t.Fatalf("Inspect: %s %v", raw, err)
	}
	raw, err = ctx.Images().History("busybox")
	var hist []struct {
		Id   string
		Size int64
	}
	if err != nil || json.Unmarshal(raw, &hist) != nil || len(hist) == 0 || hist[0].Id != id || hist[0].Size <= 0 {
		t.Fatalf("History: %s %v", raw, err)
	}
}

func TestImageErrors(t *testing.T) {
	_, err := shared.Images().Get("no-such-image:1")
	var e *engine.Error
	if !errors.Is(err, engine.ErrNotFound) || !errors.As(err, &e) || !strings.Contains(e.Message, "no-such-image") {
		t.Fatalf("Get missing: %v", err)
	}
	if err := shared.Images().Tag("busybox", "Not A Valid Ref!"); !errors.Is(err, engine.ErrInvalid) {
		t.Fatalf("Tag invalid: %v", err)
	}
	if _, err := shared.Images().Load("/nonexistent/archive.tar", nil); !errors.Is(err, engine.ErrNotFound) {
		t.Fatalf("Load missing: %v", err)
	}
}

func TestTagRemoveSaveLoad(t *testing.T) {
	ctx := fresh(t)
	id, err := ctx.Images().CreateDefault("")
	if err != nil {
		t.Fatal(err)
	}
	if err := ctx.Images().Tag("busybox", "mine:1"); err != nil {
		t.Fatal(err)
	}
	report, err := ctx.Images().Remove("mine:1", false)
	if err != nil || !reflect.DeepEqual(report, []string{"Untagged: mine:1"}) {
		t.Fatalf("Remove: %q %v", report, err)
	}
	for _, format := range []int{engine.FormatOCI, engine.FormatDockerArchive} {
		archive := filepath.Join(t.TempDir(), "busybox.tar")
		if err := ctx.Images().Save([]string{"busybox:latest"}, archive, format); err != nil {
			t.Fatal(err)
		}
		other := fresh(t)
		loaded, err := other.Images().Load(archive, nil)
		if err != nil || !reflect.DeepEqual(loaded, []string{"busybox:latest"}) {
			t.Fatalf("Load: %q %v", loaded, err)
		}
		if img, err := other.Images().Get("busybox"); err != nil || img.ID != id {
			t.Fatalf("loaded image: %+v %v", img, err)
		}
	}
}

func TestImportAndUnpack(t *testing.T) {
	ctx := fresh(t)
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	tw.WriteHeader(&tar.Header{Name: "etc/greeting", Mode: 0o644, Size: 6, Typeflag: tar.TypeReg})
	tw.Write([]byte("hello\n"))
	tw.Close()
	tarball := filepath.Join(t.TempDir(), "rootfs.tar")
	os.WriteFile(tarball, buf.Bytes(), 0o644)
	id, err := ctx.Images().Import(tarball, &engine.ImportOptions{
		Ref: "imported:1", Env: map[string]string{"B": "2", "A": "1"}, Cmd: []string{"/bin/true"}, WorkingDir: "/etc"})
	if err != nil {
		t.Fatal(err)
	}
	img, err := ctx.Images().Get("imported:1")
	if err != nil || img.ID != id || !reflect.DeepEqual(img.Env, []string{"A=1", "B=2"}) || img.WorkingDir != "/etc" {
		t.Fatalf("imported: %+v %v", img, err)
	}
	dir := filepath.Join(t.TempDir(), "out")
	if err := ctx.Images().Unpack("imported:1", dir); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "etc/greeting")); string(b) != "hello\n" {
		t.Fatalf("unpacked: %q", b)
	}
	u, err := ctx.StoreUsage()
	if err != nil || u.Images != 1 || u.Blobs == 0 {
		t.Fatalf("usage: %+v %v", u, err)
	}
	if problems, err := ctx.CheckStore(); err != nil || len(problems) != 0 {
		t.Fatalf("check: %q %v", problems, err)
	}
}
