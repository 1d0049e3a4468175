package sigv4_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/s3auth/s3auth/sigv4"
)

// sharedTestdata returns /work/shared/testdata, found as ../shared/testdata
// beside the module root.
var sharedTestdata = sync.OnceValues(func() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return filepath.Join(dir, "..", "shared", "testdata"), nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("go.mod not found above the test directory")
		}
		dir = parent
	}
})

func testdataPath(t testing.TB, elem ...string) string {
	t.Helper()
	dir, err := sharedTestdata()
	if err != nil {
		t.Fatalf("locating shared testdata: %v", err)
	}
	p := filepath.Join(append([]string{dir}, elem...)...)
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("shared testdata missing (expected at ../shared/testdata beside the module root): %v", err)
	}
	return p
}

type clockAt time.Time

func (c clockAt) Now() time.Time { return time.Time(c) }

// staticLookup knows a fixed set of access key → secret pairs. If tokens
// has an entry for the key, the request must carry exactly that token.
type staticLookup struct {
	secrets map[string]string
	tokens  map[string]string
	values  map[string]any // Credentials.Value per key; nil is fine
}

func (l staticLookup) LookupCredentials(_ context.Context, ak, token string) (sigv4.Credentials, error) {
	s, ok := l.secrets[ak]
	if !ok {
		return sigv4.Credentials{}, sigv4.ErrUnknownAccessKey
	}
	if want, ok := l.tokens[ak]; ok && token != want {
		return sigv4.Credentials{}, &sigv4.Error{Code: sigv4.ErrCodeInvalidToken, Message: "The provided token is malformed or otherwise invalid.", StatusCode: 400}
	}
	return sigv4.Credentials{SecretKey: s, Value: l.values[ak]}, nil
}

func s3Code(err error) string {
	var e *sigv4.Error
	if errors.As(err, &e) {
		return e.Code
	}
	if err == nil {
		return ""
	}
	return "not a *sigv4.Error: " + err.Error()
}
