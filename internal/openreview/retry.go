package openreview

import (
	"math"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// minRateLimitWait is the least we wait after a 429: OpenReview rounds its
// reset times down, so "try again in 0 seconds" still deserves a pause.
const minRateLimitWait = time.Second

// backoff is the wait before retry number attempt+1 after a server or
// network failure: 1s doubling per attempt, capped at max, with "equal
// jitter" (a uniform draw from the upper half) so that parallel clients
// spread out.
func backoff(attempt int, max time.Duration) time.Duration {
	d := max
	if attempt < 30 {
		if e := time.Second << attempt; e < max {
			d = e
		}
	}
	half := d / 2
	return half + time.Duration(rand.Int64N(int64(d-half)+1))
}

// rateLimitWait decides how long a 429 answer asks us to wait, from the
// first source present, in this order: the Retry-After header, the body's
// details.resetTime, the ratelimit-reset header (seconds), and the
// message's "try again in X minutes and Y seconds". It reports the source,
// for logs; ok is false when none says.
func rateLimitWait(h http.Header, eb errorBody, now time.Time) (wait time.Duration, source string, ok bool) {
	if d, ok := parseRetryAfter(h.Get("Retry-After"), now); ok {
		return d, "Retry-After", true
	}
	if d, ok := parseResetTime(eb.Details.ResetTime, now); ok {
		return d, "details.resetTime", true
	}
	if d, ok := parseSeconds(h.Get("Ratelimit-Reset")); ok {
		return d, "ratelimit-reset", true
	}
	if d, ok := parseTryAgain(eb.Message); ok {
		return d, "message", true
	}
	return 0, "", false
}

// parseRetryAfter reads an HTTP Retry-After value: delay seconds or an
// HTTP date. A date in the past means no wait.
func parseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if d, ok := parseSeconds(v); ok {
		return d, true
	}
	t, err := http.ParseTime(v)
	if err != nil {
		return 0, false
	}
	return clampDuration(t.Sub(now)), true
}

// parseResetTime reads details.resetTime (ISO-8601). A reset time already
// past (clock skew) is ignored so the next source can speak.
func parseResetTime(v string, now time.Time) (time.Duration, bool) {
	if v == "" {
		return 0, false
	}
	t, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		return 0, false
	}
	d := t.Sub(now)
	if d <= 0 {
		return 0, false
	}
	return clampDuration(d), true
}

// maxParsedWait bounds every parsed wait so arithmetic cannot overflow;
// it is far above any sane MaxWait.
const maxParsedWait = 1000 * 24 * time.Hour

func clampDuration(d time.Duration) time.Duration {
	return min(max(d, 0), maxParsedWait)
}

// parseSeconds reads a non-negative number of seconds, whole or decimal.
func parseSeconds(v string) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || f < 0 || math.IsNaN(f) {
		return 0, false
	}
	if f > maxParsedWait.Seconds() {
		return maxParsedWait, true
	}
	return time.Duration(f * float64(time.Second)), true
}

// parseTryAgain reads the wait from a RateLimitError message such as
// "Please try again in 60 minutes and 13 seconds (reqId)" or "... in 54
// seconds". Hours are understood too. Matching is case-insensitive.
func parseTryAgain(msg string) (time.Duration, bool) {
	const marker = "try again in "
	// Index the lowered text itself: lowering may change byte offsets.
	low := strings.ToLower(msg)
	i := strings.Index(low, marker)
	if i < 0 {
		return 0, false
	}
	fields := strings.Fields(low[i+len(marker):])
	var total time.Duration
	found := false
	for len(fields) >= 2 {
		n, err := strconv.Atoi(fields[0])
		unit, known := timeUnit(strings.TrimRight(fields[1], ",.();"))
		if err != nil || !known || n < 0 {
			break
		}
		total += min(time.Duration(n), maxParsedWait/unit) * unit
		total = min(total, maxParsedWait)
		found = true
		fields = fields[2:]
		if len(fields) > 0 && fields[0] == "and" {
			fields = fields[1:]
		}
	}
	return total, found
}

func timeUnit(word string) (time.Duration, bool) {
	switch word {
	case "hour", "hours":
		return time.Hour, true
	case "minute", "minutes":
		return time.Minute, true
	case "second", "seconds":
		return time.Second, true
	}
	return 0, false
}
