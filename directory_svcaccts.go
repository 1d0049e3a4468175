package s3auth

import (
	"context"
	"errors"
	"slices"
	"sort"

	"github.com/s3auth/s3auth/store"
)

// AddServiceAccount creates a service account owned by the local user
// parent and returns its keys; the secret is shown only here. Access and
// secret keys are generated from crypto/rand when not given. A user owns at
// most [MaxServiceAccountsPerUser] service accounts, exactly, however many
// creations race on however many nodes ([ErrServiceAccountLimit]); a
// service account cannot own service accounts ([ErrInvalidParent]).
//
// The service account has its parent's policies, read at evaluation time,
// restricted by opts.Policy when given.
func (d *Directory) AddServiceAccount(ctx context.Context, parent string, opts ServiceAccountOptions) (Keys, error) {
	if err := ValidateAccessKey(parent); err != nil {
		return Keys{}, err
	}
	if err := validateLabel("name", opts.Name, 64); err != nil {
		return Keys{}, err
	}
	if err := validateLabel("description", opts.Description, 256); err != nil {
		return Keys{}, err
	}
	var policy []byte
	if len(opts.Policy) > 0 {
		if err := d.checkPolicyDoc("", opts.Policy); err != nil {
			return Keys{}, err
		}
		policy = slices.Clone(opts.Policy)
	}
	keys := Keys{AccessKey: opts.AccessKey, SecretKey: opts.SecretKey}
	generated := keys.AccessKey == ""
	var err error
	if keys.AccessKey != "" {
		if err := ValidateAccessKey(keys.AccessKey); err != nil {
			return Keys{}, err
		}
	}
	if keys.SecretKey == "" {
		if keys.SecretKey, err = GenerateSecretKey(); err != nil {
			return Keys{}, err
		}
	} else if err := ValidateSecretKey(keys.SecretKey); err != nil {
		return Keys{}, err
	}
	now := nanos(d.clock.Now())
	err = d.mutate(ctx, "add service account for "+parent, func(ctx context.Context) ([]store.Op, error) {
		_, urev, err := d.readUser(ctx, parent)
		if err != nil {
			return nil, err
		}
		var idx svcIdxRecord
		idxRev, err := d.getRecord(ctx, svcIdxKey(parent), &idx)
		if err != nil {
			return nil, err
		}
		if len(idx.Keys) >= MaxServiceAccountsPerUser {
			return nil, errorf(CodeServiceAccountLimit, "user %q already has %d service accounts, the most allowed; remove one first", parent, len(idx.Keys))
		}
		if generated {
			if keys.AccessKey, err = GenerateAccessKey(); err != nil {
				return nil, err
			}
		}
		for _, k := range []string{userKey(keys.AccessKey), svcKey(keys.AccessKey)} {
			_, err := d.st.Get(ctx, k)
			if err != nil && !errors.Is(err, store.ErrNotFound) {
				return nil, wrapStore(err, "reading "+k)
			}
			if err == nil {
				if generated {
					return nil, errorf(CodeConflict, "generated access key collided; retry")
				}
				return nil, errorf(CodeAccessKeyExists, "access key %q is already in use; choose another or let one be generated", keys.AccessKey)
			}
		}
		sf, err := d.sealSecret(svcKey(keys.AccessKey), keys.SecretKey)
		if err != nil {
			return nil, err
		}
		rec := svcRecord{V: recordVersion, Parent: parent, secretField: sf, Name: opts.Name, Description: opts.Description, Policy: policy, Created: now}
		idx.V = recordVersion
		idx.Keys = append(slices.Clone(idx.Keys), keys.AccessKey)
		return []store.Op{
			store.Put(svcKey(keys.AccessKey), encode(rec), store.MustNotExist),
			store.Check(userKey(keys.AccessKey), store.MustNotExist),
			store.Put(svcIdxKey(parent), encode(idx), cond(idxRev)),
			store.Check(userKey(parent), store.AtRevision(urev)),
		}, nil
	})
	if err != nil {
		return Keys{}, err
	}
	return keys, nil
}

func (d *Directory) readSvc(ctx context.Context, accessKey string) (svcRecord, int64, error) {
	var s svcRecord
	if err := ValidateAccessKey(accessKey); err != nil {
		return s, 0, err
	}
	rev, err := d.getRecord(ctx, svcKey(accessKey), &s)
	if err != nil {
		return s, 0, err
	}
	if rev == 0 {
		return s, 0, errorf(CodeServiceAccountNotFound, "service account %q does not exist; list the parent's service accounts to check the access key", accessKey)
	}
	return s, rev, nil
}

func (d *Directory) updateSvc(ctx context.Context, accessKey, what string, change func(s *svcRecord)) error {
	return d.mutate(ctx, what+" "+accessKey, func(ctx context.Context) ([]store.Op, error) {
		s, rev, err := d.readSvc(ctx, accessKey)
		if err != nil {
			return nil, err
		}
		change(&s)
		return []store.Op{store.Put(svcKey(accessKey), encode(s), store.AtRevision(rev))}, nil
	})
}

// SetServiceAccountPolicy replaces a service account's restricting policy;
// nil or empty removes it (the service account then has exactly its
// parent's access).
func (d *Directory) SetServiceAccountPolicy(ctx context.Context, accessKey string, policy []byte) error {
	if len(policy) > 0 {
		if err := d.checkPolicyDoc("", policy); err != nil {
			return err
		}
		policy = slices.Clone(policy)
	} else {
		policy = nil
	}
	return d.updateSvc(ctx, accessKey, "set policy of service account", func(s *svcRecord) { s.Policy = policy })
}

// EnableServiceAccount enables a service account (it stays unusable while
// its parent is disabled).
func (d *Directory) EnableServiceAccount(ctx context.Context, accessKey string) error {
	return d.updateSvc(ctx, accessKey, "enable service account", func(s *svcRecord) { s.Disabled = false })
}

// DisableServiceAccount disables a service account.
func (d *Directory) DisableServiceAccount(ctx context.Context, accessKey string) error {
	return d.updateSvc(ctx, accessKey, "disable service account", func(s *svcRecord) { s.Disabled = true })
}

// RemoveServiceAccount deletes a service account.
func (d *Directory) RemoveServiceAccount(ctx context.Context, accessKey string) error {
	return d.mutate(ctx, "remove service account "+accessKey, func(ctx context.Context) ([]store.Op, error) {
		s, rev, err := d.readSvc(ctx, accessKey)
		if err != nil {
			return nil, err
		}
		ops := []store.Op{store.Delete(svcKey(accessKey), store.AtRevision(rev))}
		var idx svcIdxRecord
		idxRev, err := d.getRecord(ctx, svcIdxKey(s.Parent), &idx)
		if err != nil {
			return nil, err
		}
		if idxRev != 0 {
			idx.Keys = withoutName(idx.Keys, accessKey)
			if len(idx.Keys) == 0 {
				ops = append(ops, store.Delete(svcIdxKey(s.Parent), store.AtRevision(idxRev)))
			} else {
				ops = append(ops, store.Put(svcIdxKey(s.Parent), encode(idx), store.AtRevision(idxRev)))
			}
		}
		return ops, nil
	})
}

// GetServiceAccount returns a service account from the cache, without its
// secret.
func (d *Directory) GetServiceAccount(accessKey string) (ServiceAccount, error) {
	d.mu.RLock()
	defer d.mu.RUnlock()
	s := d.cache.svcs[accessKey]
	if s == nil {
		return ServiceAccount{}, errorf(CodeServiceAccountNotFound, "service account %q does not exist; list the parent's service accounts to check the access key", clip(accessKey))
	}
	return svcOf(accessKey, s), nil
}

func svcOf(ak string, s *svcEntry) ServiceAccount {
	return ServiceAccount{
		AccessKey: ak, Parent: s.parent, Name: s.name, Description: s.description,
		Enabled: !s.disabled, Policy: slices.Clone(s.policy), Created: fromNanos(s.created),
	}
}

// ListServiceAccounts returns the service accounts of a user from the
// cache, sorted by access key.
func (d *Directory) ListServiceAccounts(parent string) ([]ServiceAccount, error) {
	d.mu.RLock()
	defer d.mu.RUnlock()
	if u := d.cache.users[parent]; u == nil || u.deleting {
		return nil, errorf(CodeUserNotFound, "user %q does not exist; list users to check the access key", clip(parent))
	}
	var out []ServiceAccount
	if idx := d.cache.idx[parent]; idx != nil {
		for _, k := range idx.keys {
			if s := d.cache.svcs[k]; s != nil && s.parent == parent {
				out = append(out, svcOf(k, s))
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].AccessKey < out[j].AccessKey })
	return out, nil
}
