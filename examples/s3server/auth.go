package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"

	"github.com/s3auth/s3auth"
	"github.com/s3auth/s3auth/ldapauth"
	"github.com/s3auth/s3auth/store"
)

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
