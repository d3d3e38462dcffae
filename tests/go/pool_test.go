package enginetest

import (
	"errors"
	"strings"
	"testing"

	"libengine.local/engine"
)

func TestPoolRunsFreshSandboxes(t *testing.T) {
	p, err := shared.NewPool("busybox", []string{"sh", "-c", "echo $X"}, &engine.RunOptions{Memory: "64m"}, 2)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	seen := map[string]bool{}
	for i := 0; i < 4; i++ {
		res, err := p.Run([]string{"sh", "-c", "test ! -e /tmp/m && touch /tmp/m && echo $X"}, []string{"X=go"})
		if err != nil || res.ExitCode != 0 || string(res.Stdout) != "go\n" {
			t.Fatalf("run %d: %+v %v", i, res, err)
		}
		if seen[res.ID] {
			t.Fatalf("sandbox %s handed out twice", res.ID)
		}
		seen[res.ID] = true
	}
	res, err := p.Run(nil, nil)
	if err != nil || strings.TrimSpace(string(res.Stdout)) != "" {
		t.Fatalf("template command: %+v %v", res, err)
	}
	res, err = p.Run([]string{"no-such-command"}, nil)
	var ee *engine.Error
	if !errors.As(err, &ee) || res == nil || res.ExitCode != 127 {
		t.Fatalf("missing command: %+v %v", res, err)
	}
	p.Close()
	if _, err := p.Run(nil, nil); !errors.Is(err, engine.ErrClosed) {
		t.Fatalf("closed pool: %v", err)
	}
}
