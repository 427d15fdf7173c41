package paper

import (
	"errors"
	"testing"
)

func TestParseStatus(t *testing.T) {
	tests := []struct {
		in   string
		st   Status
		pres Presentation
	}{
		{"accepted", StatusAccepted, ""},
		{"Oral", StatusAccepted, PresentationOral},
		{" spotlight ", StatusAccepted, PresentationSpotlight},
		{"POSTER", StatusAccepted, PresentationPoster},
		{"rejected", StatusRejected, ""},
		{"withdrawn", StatusWithdrawn, ""},
		{"desk_rejected", StatusDeskRejected, ""},
		{"Desk Rejected", StatusDeskRejected, ""},
		{"under-review", StatusUnderReview, ""},
		{"under review", StatusUnderReview, ""},
	}
	for _, tt := range tests {
		st, pres, err := ParseStatus(tt.in)
		if err != nil || st != tt.st || pres != tt.pres {
			t.Errorf("ParseStatus(%q) = %q, %q, %v; want %q, %q", tt.in, st, pres, err, tt.st, tt.pres)
		}
	}
	if _, _, err := ParseStatus("famous"); !errors.Is(err, ErrInvalid) {
		t.Errorf("ParseStatus(famous) error = %v, want ErrInvalid", err)
	}
}

func TestLabel(t *testing.T) {
	tests := []struct {
		p    Paper
		want string
	}{
		{Paper{Status: StatusAccepted, Presentation: PresentationOral}, "oral"},
		{Paper{Status: StatusAccepted}, "accepted"},
		{Paper{Status: StatusWithdrawn}, "withdrawn"},
		{Paper{Status: StatusRejected, Presentation: PresentationPoster}, "rejected"},
	}
	for _, tt := range tests {
		if got := tt.p.Label(); got != tt.want {
			t.Errorf("Label(%+v) = %q, want %q", tt.p, got, tt.want)
		}
	}
}
