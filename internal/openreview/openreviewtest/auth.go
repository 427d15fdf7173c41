package openreviewtest

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"
	"unicode"
)

// token is an issued bearer token.
type token struct {
	user    string
	expires time.Time // zero: never
	revoked bool      // expired early by FaultExpireToken or ExpireToken
}

type authState int

const (
	authNone    authState = iota // no token, or one the fake never issued: gated
	authValid                    //
	authExpired                  // 401 TokenExpiredError
)

// auth reads the request's bearer token.
func (s *Server) auth(r *http.Request) (string, authState) {
	h := r.Header.Get("Authorization")
	tok, ok := strings.CutPrefix(h, "Bearer ")
	if !ok || tok == "" {
		return "", authNone
	}
	t, ok := s.tokens[tok]
	switch {
	case !ok:
		return tok, authNone
	case t.revoked, !t.expires.IsZero() && !s.opts.Now().Before(t.expires):
		return tok, authExpired
	}
	return tok, authValid
}

const maxExpiresIn = 7 * 24 * time.Hour

// handleLogin serves POST /login {"id","password","expiresIn"} on both hosts.
// Missing fields answer 400 ValidationError with openreview-py's messages;
// wrong credentials answer 400 {"name":"Error","message":"Invalid username
// or password","status":400} (the live status code is unconfirmed; 400 is
// what the API's other validation failures use).
func (s *Server) handleLogin(w http.ResponseWriter, r *http.Request, reqID string) int {
	var body struct {
		ID        string `json:"id"`
		Password  string `json:"password"`
		ExpiresIn int64  `json:"expiresIn"`
	}
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		return s.writeError(w, http.StatusBadRequest, "ValidationError", "Body must be a JSON object", reqID, map[string]any{"path": "body"})
	}
	for _, f := range []struct{ name, value string }{{"id", body.ID}, {"password", body.Password}} {
		if f.value == "" {
			return s.writeError(w, http.StatusBadRequest, "ValidationError", f.name+" cannot be empty or missing", reqID, map[string]any{"path": f.name})
		}
	}
	if pw, ok := s.opts.Users[body.ID]; !ok || pw != body.Password {
		return s.writePlainError(w, http.StatusBadRequest, "Error", "Invalid username or password")
	}
	if slices.Contains(s.opts.MFAUsers, body.ID) {
		return s.writeJSON(w, http.StatusOK, map[string]any{
			"mfaPending": true, "mfaPendingToken": "mfa-" + reqID, "mfaMethods": []string{"totp"}, "preferredMethod": "totp",
		})
	}
	life := time.Hour
	if body.ExpiresIn > 0 {
		life = min(time.Duration(body.ExpiresIn)*time.Second, maxExpiresIn)
	}
	now := s.opts.Now()
	tok := s.newToken(body.ID, now, now.Add(life))
	s.logins++
	return s.writeJSON(w, http.StatusOK, map[string]any{"token": tok, "user": userJSON(body.ID)})
}

// newToken issues a JWT-shaped token (openreview-py decodes the payload
// without verifying it); expires zero means never.
func (s *Server) newToken(user string, now, expires time.Time) string {
	enc := base64.RawURLEncoding
	payload := map[string]any{
		"user": userJSON(user), "iat": now.Unix(), "jti": len(s.tokens) + 1,
	}
	if !expires.IsZero() {
		payload["exp"] = expires.Unix()
	}
	p, _ := json.Marshal(payload)
	head := enc.EncodeToString([]byte(`{"alg":"HS256","typ":"JWT"}`)) + "." + enc.EncodeToString(p)
	sum := sha256.Sum256([]byte(head))
	tok := head + "." + enc.EncodeToString(sum[:])
	s.tokens[tok] = &token{user: user, expires: expires}
	return tok
}

// userJSON is the login response's user object.
func userJSON(id string) map[string]any {
	pid := profileID(id)
	first, last, _ := strings.Cut(strings.TrimRight(strings.TrimPrefix(pid, "~"), "0123456789"), "_")
	return map[string]any{
		"id": id,
		"profile": map[string]any{
			"id": pid, "first": first, "middle": "", "last": last,
			"emails": []string{id}, "preferredEmail": id, "usernames": []string{pid}, "preferredId": pid,
		},
	}
}

// profileID derives "~Jane_Doe1" from "jane.doe@…" ("test@…" → "~Test_User1").
func profileID(id string) string {
	if strings.HasPrefix(id, "~") {
		return id
	}
	local, _, _ := strings.Cut(id, "@")
	parts := strings.FieldsFunc(local, func(r rune) bool { return r == '.' || r == '_' || r == '-' || r == '+' })
	if len(parts) == 0 {
		parts = []string{"user"}
	}
	if len(parts) == 1 {
		parts = append(parts, "user")
	}
	for i, p := range parts {
		rs := []rune(p)
		rs[0] = unicode.ToUpper(rs[0])
		parts[i] = string(rs)
	}
	return "~" + strings.Join(parts, "_") + "1"
}

func (s *Server) defaultUser() string {
	users := make([]string, 0, len(s.opts.Users))
	for u := range s.opts.Users {
		users = append(users, u)
	}
	slices.Sort(users)
	if len(users) == 0 {
		return "test@example.org"
	}
	return users[0]
}

// IssueToken returns a new token for the first user (by id), valid on both
// hosts and never expiring, as a pre-obtained OPENREVIEW_TOKEN would be.
func (s *Server) IssueToken() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.newToken(s.defaultUser(), s.opts.Now(), time.Time{})
}

// ExpireToken makes a token answer 401 TokenExpiredError from now on.
func (s *Server) ExpireToken(tok string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if t, ok := s.tokens[tok]; ok {
		t.revoked = true
	}
}

// challengePage is the anti-bot page anonymous callers got in 2026.
const challengePage = `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">` +
	`<title>Verifying your browser | OpenReview</title>` +
	`<script src="https://challenges.cloudflare.com/turnstile/v0/api.js" async defer></script></head>` +
	`<body><main><h1>Verifying your browser</h1><p>OpenReview needs to confirm that you are a person before continuing.</p>` +
	`<div class="cf-turnstile" data-sitekey="0x4AAAAAAAFakeSiteKey"></div></main></body></html>`

// writeGate refuses an unauthenticated request per Options.Gate.
func (s *Server) writeGate(w http.ResponseWriter, reqID string) int {
	if s.opts.Gate == GateJSON {
		return s.writeChallenge403(w, reqID)
	}
	return writeHTML(w, http.StatusOK, challengePage)
}

// writeChallenge403 is the JSON form of the gate. Only name and status are
// confirmed live; the message and challengeUrl are plausible guesses.
func (s *Server) writeChallenge403(w http.ResponseWriter, reqID string) int {
	return s.writeError(w, http.StatusForbidden, "ChallengeRequiredError",
		"Please complete the browser challenge or log in to continue", reqID,
		map[string]any{"challengeUrl": "https://openreview.net/challenge"})
}

func (s *Server) writeTokenExpired(w http.ResponseWriter) int {
	return s.writePlainError(w, http.StatusUnauthorized, "TokenExpiredError", "Token has expired. Please log in again.")
}

func writeHTML(w http.ResponseWriter, status int, page string) int {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Length", fmt.Sprint(len(page)))
	w.WriteHeader(status)
	_, _ = w.Write([]byte(page))
	return status
}
