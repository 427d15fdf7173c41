package chroma

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseURL(t *testing.T) {
	type parsed struct{ Base, Tenant, Database string }
	tests := []struct {
		name    string
		in      string
		want    parsed
		wantErr string // substring; "" means no error
	}{
		{name: "chroma with port", in: "chroma://localhost:8011", want: parsed{"http://localhost:8011", DefaultTenant, DefaultDatabase}},
		{name: "chroma default port", in: "chroma://db.example", want: parsed{"http://db.example:8000", DefaultTenant, DefaultDatabase}},
		{name: "chromas is https", in: "chromas://db.example", want: parsed{"https://db.example", DefaultTenant, DefaultDatabase}},
		{name: "tenant and database", in: "chroma://h:1/acme/papers/", want: parsed{"http://h:1", "acme", "papers"}},
		{name: "http", in: "http://127.0.0.1:8000", want: parsed{"http://127.0.0.1:8000", DefaultTenant, DefaultDatabase}},
		{name: "https with database", in: "HTTPS://h/t/d", want: parsed{"https://h", "t", "d"}},
		{name: "ipv6", in: "chroma://[::1]", want: parsed{"http://[::1]:8000", DefaultTenant, DefaultDatabase}},
		{name: "spaces trimmed", in: "  chroma://h:2  ", want: parsed{"http://h:2", DefaultTenant, DefaultDatabase}},
		{name: "other scheme", in: "postgres://h", wantErr: "not a server address"},
		{name: "no scheme", in: "localhost:8000", wantErr: "not a server address"},
		{name: "no host", in: "chroma:///t/d", wantErr: "not a server address"},
		{name: "one path part", in: "chroma://h/t", wantErr: "neither empty nor /TENANT/DATABASE"},
		{name: "three path parts", in: "chroma://h/a/b/c", wantErr: "neither empty nor /TENANT/DATABASE"},
		{name: "credentials", in: "chroma://user:s3cret@h", wantErr: "must not carry credentials"},
		{name: "query", in: "chroma://h?token=s3cret", wantErr: "query or fragment"},
		{name: "bad escape", in: "chroma://h/%zz", wantErr: "does not parse"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			base, tenant, db, err := ParseURL(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("ParseURL(%q) error = %v, want one containing %q", tt.in, err, tt.wantErr)
				}
				if strings.Contains(err.Error(), "s3cret") {
					t.Errorf("error %q repeats a secret from the URL", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseURL(%q): %v", tt.in, err)
			}
			if diff := cmp.Diff(tt.want, parsed{base.String(), tenant, db}); diff != "" {
				t.Errorf("ParseURL(%q) (-want +got):\n%s", tt.in, diff)
			}
		})
	}
}
