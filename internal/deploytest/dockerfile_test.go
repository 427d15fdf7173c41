package deploytest

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// instruction is one Dockerfile instruction, continuation lines joined.
type instruction struct {
	cmd  string // upper case: FROM, RUN, ENV, ...
	args string
	line int
}

// stage is one FROM and what follows it.
type stage struct {
	from, name string
	ins        []instruction
}

// dockerfile is just enough of a Dockerfile parser for the checks here:
// comments, continuations, stages, ENV, USER, COPY, CMD. Heredocs and
// parser directives other than comments are not supported.
type dockerfile struct{ stages []stage }

func parseDockerfile(t *testing.T, src []byte) *dockerfile {
	t.Helper()
	df, err := parseDockerfileErr(src)
	if err != nil {
		t.Fatalf("Dockerfile: %v", err)
	}
	return df
}

func parseDockerfileErr(src []byte) (*dockerfile, error) {
	df := &dockerfile{}
	sc := bufio.NewScanner(bytes.NewReader(src))
	var cur strings.Builder
	start := 0
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue // comments may sit inside a continued instruction too
		}
		if cur.Len() == 0 {
			start = n
		} else {
			cur.WriteByte(' ')
		}
		body, cont := strings.CutSuffix(line, `\`)
		cur.WriteString(strings.TrimSpace(body))
		if cont {
			continue
		}
		if err := df.add(cur.String(), start); err != nil {
			return nil, err
		}
		cur.Reset()
	}
	if cur.Len() > 0 {
		return nil, fmt.Errorf("line %d: the last instruction ends with a continuation", start)
	}
	if len(df.stages) == 0 {
		return nil, fmt.Errorf("no FROM")
	}
	return df, nil
}

func (df *dockerfile) add(text string, line int) error {
	cmd, args, _ := strings.Cut(text, " ")
	in := instruction{cmd: strings.ToUpper(cmd), args: strings.TrimSpace(args), line: line}
	if in.cmd == "FROM" {
		f := strings.Fields(in.args)
		st := stage{from: f[0]}
		if len(f) == 3 && strings.EqualFold(f[1], "AS") {
			st.name = f[2]
		}
		df.stages = append(df.stages, st)
		return nil
	}
	if len(df.stages) == 0 {
		if in.cmd == "ARG" {
			return nil // an ARG before the first FROM
		}
		return fmt.Errorf("line %d: %s before FROM", line, in.cmd)
	}
	st := &df.stages[len(df.stages)-1]
	st.ins = append(st.ins, in)
	return nil
}

// all returns the arguments of every cmd instruction of the stage.
func (st *stage) all(cmd string) []instruction {
	var out []instruction
	for _, in := range st.ins {
		if in.cmd == cmd {
			out = append(out, in)
		}
	}
	return out
}

// env is the environment the stage's ENV instructions set.
func (st *stage) env() map[string]string {
	env := map[string]string{}
	for _, in := range st.all("ENV") {
		f := fields(in.args)
		if len(f) > 0 && !strings.Contains(f[0], "=") { // legacy "ENV KEY value words"
			env[f[0]] = strings.Join(f[1:], " ")
			continue
		}
		for _, kv := range f {
			k, v, _ := strings.Cut(kv, "=")
			env[k] = v
		}
	}
	return env
}

// fields splits on spaces outside double quotes and unquotes.
func fields(s string) []string {
	var out []string
	var cur strings.Builder
	quoted := false
	for _, r := range s {
		switch {
		case r == '"':
			quoted = !quoted
		case r == ' ' && !quoted:
			if cur.Len() > 0 {
				out = append(out, cur.String())
				cur.Reset()
			}
		default:
			cur.WriteRune(r)
		}
	}
	if cur.Len() > 0 {
		out = append(out, cur.String())
	}
	return out
}

func (df *dockerfile) runtime() *stage { return &df.stages[len(df.stages)-1] }

// listenPort is the port of the runtime stage's ORF_ADDR.
func (df *dockerfile) listenPort(t *testing.T) int {
	t.Helper()
	_, port, err := net.SplitHostPort(df.runtime().env()["ORF_ADDR"])
	if err != nil {
		t.Fatalf("Dockerfile ORF_ADDR: %v", err)
	}
	n, err := strconv.Atoi(port)
	if err != nil {
		t.Fatalf("Dockerfile ORF_ADDR port: %v", err)
	}
	return n
}

// buildOnly are packages that compile rather than run code: none belongs
// in the runtime image.
var buildOnly = regexp.MustCompile(`^(gcc(-\d+)?|g\+\+(-\d+)?|cpp|clang.*|make|build-essential|golang.*|.*-dev)$`)

// aptInstalls returns the packages of the apt-get installs in a RUN line.
func aptInstalls(run string) []string {
	var pkgs []string
	for _, cmd := range regexp.MustCompile(`&&|;|\|\|`).Split(run, -1) {
		f := strings.Fields(cmd)
		i := slices.Index(f, "install")
		if i < 1 || !strings.HasSuffix(f[i-1], "apt-get") && !strings.HasSuffix(f[i-1], "apt") {
			continue
		}
		for _, a := range f[i+1:] {
			if !strings.HasPrefix(a, "-") {
				pkgs = append(pkgs, a)
			}
		}
	}
	return pkgs
}

// uid1000Users returns the names that `useradd -u 1000 NAME` creates in
// the stage, with whether -m makes their home /home/NAME.
func (st *stage) uid1000Users() map[string]bool {
	users := map[string]bool{}
	for _, in := range st.all("RUN") {
		for _, cmd := range regexp.MustCompile(`&&|;`).Split(in.args, -1) {
			f := strings.Fields(cmd)
			if len(f) < 2 || f[0] != "useradd" {
				continue
			}
			uid, home := "", false
			for i, a := range f[1 : len(f)-1] {
				switch a {
				case "-u", "--uid":
					uid = f[i+2]
				case "-m", "--create-home":
					home = true
				}
			}
			if uid == "1000" {
				users[f[len(f)-1]] = home
			}
		}
	}
	return users
}

// dockerfileProblems lists what would break the image on a Docker Space
// (reference §1.2) or bloat it; appPort is README.md's app_port.
func dockerfileProblems(df *dockerfile, appPort int) []string {
	var probs []string
	add := func(format string, args ...any) { probs = append(probs, fmt.Sprintf(format, args...)) }
	if len(df.stages) < 2 {
		add("one stage only: build in a golang stage and copy the binary into a slim runtime stage")
	}
	rt := df.runtime()
	stageNames := map[string]bool{}
	for _, st := range df.stages[:len(df.stages)-1] {
		stageNames[st.name] = st.name != ""
	}
	if strings.HasPrefix(rt.from, "golang") || stageNames[rt.from] {
		add("the runtime stage starts FROM %s, which carries the Go toolchain", rt.from)
	}
	if len(df.stages) >= 2 {
		probs = append(probs, layerProblems(&df.stages[0])...)
	}
	for _, in := range rt.all("RUN") {
		for _, p := range aptInstalls(in.args) {
			if buildOnly.MatchString(p) {
				add("line %d: the runtime stage installs %s, a build tool or headers", in.line, p)
			}
		}
	}
	for _, in := range rt.all("COPY") {
		if strings.Contains(in.args, "--from") && regexp.MustCompile(`(^|\s)/(usr/local/)?go(/|\s|$)`).MatchString(in.args) {
			add("line %d: the runtime stage copies the Go toolchain or GOPATH: %s", in.line, in.args)
		}
	}
	probs = append(probs, userProblems(rt)...)
	env := rt.env()
	host, port, err := net.SplitHostPort(env["ORF_ADDR"])
	switch {
	case err != nil:
		add("ENV ORF_ADDR=%q is not HOST:PORT: the server would listen on 127.0.0.1, out of the Space proxy's reach", env["ORF_ADDR"])
	case host != "0.0.0.0":
		add("ORF_ADDR binds %q: the Space proxy reaches only 0.0.0.0", host)
	case port != strconv.Itoa(appPort):
		add("ORF_ADDR port %s is not app_port %d", port, appPort)
	}
	if !slices.ContainsFunc(rt.all("EXPOSE"), func(in instruction) bool {
		return slices.Contains(strings.Fields(in.args), strconv.Itoa(appPort))
	}) {
		add("no EXPOSE %d", appPort)
	}
	if env["ORF_DATA_DIR"] != "/data" {
		add("ORF_DATA_DIR is %q, not /data where the bucket is mounted", env["ORF_DATA_DIR"])
	}
	if w := env["ORF_WORK_DIR"]; w == "" || w == "/data" || strings.HasPrefix(w, "/data/") {
		add("ORF_WORK_DIR is %q: the live index needs a local directory outside the bucket", w)
	}
	probs = append(probs, cmdProblems(rt)...)
	return probs
}

// layerProblems: modules download in a layer of their own, before the
// sources are copied, so a source edit does not download them again.
func layerProblems(build *stage) []string {
	download, copyAll := -1, -1
	for i, in := range build.ins {
		if in.cmd == "RUN" && strings.Contains(in.args, "go mod download") && download < 0 {
			download = i
		}
		if in.cmd == "COPY" && copyAll < 0 && slices.Contains(strings.Fields(in.args), ".") {
			copyAll = i
		}
	}
	if download < 0 || copyAll < 0 || download > copyAll {
		return []string{"the build stage must RUN go mod download (after copying go.mod and go.sum) before COPY . ."}
	}
	return nil
}

// userProblems: Spaces run the container as uid 1000, so the image must
// be made for that user, with a HOME it owns.
func userProblems(rt *stage) []string {
	users := rt.all("USER")
	if len(users) == 0 {
		return []string{"no USER: the image runs as root, Spaces run it as uid 1000"}
	}
	u, _, _ := strings.Cut(users[len(users)-1].args, ":")
	env := rt.env()
	created := rt.uid1000Users()
	var probs []string
	if home, ok := created[u]; u != "1000" && !ok {
		probs = append(probs, fmt.Sprintf("USER %s is not uid 1000 nor a user made with useradd -u 1000", u))
	} else if ok && home && env["HOME"] != "/home/"+u {
		probs = append(probs, fmt.Sprintf("ENV HOME is %q, not /home/%s", env["HOME"], u))
	}
	if env["HOME"] == "" {
		probs = append(probs, "no ENV HOME: the model cache would go under / (not writable)")
	}
	return probs
}

// cmdProblems: the container starts `openreview-finder serve`, with the
// binary where PATH finds it.
func cmdProblems(rt *stage) []string {
	if len(rt.all("ENTRYPOINT")) > 0 {
		return []string{"an ENTRYPOINT: the CMD alone should start the server"}
	}
	cmds := rt.all("CMD")
	if len(cmds) == 0 {
		return []string{"no CMD"}
	}
	var argv []string
	if err := json.Unmarshal([]byte(cmds[len(cmds)-1].args), &argv); err != nil || len(argv) < 2 {
		return []string{fmt.Sprintf("CMD %s is not the exec form [\"openreview-finder\", \"serve\"]: a shell in front would not pass on signals", cmds[len(cmds)-1].args)}
	}
	bin := argv[0]
	if path.Base(bin) != "openreview-finder" || argv[1] != "serve" {
		return []string{fmt.Sprintf("CMD %q does not run openreview-finder serve", argv)}
	}
	for _, in := range rt.all("COPY") {
		f := fields(in.args)
		dst := f[len(f)-1]
		if dst == bin || path.IsAbs(bin) && strings.HasSuffix(dst, "/") && dst+path.Base(bin) == bin {
			return nil
		}
		if !path.IsAbs(bin) && slices.Contains([]string{"/usr/local/bin", "/usr/bin", "/bin"}, path.Dir(dst)) && path.Base(dst) == bin {
			return nil
		}
	}
	return []string{fmt.Sprintf("CMD runs %s, but no COPY puts it there (or in /usr/local/bin)", bin)}
}

// TestDockerfile checks the Dockerfile without a container engine.
func TestDockerfile(t *testing.T) {
	cfg, err := spaceConfig(readFile(t, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	port, ok := cfg["app_port"].(int)
	if !ok {
		t.Fatalf("README.md app_port is %#v, not an integer", cfg["app_port"])
	}
	df := parseDockerfile(t, readFile(t, "Dockerfile"))
	for _, p := range dockerfileProblems(df, port) {
		t.Errorf("Dockerfile: %s", p)
	}
}

// goodDockerfile passes dockerfileProblems; the cases below break it one
// rule at a time.
const goodDockerfile = `# syntax=docker/dockerfile:1
FROM golang:1.26-bookworm AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends gcc libopenblas-dev
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN go build -o /out/openreview-finder ./cmd/openreview-finder

FROM debian:bookworm-slim
RUN apt-get update \
 # comment inside a continuation
 && apt-get install -y --no-install-recommends ca-certificates libopenblas0-pthread
RUN useradd -m -u 1000 user && mkdir -p /data && chown user /data
ENV HOME=/home/user \
    ORF_ADDR=0.0.0.0:7860 \
    ORF_DATA_DIR=/data ORF_WORK_DIR=/home/user/work
COPY --from=build /out/openreview-finder /usr/local/bin/openreview-finder
USER user
EXPOSE 7860
CMD ["openreview-finder", "serve"]
`

func TestDockerfileProblems(t *testing.T) {
	tests := []struct {
		name, old, new string
		want           string // a problem containing this; "" for none
	}{
		{name: "good"},
		{name: "single stage", old: "COPY . .\nRUN go build -o /out/openreview-finder ./cmd/openreview-finder\n\nFROM debian:bookworm-slim\n", new: "COPY . .\n", want: "one stage only"},
		{name: "runtime from golang", old: "FROM debian:bookworm-slim", new: "FROM golang:1.26-bookworm", want: "carries the Go toolchain"},
		{name: "runtime from build stage", old: "FROM debian:bookworm-slim", new: "FROM build", want: "carries the Go toolchain"},
		{name: "compiler at runtime", old: "ca-certificates libopenblas0-pthread", new: "ca-certificates gcc libopenblas0-pthread", want: "installs gcc"},
		{name: "headers at runtime", old: "ca-certificates libopenblas0-pthread", new: "ca-certificates libopenblas-dev", want: "installs libopenblas-dev"},
		{name: "toolchain copied", old: "COPY --from=build /out/", new: "COPY --from=build /usr/local/go /usr/local/go\nCOPY --from=build /out/", want: "copies the Go toolchain"},
		{name: "sources before modules", old: "COPY go.mod go.sum ./\nRUN go mod download\nCOPY . .", new: "COPY . .\nRUN go mod download", want: "go mod download"},
		{name: "root", old: "USER user", new: "USER root", want: "USER root is not uid 1000"},
		{name: "no user", old: "USER user\n", new: "", want: "no USER"},
		{name: "other uid", old: "useradd -m -u 1000 user", new: "useradd -m -u 1001 user", want: "USER user is not uid 1000"},
		{name: "numeric user", old: "USER user", new: "USER 1000:1000"},
		{name: "no home", old: "HOME=/home/user \\\n", new: "", want: "no ENV HOME"},
		{name: "wrong home", old: "HOME=/home/user", new: "HOME=/root", want: "not /home/user"},
		{name: "loopback", old: "ORF_ADDR=0.0.0.0:7860", new: "ORF_ADDR=127.0.0.1:7860", want: "binds \"127.0.0.1\""},
		{name: "no addr", old: "ORF_ADDR=0.0.0.0:7860 \\\n", new: "", want: "is not HOST:PORT"},
		{name: "other port", old: "ORF_ADDR=0.0.0.0:7860", new: "ORF_ADDR=0.0.0.0:8080", want: "port 8080 is not app_port 7860"},
		{name: "no expose", old: "EXPOSE 7860", new: "EXPOSE 8080", want: "no EXPOSE 7860"},
		{name: "data dir", old: "ORF_DATA_DIR=/data", new: "ORF_DATA_DIR=/srv", want: "ORF_DATA_DIR is \"/srv\""},
		{name: "work dir in bucket", old: "ORF_WORK_DIR=/home/user/work", new: "ORF_WORK_DIR=/data/work", want: "ORF_WORK_DIR is \"/data/work\""},
		{name: "shell form", old: `CMD ["openreview-finder", "serve"]`, new: "CMD openreview-finder serve", want: "not the exec form"},
		{name: "not serve", old: `"serve"]`, new: `"index"]`, want: "does not run openreview-finder serve"},
		{name: "not on path", old: "/usr/local/bin/openreview-finder", new: "/app/openreview-finder", want: "no COPY puts it there"},
		{name: "absolute path", old: `CMD ["openreview-finder"`, new: `CMD ["/usr/local/bin/openreview-finder"`},
		{name: "entrypoint", old: "EXPOSE 7860", new: "EXPOSE 7860\nENTRYPOINT [\"tini\"]", want: "an ENTRYPOINT"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := strings.Replace(goodDockerfile, tt.old, tt.new, 1)
			if tt.old != "" && src == goodDockerfile {
				t.Fatalf("case does not change the Dockerfile: %q not found", tt.old)
			}
			probs := dockerfileProblems(parseDockerfile(t, []byte(src)), 7860)
			if tt.want == "" {
				if len(probs) > 0 {
					t.Errorf("problems in a good Dockerfile: %q", probs)
				}
				return
			}
			if !slices.ContainsFunc(probs, func(p string) bool { return strings.Contains(p, tt.want) }) {
				t.Errorf("problems %q, want one containing %q", probs, tt.want)
			}
		})
	}
}
