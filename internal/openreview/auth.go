package openreview

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/openreview-finder/openreview-finder/internal/paper"
)

// Login logs in with the configured username and password and keeps the
// token for later requests on both hosts. Requests log in by themselves
// when needed, so calling Login is optional; it lets a command check
// credentials up front. With only a ready-made token there is nothing to
// do and Login returns nil.
//
// Errors wrap paper.ErrAuth when OpenReview refuses the credentials or
// asks for a second factor.
func (c *Client) Login(ctx context.Context) error {
	if !c.canLogin() {
		return nil
	}
	c.loginMu.Lock()
	defer c.loginMu.Unlock()
	return c.login(ctx)
}

func (c *Client) canLogin() bool { return c.cfg.Username != "" && c.cfg.Password != "" }

// loginAnswer is the body of POST /login: a token, or a second-factor
// demand.
type loginAnswer struct {
	Token      string `json:"token"`
	MFAPending bool   `json:"mfaPending"`
	User       struct {
		Profile struct {
			ID string `json:"id"`
		} `json:"profile"`
	} `json:"user"`
}

// login posts the credentials; the caller holds loginMu. Neither the
// password nor the token ever enters an error or a log line.
func (c *Client) login(ctx context.Context) error {
	payload, err := json.Marshal(map[string]any{"id": c.cfg.Username, "password": c.cfg.Password, "expiresIn": tokenLifetime})
	if err != nil {
		return fmt.Errorf("log in to OpenReview: %w", err)
	}
	body, err := c.do(ctx, &request{method: http.MethodPost, version: 2, path: "/login", body: payload})
	if err != nil {
		if api, ok := errAs[*APIError](err); ok && api.Status/100 == 4 && api.Status != http.StatusTooManyRequests {
			return wrapMsg("OpenReview login failed: "+api.Message, paper.ErrAuth, api)
		}
		return fmt.Errorf("log in to OpenReview: %w", err)
	}
	var a loginAnswer
	if err := json.Unmarshal(body, &a); err != nil {
		return fmt.Errorf("log in to OpenReview: read answer: %w", err)
	}
	switch {
	case a.MFAPending:
		return wrapMsg("OpenReview login failed: the account uses two-factor authentication, which a password login cannot complete; create an access token and set OPENREVIEW_TOKEN instead", paper.ErrAuth)
	case a.Token == "":
		return wrapMsg("OpenReview login failed: the answer carried no token", paper.ErrAuth)
	}
	c.mu.Lock()
	c.token = a.Token
	c.mu.Unlock()
	c.log.Info("logged in to OpenReview", "profile", a.User.Profile.ID)
	return nil
}

// ensureToken returns the current token, logging in first if there is none.
func (c *Client) ensureToken(ctx context.Context) (string, error) {
	c.mu.Lock()
	t := c.token
	c.mu.Unlock()
	if t != "" {
		return t, nil
	}
	return c.renew(ctx, "")
}

// renew logs in again because stale was refused, unless another request
// already replaced it meanwhile; it returns the token to use.
func (c *Client) renew(ctx context.Context, stale string) (string, error) {
	c.loginMu.Lock()
	defer c.loginMu.Unlock()
	c.mu.Lock()
	t := c.token
	c.mu.Unlock()
	if t != "" && t != stale {
		return t, nil
	}
	if err := c.login(ctx); err != nil {
		return "", err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.token, nil
}

// refusedToken is the error for a 401 we cannot repair by logging in.
func (c *Client) refusedToken(ue *unauthorizedError, renewed bool) error {
	if renewed {
		return wrapMsg(fmt.Sprintf("OpenReview refused the token it had just issued (%s)", ue.api), paper.ErrAuth, ue.api)
	}
	return wrapMsg(fmt.Sprintf("%s (%s)", ErrTokenExpired, ue.api), ErrTokenExpired, ue.api)
}
