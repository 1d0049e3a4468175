package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/s3auth/s3auth"
)

// adminPath is where the admin API lives on the server.
const adminPath = "/s3auth/admin/v1"

// endpoint returns the server's base URL from --endpoint or S3AUTH_ENDPOINT.
func (c *cli) endpoint() (*url.URL, error) {
	ep := c.g.endpoint
	src := "--endpoint"
	if ep == "" {
		ep, src = c.env("S3AUTH_ENDPOINT"), "S3AUTH_ENDPOINT"
	}
	if ep == "" {
		ep = defaultEndpoint
	}
	u, err := url.Parse(ep)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return nil, usagef("%s %q is not a server URL; give one like http://127.0.0.1:9000", src, ep)
	}
	return u, nil
}

// credentials returns the caller's keys from the flags or the environment.
func (c *cli) credentials() (aws.Credentials, error) {
	ak, sk, tok := c.g.accessKey, c.g.secretKey, c.g.sessionToken
	if ak == "" {
		ak = c.env("AWS_ACCESS_KEY_ID")
	}
	if sk == "" {
		sk = c.env("AWS_SECRET_ACCESS_KEY")
	}
	if tok == "" {
		tok = c.env("AWS_SESSION_TOKEN")
	}
	if ak == "" || sk == "" {
		return aws.Credentials{}, usagef("no credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or pass --access-key and --secret-key")
	}
	return aws.Credentials{AccessKeyID: ak, SecretAccessKey: sk, SessionToken: tok}, nil
}

func (c *cli) region() string {
	if c.g.region != "" {
		return c.g.region
	}
	if r := c.env("AWS_REGION"); r != "" {
		return r
	}
	return "us-east-1"
}

// call sends one signed admin request. path is relative to the admin API
// and its segments are already escaped; in, when not nil, is sent as JSON
// (or as is, when it is a []byte); out, when not nil, receives the JSON
// answer.
func (c *cli) call(method, path string, query url.Values, in, out any) error {
	base, err := c.endpoint()
	if err != nil {
		return err
	}
	creds, err := c.credentials()
	if err != nil {
		return err
	}
	var body []byte
	switch v := in.(type) {
	case nil:
	case []byte:
		body = v
	default:
		if body, err = json.Marshal(v); err != nil {
			return err
		}
	}
	u := *base
	u.RawPath = strings.TrimRight(base.EscapedPath(), "/") + adminPath + path
	u.Path, err = url.PathUnescape(u.RawPath)
	if err != nil {
		return err
	}
	u.RawQuery = query.Encode()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var rd io.Reader = http.NoBody
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), rd)
	if err != nil {
		return err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	sum := sha256.Sum256(body)
	hash := hex.EncodeToString(sum[:])
	req.Header.Set("X-Amz-Content-Sha256", hash)
	signer := v4.NewSigner(func(o *v4.SignerOptions) { o.DisableURIPathEscaping = true })
	if err := signer.SignHTTP(ctx, creds, req, hash, "s3", c.region(), c.now()); err != nil {
		return fmt.Errorf("cannot sign the request: %v", err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return fmt.Errorf("cannot reach %s: %v; is the server running? set --endpoint or S3AUTH_ENDPOINT", base.Redacted(), err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return fmt.Errorf("reading the answer of %s: %v", base.Redacted(), err)
	}
	if resp.StatusCode >= 300 {
		return serverError(resp, b)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			return fmt.Errorf("the server's answer to %s %s is not the expected JSON (%v); is %s an s3auth server?", method, adminPath+path, err, base.Redacted())
		}
	}
	return nil
}

// apiError is an error answer of the admin API.
type apiError struct {
	status int
	e      s3auth.AdminError
}

func (e *apiError) Error() string {
	return fmt.Sprintf("%s (%s, HTTP %d)", strings.TrimSuffix(e.e.Message, "."), e.e.Code, e.status)
}

func serverError(resp *http.Response, b []byte) error {
	var ae s3auth.AdminError
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") && json.Unmarshal(b, &ae) == nil && ae.Code != "" {
		return &apiError{status: resp.StatusCode, e: ae}
	}
	snippet := strings.Join(strings.Fields(string(b)), " ")
	if len(snippet) > 200 {
		snippet = snippet[:200] + "..."
	}
	return fmt.Errorf("the server answered HTTP %d without an admin API error (%s); check that --endpoint points at an s3auth server with the admin API", resp.StatusCode, snippet)
}

// name escapes one path segment as SigV4 does for S3 (every byte but
// A-Z a-z 0-9 - . _ ~), so that the path sent is the path signed.
func name(s string) string {
	const hexDigits = "0123456789ABCDEF"
	var b strings.Builder
	b.WriteByte('/')
	for i := 0; i < len(s); i++ {
		ch := s[i]
		switch {
		case 'A' <= ch && ch <= 'Z', 'a' <= ch && ch <= 'z', '0' <= ch && ch <= '9', ch == '-', ch == '.', ch == '_', ch == '~':
			b.WriteByte(ch)
		default:
			b.WriteByte('%')
			b.WriteByte(hexDigits[ch>>4])
			b.WriteByte(hexDigits[ch&15])
		}
	}
	return b.String()
}
