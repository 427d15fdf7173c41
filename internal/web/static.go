package web

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"html/template"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strconv"
	"strings"
)

var (
	//go:embed static
	staticFS embed.FS
	//go:embed templates
	templateFS embed.FS
	//go:embed openapi.json
	openAPI []byte
)

// asset is one embedded static file. Pages link to it by its hashed name
// ("app.1a2b3c4d5e.css"), which changes with its content, so browsers may
// cache it for a year; the plain name is served too, revalidated by ETag.
type asset struct {
	name, hashed string
	body, gz     []byte // gz: gzip-compressed, nil when that does not help
	ctype, etag  string
}

// assets are the embedded static files by plain and hashed name.
type assets struct {
	byName map[string]*asset
	urls   map[string]string // plain name → /static/hashed name
}

func loadAssets() *assets {
	a := &assets{byName: map[string]*asset{}, urls: map[string]string{}}
	entries, err := fs.ReadDir(staticFS, "static")
	if err != nil {
		panic("read embedded static files: " + err.Error()) // the build embeds them
	}
	for _, e := range entries {
		body, err := staticFS.ReadFile("static/" + e.Name())
		if err != nil {
			panic("read embedded static file: " + err.Error())
		}
		sum := sha256.Sum256(body)
		h := hex.EncodeToString(sum[:5])
		ext := path.Ext(e.Name())
		x := &asset{
			name: e.Name(), hashed: strings.TrimSuffix(e.Name(), ext) + "." + h + ext, body: body, gz: gzipStatic(body),
			ctype: mime.TypeByExtension(ext), etag: `"` + h + `"`,
		}
		if x.ctype == "" {
			x.ctype = "application/octet-stream"
		}
		a.byName[x.name], a.byName[x.hashed] = x, x
		a.urls[x.name] = "/static/" + x.hashed
	}
	return a
}

// url is the link to a static file; templates call it as {{asset "app.css"}}.
func (a *assets) url(name string) (string, error) {
	u, ok := a.urls[name]
	if !ok {
		return "", &httpError{status: http.StatusInternalServerError, msg: msgInternal + " (no static file " + name + ")"}
	}
	return u, nil
}

// static serves an embedded file.
func (s *Server) static(w http.ResponseWriter, r *http.Request) error {
	name := r.PathValue("name")
	a, ok := s.assets.byName[name]
	if !ok {
		return &httpError{status: http.StatusNotFound, msg: "No such file."}
	}
	h := w.Header()
	h.Set("Content-Type", a.ctype)
	h.Set("ETag", a.etag)
	h.Set("Vary", "Accept-Encoding")
	if name == a.hashed {
		h.Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		h.Set("Cache-Control", "no-cache")
	}
	if inm := r.Header.Get("If-None-Match"); inm != "" && (strings.Contains(inm, a.etag) || strings.TrimSpace(inm) == "*") {
		w.WriteHeader(http.StatusNotModified)
		return nil
	}
	body := a.body
	if a.gz != nil && acceptsGzip(r) {
		h.Set("Content-Encoding", "gzip")
		body = a.gz
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		w.Write(body)
	}
	return nil
}

// parseTemplates parses the embedded templates once, at start; an error is
// a bug in the build, found by every test.
func parseTemplates(a *assets) *template.Template {
	return template.Must(template.New("").Funcs(template.FuncMap{
		"asset":  a.url,
		"plural": plural,
		"join":   strings.Join,
	}).ParseFS(templateFS, "templates/*.html"))
}
