package hubtest

import (
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// FaultKind is a scripted failure.
type FaultKind int

const (
	// FaultStatus answers Fault.Status (default 500) instead of serving.
	FaultStatus FaultKind = iota + 1
	// FaultTruncate sends Fault.At bytes of a file's body (default: half
	// of it) under the full Content-Length, then drops the connection. On
	// an upload (PUT) it reads Fault.At bytes of the request body (default:
	// half of it) and drops the connection.
	FaultTruncate
	// FaultCorrupt flips the byte at offset Fault.At of the file in what
	// it sends (when the answer covers that offset). On an upload (PUT) it
	// flips the byte at offset At of the request body before storing it,
	// and answers 200 as if all were well.
	FaultCorrupt
	// FaultIgnoreRange answers a Range request with 200 and the whole file,
	// as some CDNs do.
	FaultIgnoreRange
	// FaultNotHub answers 200 with an HTML page and none of the Hub's
	// headers, as a captive portal or a wrong HF_ENDPOINT does.
	FaultNotHub
)

// contentKinds act while a file's body is sent; the others replace the
// whole answer.
var contentKinds = []FaultKind{FaultTruncate, FaultCorrupt, FaultIgnoreRange}

// Fault is a scripted failure for the requests it matches.
type Fault struct {
	Kind   FaultKind
	Host   string // "hub", "cdn", or "" for either
	Method string // "GET", "HEAD", "PUT", "POST", or "" for any
	// File is the path in its repository of the file the request is
	// about, or "" for any request. Writes name their files in their
	// bodies: a preupload or a commit matches when it names File, an LFS
	// batch, verify, upload or completion when its object was announced
	// for File by preupload.
	File string
	// Route is the kind of request (see Request.Route), or "" for any.
	Route  string
	Status int   // for FaultStatus
	At     int64 // for FaultTruncate and FaultCorrupt
	// Times is how many matching requests get the fault (default 1;
	// negative: every one from then on).
	Times int
}

// AddFault scripts a failure. Faults are tried in the order added.
func (s *Server) AddFault(f Fault) {
	if f.Times == 0 {
		f.Times = 1
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, &f)
}

// match is what a fault is matched against.
type match struct {
	host, method, route, file string
	// named matches only the faults that name a file: the ones that name
	// none were tried when the request arrived.
	named bool
}

func (s *Server) matchOf(host string, r *http.Request, file string) match {
	return match{host: host, method: r.Method, route: routeOf(host, r), file: file}
}

// takeFault returns the first fault of one of kinds matching a request,
// counting it as used.
func (s *Server) takeFault(m match, kinds ...FaultKind) *Fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, f := range s.faults {
		if f.Times == 0 || (f.Host != "" && f.Host != m.host) || (f.Method != "" && f.Method != m.method) ||
			(f.Route != "" && f.Route != m.route) || (f.File != "" && f.File != m.file) || (m.named && f.File == "") {
			continue
		}
		for _, k := range kinds {
			if f.Kind == k {
				if f.Times > 0 {
					f.Times--
				}
				cp := *f
				return &cp
			}
		}
	}
	return nil
}

// statusFault answers a scripted FaultStatus or FaultNotHub for a request
// as it arrives, matching the file its URL names; it reports whether it
// did.
func (s *Server) statusFault(w http.ResponseWriter, r *http.Request, host string) bool {
	file := r.URL.Query().Get("path") // the CDN's pre-signed URLs name their file
	if host == "hub" {
		file = fileInURL(r)
	}
	return s.answerFault(w, r, s.takeFault(s.matchOf(host, r, file), FaultStatus, FaultNotHub))
}

// bodyFault answers a scripted FaultStatus or FaultNotHub that names one
// of files, the repository paths a write's body is about.
func (s *Server) bodyFault(w http.ResponseWriter, r *http.Request, files ...string) bool {
	m := s.matchOf("hub", r, "")
	m.named = true
	for _, f := range slices.Compact(slices.Sorted(slices.Values(files))) {
		m.file = f
		if fault := s.takeFault(m, FaultStatus, FaultNotHub); fault != nil {
			return s.answerFault(w, r, fault)
		}
	}
	return false
}

// answerFault answers f, if not nil, after reading what the client sends,
// so that an uploading client sees the answer rather than a broken pipe.
func (s *Server) answerFault(w http.ResponseWriter, r *http.Request, f *Fault) bool {
	if f == nil {
		return false
	}
	io.Copy(io.Discard, io.LimitReader(r.Body, 1<<30))
	if f.Kind == FaultNotHub {
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusOK)
		w.Write([]byte("<html><body>Sign in to the network to continue.</body></html>"))
		return true
	}
	status := f.Status
	if status == 0 {
		status = http.StatusInternalServerError
	}
	if status == http.StatusTooManyRequests || status == http.StatusServiceUnavailable {
		w.Header().Set("Retry-After", "1")
	}
	hubError(w, status, "", "scripted failure "+strconv.Itoa(status))
	return true
}

// fileInURL is the repository path a Hub URL names, if any.
func fileInURL(r *http.Request) string {
	segs := segments(r)
	if len(segs) > 3 && segs[0] == "api" && segs[1] == "resolve-cache" {
		for i := 3; i < len(segs)-1; i++ {
			if commitRE.MatchString(segs[i]) {
				return strings.Join(segs[i+1:], "/")
			}
		}
		return ""
	}
	for i, s := range segs {
		if s == "resolve" && i+2 < len(segs) {
			return strings.Join(segs[i+2:], "/")
		}
	}
	return ""
}
