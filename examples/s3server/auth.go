package main

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/s3auth/s3auth"
	"github.com/s3auth/s3auth/examples/s3server/internal/server"
	"github.com/s3auth/s3auth/iam"
	"github.com/s3auth/s3auth/internal/fsobj"
	"github.com/s3auth/s3auth/internal/s3api"
	"github.com/s3auth/s3auth/ldapauth"
	"github.com/s3auth/s3auth/sigv4"
	"github.com/s3auth/s3auth/store"
	"github.com/s3auth/s3auth/store/boltstore"
	"github.com/s3auth/s3auth/store/etcdstore"
)

// MaxBucketPolicySize is S3's limit on bucket policies (20 KB).
const MaxBucketPolicySize = 20 << 10

// openStore opens the identity store: the embedded bbolt file inside the
// data folder, or etcd for --store etcd://HOST:PORT[,HOST:PORT...].
func openStore(c config) (store.Store, error) {
	if c.Store == "" {
		if err := os.MkdirAll(c.Data, 0o750); err != nil {
			return nil, fmt.Errorf("s3server: creating the data folder %s: %w", c.Data, err)
		}
		return boltstore.Open(filepath.Join(c.Data, "s3auth.db"))
	}
	rest, ok := strings.CutPrefix(c.Store, "etcd://")
	if !ok || rest == "" {
		return nil, fmt.Errorf("s3server: --store %q: use etcd://HOST:PORT[,HOST:PORT...] or leave it empty for the embedded store", c.Store)
	}
	var eps []string
	for _, hp := range strings.Split(rest, ",") {
		if hp = strings.TrimSpace(hp); hp != "" {
			eps = append(eps, "http://"+hp)
		}
	}
	return etcdstore.Dial(etcdstore.Config{Endpoints: eps})
}

// masterKey reads S3AUTH_MASTER_KEY: 32 bytes in base64 or hex, or any
// other string (a passphrase), which is hashed with SHA-256. The key id is
// derived from the key, so a changed master key is reported by name.
func masterKey(getenv func(string) string) ([]s3auth.SealKey, error) {
	v := getenv("S3AUTH_MASTER_KEY")
	if v == "" {
		return nil, nil
	}
	var key []byte
	if b, err := base64.StdEncoding.DecodeString(v); err == nil && len(b) == 32 {
		key = b
	} else if b, err := hex.DecodeString(v); err == nil && len(b) == 32 {
		key = b
	} else {
		if len(v) < 16 {
			return nil, errors.New("s3server: S3AUTH_MASTER_KEY is too short; use 32 random bytes in base64 (openssl rand -base64 32) or a passphrase of at least 16 characters")
		}
		sum := sha256.Sum256([]byte(v))
		key = sum[:]
	}
	id := sha256.Sum256(key)
	return []s3auth.SealKey{{ID: "master-" + hex.EncodeToString(id[:4]), Key: key}}, nil
}

const rootRecordKey = "server/root"

type rootRecord struct {
	AccessKey string `json:"accessKey"`
	SecretKey string `json:"secretKey"`
	Sealed    bool   `json:"sealed,omitempty"`
}

// rootCredentials returns the root keys: from S3AUTH_ROOT_ACCESS_KEY and
// S3AUTH_ROOT_SECRET_KEY when set; otherwise the ones kept in the store,
// generated and printed once on first start.
func rootCredentials(ctx context.Context, st store.Store, dir *s3auth.Directory, getenv func(string) string, out io.Writer) (string, string, error) {
	ak, sk := getenv("S3AUTH_ROOT_ACCESS_KEY"), getenv("S3AUTH_ROOT_SECRET_KEY")
	switch {
	case ak != "" && sk != "":
		if err := s3auth.ValidateAccessKey(ak); err != nil {
			return "", "", fmt.Errorf("s3server: S3AUTH_ROOT_ACCESS_KEY: %w", err)
		}
		if err := s3auth.ValidateSecretKey(sk); err != nil {
			return "", "", fmt.Errorf("s3server: S3AUTH_ROOT_SECRET_KEY: %w", err)
		}
		return ak, sk, nil
	case ak != "" || sk != "":
		return "", "", errors.New("s3server: set both S3AUTH_ROOT_ACCESS_KEY and S3AUTH_ROOT_SECRET_KEY, or neither (then keys are generated once and kept)")
	}
	for attempt := 0; attempt < 3; attempt++ {
		e, err := st.Get(ctx, rootRecordKey)
		if err == nil {
			var rec rootRecord
			if err := json.Unmarshal(e.Value, &rec); err != nil {
				return "", "", fmt.Errorf("s3server: the stored root credentials are damaged: %w", err)
			}
			if rec.Sealed {
				if rec.SecretKey, err = dir.OpenValue(rootRecordKey, rec.SecretKey); err != nil {
					return "", "", fmt.Errorf("s3server: opening the stored root secret (is S3AUTH_MASTER_KEY the one it was sealed with?): %w", err)
				}
			}
			return rec.AccessKey, rec.SecretKey, nil
		}
		if !errors.Is(err, store.ErrNotFound) {
			return "", "", fmt.Errorf("s3server: reading the root credentials: %w", err)
		}
		if ak, err = s3auth.GenerateAccessKey(); err != nil {
			return "", "", err
		}
		if sk, err = s3auth.GenerateSecretKey(); err != nil {
			return "", "", err
		}
		rec := rootRecord{AccessKey: ak, SecretKey: sk}
		if sealed, ok, err := dir.SealValue(rootRecordKey, sk); err != nil {
			return "", "", err
		} else if ok {
			rec.SecretKey, rec.Sealed = sealed, true
		}
		val, _ := json.Marshal(rec)
		if _, err := st.Put(ctx, rootRecordKey, val, store.MustNotExist); err != nil {
			if errors.Is(err, store.ErrConflict) {
				continue // another node created them first
			}
			return "", "", fmt.Errorf("s3server: saving the root credentials: %w", err)
		}
		fmt.Fprintf(out, "\nRoot credentials (printed once; they are kept in the store):\n  AWS_ACCESS_KEY_ID=%s\n  AWS_SECRET_ACCESS_KEY=%s\n\n", ak, sk)
		return ak, sk, nil
	}
	return "", "", errors.New("s3server: the root credentials kept changing while being created; start again")
}

// newLDAP builds the LDAP authenticator from the --ldap-* flags, or nil.
func newLDAP(c config, log *slog.Logger) (*ldapauth.Authenticator, error) {
	if c.LDAP.URL == "" {
		return nil, nil
	}
	return ldapauth.New(ldapauth.Config{
		URLs:         []string{c.LDAP.URL},
		StartTLS:     c.LDAP.StartTLS,
		BindDN:       c.LDAP.BindDN,
		BindPassword: c.LDAP.BindPassword,
		UserBaseDN:   c.LDAP.UserBase,
		UserFilter:   c.LDAP.UserFilter,
		GroupBaseDN:  c.LDAP.GroupBase,
		GroupFilter:  c.LDAP.GroupFilter,
		Logger:       log,
	})
}

// bucketPolicies reads bucket policies from the object backend and keeps
// them compiled.
type bucketPolicies struct {
	be *fsobj.Backend
	mu sync.Mutex
	m  map[string]compiledPolicy
}

type compiledPolicy struct {
	doc string
	pol *iam.Policy
}

func parseBucketPolicy(doc []byte) (*iam.Policy, error) {
	return iam.Parse(doc, iam.WithResourcePolicy(), iam.WithMaxSize(MaxBucketPolicySize))
}

func (b *bucketPolicies) get(_ context.Context, bucket string) (*iam.Policy, error) {
	doc, err := b.be.BucketPolicy(bucket)
	if err != nil {
		if e := s3api.AsError(err); e != nil && (e.Code == "NoSuchBucketPolicy" || e.Code == s3api.CodeNoSuchBucket) {
			return nil, nil
		}
		return nil, err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if c, ok := b.m[bucket]; ok && c.doc == string(doc) {
		return c.pol, nil
	}
	pol, err := parseBucketPolicy(doc)
	if err != nil {
		return nil, fmt.Errorf("the stored policy of bucket %s no longer validates: %w", bucket, err)
	}
	if b.m == nil {
		b.m = make(map[string]compiledPolicy)
	}
	b.m[bucket] = compiledPolicy{doc: string(doc), pol: pol}
	return pol, nil
}

// facadeAuth adapts the s3auth facade to the server's Auth seam.
type facadeAuth struct{ a *s3auth.Auth }

var _ server.Auth = facadeAuth{}

// s3Error turns a facade error into the server's S3 error.
func s3Error(err error) error {
	var e *sigv4.Error
	if errors.As(err, &e) {
		return &s3api.Error{Code: e.Code, Message: e.Message, Status: e.StatusCode, Err: err}
	}
	return err
}

func (f facadeAuth) Authenticate(r *http.Request) (server.Principal, io.ReadCloser, error) {
	p, err := f.a.Authenticate(r)
	if err != nil {
		return server.Principal{}, nil, s3Error(err)
	}
	sp := server.Principal{ID: p.User, Value: p}
	if p.Kind == s3auth.PrincipalAnonymous {
		sp.ID = ""
	}
	if p.Posix.Set {
		sp.POSIX = &server.POSIXIDs{UID: int(p.Posix.UID), GID: int(p.Posix.GID)}
	}
	var body io.ReadCloser
	if b := p.Body(); b != nil {
		body = codedBody{b}
	}
	return sp, body, nil
}

// codedBody gives the server the verifying reader's failures as S3 errors
// (BadDigest, IncompleteBody, SignatureDoesNotMatch, ...) instead of errors
// it does not know, which it would answer with InternalError.
type codedBody struct{ io.ReadCloser }

func (b codedBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err != nil && err != io.EOF {
		err = s3Error(err)
	}
	return n, err
}

// WriteTo keeps the verifying reader's copy without an extra buffer.
func (b codedBody) WriteTo(w io.Writer) (int64, error) {
	if wt, ok := b.ReadCloser.(io.WriterTo); ok {
		n, err := wt.WriteTo(w)
		return n, s3Error(err)
	}
	return io.Copy(w, struct{ io.Reader }{b})
}

func (f facadeAuth) Authorize(ctx context.Context, sp server.Principal, r *http.Request, op server.Operation) error {
	p, ok := sp.Value.(*s3auth.Principal)
	if !ok {
		return &s3api.Error{Code: "AccessDenied", Message: "Access Denied.", Status: http.StatusForbidden}
	}
	var d *s3auth.Decision
	if op.Name == "DeleteObject" && r.URL.Query().Has("delete") {
		// One key of a DeleteObjects body.
		check := iam.Check{Action: "s3:DeleteObject", Resource: "arn:aws:s3:::" + op.Bucket + "/" + op.Key}
		d = f.a.AuthorizeChecks(ctx, p, r, op.Bucket, []iam.Check{check})
	} else {
		d = f.a.Authorize(ctx, p, r)
	}
	if d.Allowed {
		return nil
	}
	return s3Error(d.S3Error())
}
