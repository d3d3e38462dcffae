package enginetest

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"libengine.local/engine"
)

// TestNetworks re-runs itself under `unshare --net` (loopback up): bridges,
// veths and nftables rules stay in a network namespace of the test's own.
func TestNetworks(t *testing.T) {
	if os.Getenv("ENGINE_GOTEST_NETNS") == "" {
		_, errU := exec.LookPath("unshare")
		_, errI := exec.LookPath("ip")
		if os.Geteuid() != 0 || errU != nil || errI != nil {
			t.Skip("needs root, unshare and ip")
		}
		cmd := exec.Command("unshare", "--net", "--", "sh", "-c", `ip link set lo up && exec "$@"`, "sh",
			os.Args[0], "-test.run=^TestNetworks$", "-test.count=1", "-test.v")
		cmd.Env = append(os.Environ(), "ENGINE_GOTEST_NETNS=1")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("in a network namespace: %v\n%s", err, out)
		}
		t.Logf("in a network namespace:\n%s", out)
		return
	}
	bg := context.Background()
	id, err := shared.CreateNetwork("gonet", &engine.NetworkOptions{Subnet: "10.124.0.0/24", Labels: map[string]string{"k": "v"}})
	if err != nil || len(id) != 64 {
		t.Fatalf("create: %q %v", id, err)
	}
	if _, err := shared.CreateNetwork("gonet", nil); !errors.Is(err, engine.ErrExists) {
		t.Fatalf("duplicate: %v", err)
	}
	var ins struct {
		Name   string
		Labels map[string]string
		IPAM   struct {
			Config []struct{ Subnet, Gateway string }
		}
	}
	raw, err := shared.InspectNetwork("gonet")
	if err != nil || json.Unmarshal(raw, &ins) != nil || ins.Labels["k"] != "v" || len(ins.IPAM.Config) != 1 ||
		ins.IPAM.Config[0].Subnet != "10.124.0.0/24" || ins.IPAM.Config[0].Gateway != "10.124.0.1" {
		t.Fatalf("inspect: %s %v", raw, err)
	}
	var all []struct{ Name string }
	if raw, err := shared.ListNetworks(); err != nil || json.Unmarshal(raw, &all) != nil || len(all) != 4 {
		t.Fatalf("list: %s %v", raw, err)
	}

	www := filepath.Join(t.TempDir(), "www")
	if err := os.MkdirAll(www, 0o755); err != nil || os.WriteFile(filepath.Join(www, "index.html"), []byte("hello\n"), 0o644) != nil {
		t.Fatal(err)
	}
	web, err := shared.Create("busybox", []string{"httpd", "-f", "-p", "80", "-h", "/www"}, &engine.RunOptions{
		Network: "gonet", NetworkAliases: []string{"www"}, Ports: []string{"127.0.0.1::80"},
		Volumes: []string{www + ":/www:ro"},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer web.Remove(true)
	if err := web.Start(); err != nil {
		t.Fatal(err)
	}
	hp, err := web.Port("80")
	if err != nil || len(hp) != 1 || !strings.HasPrefix(hp[0], "127.0.0.1:") {
		t.Fatalf("port: %q %v", hp, err)
	}
	if ports, err := web.Ports(); err != nil || len(ports["80/tcp"]) != 1 || "127.0.0.1:"+ports["80/tcp"][0].HostPort != hp[0] {
		t.Fatalf("ports: %v %v", ports, err)
	}
	var body []byte
	for i := 0; i < 100; i++ {
		resp, err := http.Get("http://" + hp[0] + "/")
		if err == nil {
			body, _ = io.ReadAll(resp.Body)
			resp.Body.Close()
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if string(body) != "hello\n" {
		t.Fatalf("published port: %q", body)
	}
	res, err := shared.Run(bg, "busybox", []string{"wget", "-q", "-O-", "http://www/"},
		&engine.RunOptions{Network: "gonet", ExtraHosts: []string{"extra:10.9.8.7"}, Timeout: 30 * time.Second})
	if err != nil || string(res.Stdout) != "hello\n" {
		t.Fatalf("by alias: %+v %v", res, err)
	}

	peer, err := shared.Create("busybox", []string{"sleep", "60"}, &engine.RunOptions{Network: "bridge"})
	if err != nil {
		t.Fatal(err)
	}
	defer peer.Remove(true)
	if err := shared.Connect("gonet", peer.ID, &engine.ConnectOptions{IP: "10.124.0.50", Aliases: []string{"p"}}); err != nil {
		t.Fatalf("connect: %v", err)
	}
	if err := peer.Start(); err != nil {
		t.Fatal(err)
	}
	res, err = peer.Exec(bg, []string{"sh", "-c", "ip -4 addr | grep -c 10.124.0.50; wget -q -O- http://www/"}, nil)
	if err != nil || string(res.Stdout) != "1\nhello\n" {
		t.Fatalf("connected: %+v %v", res, err)
	}
	if err := shared.Disconnect("gonet", peer.ID); err != nil {
		t.Fatalf("disconnect: %v", err)
	}
	if err := shared.Disconnect("gonet", peer.ID); !errors.Is(err, engine.ErrNotFound) {
		t.Fatalf("second disconnect: %v", err)
	}
	if err := shared.RemoveNetwork("gonet"); !errors.Is(err, engine.ErrBusy) {
		t.Fatalf("remove in use: %v", err)
	}
	web.Remove(true)
	peer.Remove(true)
	if err := shared.RemoveNetwork("gonet"); err != nil {
		t.Fatalf("remove: %v", err)
	}
	if _, err := shared.InspectNetwork("gonet"); !errors.Is(err, engine.ErrNotFound) {
		t.Fatalf("removed: %v", err)
	}
	if _, err := shared.CreateNetwork("spare", nil); err != nil {
		t.Fatal(err)
	}
	if names, err := shared.PruneNetworks(); err != nil || len(names) != 1 || names[0] != "spare" {
		t.Fatalf("prune: %q %v", names, err)
	}
}
