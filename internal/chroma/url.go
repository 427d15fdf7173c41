package chroma

import (
	"fmt"
	"net"
	"net/url"
	"strings"
)

// Defaults Chroma creates on first start.
const (
	DefaultTenant   = "default_tenant"
	DefaultDatabase = "default_database"
)

// defaultPort is Chroma's own default, used when a chroma:// URL names none.
const defaultPort = "8000"

// urlForm is the sentence that ends every ParseURL error, so a user who
// typed a wrong URL learns the right shape.
const urlForm = "write chroma://HOST:PORT[/TENANT/DATABASE] (chromas:// for https, or http(s)://…)"

// ParseURL reads a Chroma server address: chroma://host[:port] for http
// (port 8000 by default), chromas://host[:port] for https, or a plain
// http(s):// URL. An optional path /tenant/database picks where
// collections live; without it they are DefaultTenant and DefaultDatabase.
// base is scheme://host:port with no path. Credentials in the URL are
// refused, so that the token never shows up where URLs are printed, and
// errors never repeat the whole string for the same reason.
func ParseURL(s string) (base *url.URL, tenant, database string, err error) {
	u, err := url.Parse(strings.TrimSpace(s))
	if err != nil {
		return nil, "", "", fmt.Errorf("chroma URL does not parse; %s", urlForm)
	}
	scheme, ok := map[string]string{"chroma": "http", "chromas": "https", "http": "http", "https": "https"}[strings.ToLower(u.Scheme)]
	if !ok || u.Host == "" || u.Opaque != "" {
		return nil, "", "", fmt.Errorf("chroma URL with scheme %q is not a server address; %s", u.Scheme, urlForm)
	}
	if u.User != nil {
		return nil, "", "", fmt.Errorf("chroma URL must not carry credentials; give the token separately (%s)", urlForm)
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return nil, "", "", fmt.Errorf("chroma URL has a query or fragment, which means nothing here; %s", urlForm)
	}
	host := u.Host
	if u.Port() == "" && strings.EqualFold(u.Scheme, "chroma") {
		host = net.JoinHostPort(u.Hostname(), defaultPort)
	}
	tenant, database = DefaultTenant, DefaultDatabase
	if p := strings.Trim(u.Path, "/"); p != "" {
		parts := strings.Split(p, "/")
		if len(parts) != 2 || parts[0] == "" || parts[1] == "" {
			return nil, "", "", fmt.Errorf("chroma URL path %q is neither empty nor /TENANT/DATABASE; %s", u.Path, urlForm)
		}
		tenant, database = parts[0], parts[1]
	}
	return &url.URL{Scheme: scheme, Host: host}, tenant, database, nil
}
