package ldapauth

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
	"net/url"
	"time"

	"github.com/go-ldap/ldap/v3"
)

// dial connects to the first reachable URL (StartTLS done when configured).
// Only the lookup bind or the user bind follows, never both.
func (a *Authenticator) dial(ctx context.Context) (*ldap.Conn, error) {
	var errs []error
	for _, u := range a.urls {
		c, err := a.dialURL(ctx, u)
		if err == nil {
			return c, nil
		}
		a.log.Warn("ldapauth: directory server unreachable", "url", u.String(), "err", err)
		errs = append(errs, err)
		if ctx.Err() != nil {
			return nil, unavailable("connecting", ctx.Err())
		}
	}
	return nil, unavailable("no directory server reachable", errors.Join(errs...))
}

func (a *Authenticator) tlsFor(u *url.URL) *tls.Config {
	if a.tls.ServerName != "" {
		return a.tls
	}
	cfg := a.tls.Clone()
	cfg.ServerName = u.Hostname()
	return cfg
}

func (a *Authenticator) dialURL(ctx context.Context, u *url.URL) (*ldap.Conn, error) {
	dctx, cancel := context.WithTimeout(ctx, a.cfg.DialTimeout)
	defer cancel()
	host, port := u.Hostname(), u.Port()
	d := &net.Dialer{}
	var (
		nc  net.Conn
		err error
	)
	if u.Scheme == "ldaps" {
		if port == "" {
			port = ldap.DefaultLdapsPort
		}
		td := &tls.Dialer{NetDialer: d, Config: a.tlsFor(u)}
		nc, err = td.DialContext(dctx, "tcp", net.JoinHostPort(host, port))
	} else {
		if port == "" {
			port = ldap.DefaultLdapPort
		}
		nc, err = d.DialContext(dctx, "tcp", net.JoinHostPort(host, port))
	}
	if err != nil {
		return nil, err
	}
	c := ldap.NewConn(nc, u.Scheme == "ldaps")
	c.Start()
	if a.cfg.StartTLS && u.Scheme == "ldap" {
		if err := a.guardTimeout(dctx, c, a.cfg.DialTimeout, func() error { return c.StartTLS(a.tlsFor(u)) }); err != nil {
			c.Close()
			return nil, err
		}
	}
	return c, nil
}

// guard runs one request on c bounded by RequestTimeout and ctx: when ctx
// ends first, c is closed, which fails the request at once (go-ldap's bind
// takes no context).
func (a *Authenticator) guard(ctx context.Context, c *ldap.Conn, f func() error) error {
	return a.guardTimeout(ctx, c, a.cfg.RequestTimeout, f)
}

func (a *Authenticator) guardTimeout(ctx context.Context, c *ldap.Conn, timeout time.Duration, f func() error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	// The context's deadline is enforced by closing the connection, not by
	// the request timeout, so that the error says which one ended it.
	c.SetTimeout(timeout)
	stop := context.AfterFunc(ctx, func() { c.Close() })
	err := f()
	if !stop() {
		return ctx.Err()
	}
	return err
}

// transient reports whether err is about the connection or the server's
// availability rather than the request.
func transient(err error) bool {
	var le *ldap.Error
	if !errors.As(err, &le) {
		return true
	}
	switch le.ResultCode {
	case ldap.ErrorNetwork, ldap.ErrorUnexpectedMessage, ldap.ErrorUnexpectedResponse,
		ldap.LDAPResultBusy, ldap.LDAPResultUnavailable, ldap.LDAPResultServerDown,
		ldap.LDAPResultTimeout, ldap.LDAPResultConnectError, ldap.LDAPResultTimeLimitExceeded,
		ldap.LDAPResultAdminLimitExceeded, ldap.LDAPResultOther:
		return true
	}
	return false
}

// withLookup runs f on a lookup connection (bound as BindDN). A pooled
// connection that turns out dead is replaced once by a fresh one. Any
// error is ErrUnavailable: lookups fail because of the directory or the
// configuration, never because of the client.
func (a *Authenticator) withLookup(ctx context.Context, f func(*ldap.Conn) error) error {
	for attempt := 0; ; attempt++ {
		c, reused, err := a.acquire(ctx)
		if err != nil {
			return err
		}
		err = a.guard(ctx, c, func() error { return f(c) })
		if err == nil {
			a.release(c, true)
			return nil
		}
		broken := transient(err)
		a.release(c, !broken)
		switch {
		case ctx.Err() != nil:
			return unavailable("lookup interrupted", ctx.Err())
		case errors.Is(err, ErrUnavailable):
			return err
		case broken && reused && attempt == 0:
			continue
		case broken:
			return unavailable("lookup", err)
		default:
			a.log.Error("ldapauth: lookup refused by the directory; check UserBaseDN, GroupBaseDN, the filters and the lookup account's rights", "err", err)
			return unavailable("lookup refused", err)
		}
	}
}

// acquire returns a lookup connection: an idle pooled one (reused) or a
// fresh one bound as BindDN. With a pool it first takes one of PoolSize
// slots, waiting for ctx.
func (a *Authenticator) acquire(ctx context.Context) (c *ldap.Conn, reused bool, err error) {
	if a.slots != nil {
		select {
		case a.slots <- struct{}{}:
		case <-ctx.Done():
			return nil, false, unavailable("waiting for a lookup connection", ctx.Err())
		case <-a.done:
			return nil, false, ErrClosed
		}
		for {
			select {
			case c := <-a.idle:
				if c.IsClosing() {
					c.Close()
					continue
				}
				return c, true, nil
			default:
			}
			break
		}
	}
	c, err = a.dial(ctx)
	if err == nil && a.cfg.BindDN != "" {
		err = a.guard(ctx, c, func() error { return c.Bind(a.cfg.BindDN, a.cfg.BindPassword) })
		if err != nil {
			c.Close()
			switch {
			case ctx.Err() != nil:
				err = unavailable("lookup bind interrupted", ctx.Err())
			case transient(err):
				err = unavailable("lookup bind", err)
			default:
				a.log.Error("ldapauth: the directory refused the lookup bind; check BindDN and BindPassword", "bindDN", a.cfg.BindDN, "err", err)
				err = unavailable("lookup bind refused (check BindDN and BindPassword)", err)
			}
		}
	}
	if err != nil {
		if a.slots != nil {
			<-a.slots
		}
		return nil, false, err
	}
	return c, false, nil
}

// release returns c to the pool when healthy, else closes it.
func (a *Authenticator) release(c *ldap.Conn, healthy bool) {
	if a.slots == nil {
		c.Close()
		return
	}
	a.mu.Lock()
	keep := healthy && !a.closed && !c.IsClosing()
	if keep {
		select {
		case a.idle <- c:
		default:
			keep = false
		}
	}
	a.mu.Unlock()
	if !keep {
		c.Close()
	}
	<-a.slots
}
