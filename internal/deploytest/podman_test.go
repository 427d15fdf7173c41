package deploytest

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// testImage is the tag this test builds; scripts/podman/build.sh also
// tags it localhost/openreview-finder:dev.
const testImage = "localhost/openreview-finder:deploytest"

// TestImage builds the Dockerfile with podman and runs the image as a
// Space would: as uid 1000, reached through a port mapping to app_port,
// with no bucket or a read-only one at /data. It needs root, podman, runc
// and the base images; without them it skips and says which to get. The
// layers stay in podman's cache, so a run whose sources did not change
// builds nothing.
func TestImage(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the Space's image (minutes on a cold machine); skipped with -short")
	}
	requirePodman(t)
	abs, err := filepath.Abs(root)
	if err != nil {
		t.Fatal(err)
	}
	df := parseDockerfile(t, readFile(t, "Dockerfile"))
	requireBaseImages(t, df)
	port := df.listenPort(t)

	ctx := t.Context()
	if d, ok := t.Deadline(); ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(ctx, d.Add(-20*time.Second))
		defer cancel()
	}
	start := time.Now()
	if out, err := podman(ctx, "bash", filepath.Join(abs, "scripts/podman/build.sh"), "-t", testImage); err != nil {
		t.Fatalf("build.sh: %v\n%s", err, tail(out, 6000))
	}
	t.Logf("image built in %s", time.Since(start).Round(time.Second))

	t.Run("no bucket", func(t *testing.T) {
		checkContainer(ctx, t, port)
	})
	t.Run("read-only bucket", func(t *testing.T) {
		// A root-owned folder, read-only: what uid 1000 meets when the
		// bucket is mounted read-only or with the wrong owner. serve must
		// still start, keeping the live index in ORF_WORK_DIR.
		checkContainer(ctx, t, port, "-v", t.TempDir()+":/data:ro")
	})
}

// requirePodman skips the test where podman cannot run containers.
func requirePodman(t *testing.T) {
	t.Helper()
	const get = "apt-get install podman buildah runc mmdebstrap, then bash scripts/podman/base-images.sh (.ci/run does both)"
	for _, tool := range []string{"podman", "runc"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not installed: %s", tool, get)
		}
	}
	if os.Geteuid() != 0 {
		t.Skip("needs root: scripts/podman/containers.conf is for rootful podman, as CI runs it")
	}
	out, err := exec.CommandContext(t.Context(), "unshare", "--mount", "--pid", "--fork", "true").CombinedOutput()
	if err != nil {
		t.Skipf("containers cannot run here: no mount or pid namespaces (unshare: %v: %s), as inside an unprivileged container such as a GitHub container job",
			err, bytes.TrimSpace(out))
	}
}

// requireBaseImages skips the test when a FROM image is not in podman's
// store: Docker Hub may be out of reach, and the build never pulls.
func requireBaseImages(t *testing.T, df *dockerfile) {
	t.Helper()
	names := map[string]bool{}
	for _, st := range df.stages {
		earlier := names[st.from]
		names[st.name] = true
		if earlier {
			continue // FROM an earlier stage
		}
		ref := st.from
		if !strings.Contains(ref, "/") {
			ref = "docker.io/library/" + ref
		}
		if err := exec.CommandContext(t.Context(), "podman", "image", "exists", ref).Run(); err != nil {
			t.Skipf("base image %s is missing: run bash scripts/podman/base-images.sh to make a stand-in (Docker Hub is out of reach here), or podman pull it", ref)
		}
	}
}

// checkContainer runs the image with extra podman run arguments, and
// checks that it answers on the mapped app_port and runs as uid 1000.
func checkContainer(ctx context.Context, t *testing.T, port int, extra ...string) {
	name := fmt.Sprintf("orf-deploytest-%d-%d", os.Getpid(), time.Now().UnixNano())
	host := freePort(t)
	args := append([]string{"run", "-d", "--name", name, "-p", fmt.Sprintf("127.0.0.1:%d:%d", host, port),
		// No model download or crawl: the test never touches the internet.
		"-e", "HF_HUB_OFFLINE=1"}, extra...)
	if out, err := podman(ctx, "podman", append(args, testImage)...); err != nil {
		t.Fatalf("podman run: %v\n%s", err, out)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if out, err := podman(ctx, "podman", "rm", "-f", "-t", "0", name); err != nil {
			t.Errorf("podman rm %s: %v\n%s", name, err, out)
		}
	})
	logs := func() string {
		out, _ := podman(context.Background(), "podman", "logs", name)
		return tail(out, 4000)
	}
	running := func() bool {
		out, err := podman(ctx, "podman", "inspect", "-f", "{{.State.Running}}", name)
		return err == nil && strings.TrimSpace(string(out)) == "true"
	}
	base := fmt.Sprintf("http://127.0.0.1:%d", host)
	for _, p := range []string{"/healthz", "/"} {
		if err := waitOK(ctx, base+p, time.Minute, running); err != nil {
			t.Fatalf("%v\ncontainer output:\n%s", err, logs())
		}
	}
	// The Space page frames the app: nothing may forbid huggingface.co.
	resp, err := http.Get(base + "/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if xfo := resp.Header.Get("X-Frame-Options"); xfo != "" {
		t.Errorf("GET / sends X-Frame-Options %q: the Space page could not frame the app", xfo)
	}
	if csp := resp.Header.Get("Content-Security-Policy"); strings.Contains(csp, "frame-ancestors") && !strings.Contains(csp, "https://huggingface.co") {
		t.Errorf("GET / Content-Security-Policy %q does not let https://huggingface.co frame the app", csp)
	}
	// The server itself, PID 1 (the CMD's exec form), not just podman
	// exec's user.
	status, err := podman(ctx, "podman", "exec", name, "cat", "/proc/1/status")
	if err != nil {
		t.Fatalf("podman exec: %v\n%s", err, status)
	}
	if uid := procUID(status); uid != "1000" {
		t.Errorf("the server runs as uid %q, want 1000 as on Spaces", uid)
	}
	if out, err := podman(ctx, "podman", "exec", name, "sh", "-c", `test -w "$ORF_WORK_DIR" && test -w "$HOME"`); err != nil {
		t.Errorf("ORF_WORK_DIR or HOME is not writable by the container's user: %v %s", err, out)
	}
}

func procUID(status []byte) string {
	for line := range strings.Lines(string(status)) {
		if rest, ok := strings.CutPrefix(line, "Uid:"); ok {
			f := strings.Fields(rest)
			for _, id := range f[1:] { // effective, saved, filesystem
				if id != f[0] {
					return "mixed " + rest
				}
			}
			return f[0]
		}
	}
	return ""
}

// waitOK polls url until it answers 200, for at most limit or until
// running says the server has stopped.
func waitOK(ctx context.Context, url string, limit time.Duration, running func() bool) error {
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	for {
		var last error
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return err
		}
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			last = fmt.Errorf("status %s", resp.Status)
		} else {
			last = err
		}
		if !running() {
			return fmt.Errorf("GET %s: the container stopped (%w)", url, last)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("GET %s: no 200 within %s: %w", url, limit, last)
		case <-time.After(250 * time.Millisecond):
		}
	}
}

// podman runs name with podman configured for this kind of machine
// (scripts/podman/containers.conf: runc, lowered ulimits).
func podman(ctx context.Context, name string, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, name, args...)
	conf, err := filepath.Abs(filepath.Join(root, "scripts", "podman", "containers.conf"))
	if err != nil {
		return nil, err
	}
	cmd.Env = append(os.Environ(), "CONTAINERS_CONF="+conf)
	return cmd.CombinedOutput()
}

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

func tail(b []byte, n int) string {
	if len(b) > n {
		return "..." + string(b[len(b)-n:])
	}
	return string(b)
}
