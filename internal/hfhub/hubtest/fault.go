package hubtest

import (
	"net/http"
	"strconv"
	"strings"
)

// FaultKind is a scripted failure.
type FaultKind int

const (
	// FaultStatus answers Fault.Status (default 500) instead of serving.
	FaultStatus FaultKind = iota + 1
	// FaultTruncate sends Fault.At bytes of a file's body (default: half
	// of it) under the full Content-Length, then drops the connection.
	FaultTruncate
	// FaultCorrupt flips the byte at offset Fault.At of the file in what
	// it sends (when the answer covers that offset).
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
	Method string // "GET", "HEAD", or "" for any
	File   string // path of the file in its repository, or "" for any request
	Status int    // for FaultStatus
	At     int64  // for FaultTruncate and FaultCorrupt
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

// takeFault returns the first fault of one of kinds matching a request,
// counting it as used.
func (s *Server) takeFault(host, method, file string, kinds ...FaultKind) *Fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, f := range s.faults {
		if f.Times == 0 || (f.Host != "" && f.Host != host) || (f.Method != "" && f.Method != method) ||
			(f.File != "" && f.File != file) {
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

// statusFault answers a scripted FaultStatus or FaultNotHub; it reports
// whether it did. file is "" when the request names none yet (the Hub's
// routes match it from the URL).
func (s *Server) statusFault(w http.ResponseWriter, r *http.Request, host, file string) bool {
	if file == "" && host == "hub" {
		file = fileInURL(r)
	}
	f := s.takeFault(host, r.Method, file, FaultStatus, FaultNotHub)
	if f == nil {
		return false
	}
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
