package s3auth

import (
	"context"
	"slices"
	"sort"

	"github.com/s3auth/s3auth/posix"
	"github.com/s3auth/s3auth/store"
)

// AddUser creates a local user whose username is accessKey and whose
// password is secretKey (see [ValidateAccessKey] and [ValidateSecretKey]
// for what is allowed). Access keys are unique across users and service
// accounts: a taken key gives [ErrUserExists] or [ErrAccessKeyExists]. The
// new user has no policy attached, hence no access, until
// [Directory.AttachPolicy].
func (d *Directory) AddUser(ctx context.Context, accessKey, secretKey string, opts ...UserOption) (User, error) {
	if err := ValidateAccessKey(accessKey); err != nil {
		return User{}, err
	}
	if err := ValidateSecretKey(secretKey); err != nil {
		return User{}, err
	}
	var uo userOptions
	for _, o := range opts {
		o(&uo)
	}
	if err := d.checkOwner(uo.owner); err != nil {
		return User{}, err
	}
	key := userKey(accessKey)
	now := nanos(d.clock.Now())
	err := d.mutate(ctx, "add user "+accessKey, func(ctx context.Context) ([]store.Op, error) {
		var u userRecord
		rev, err := d.getRecord(ctx, key, &u)
		if err != nil {
			return nil, err
		}
		if rev != 0 {
			return nil, errorf(CodeUserExists, "user %q already exists; choose another access key or change the existing user", accessKey)
		}
		var s svcRecord
		if rev, err := d.getRecord(ctx, svcKey(accessKey), &s); err != nil {
			return nil, err
		} else if rev != 0 {
			return nil, errorf(CodeAccessKeyExists, "access key %q belongs to a service account; choose another access key", accessKey)
		}
		sf, err := d.sealSecret(key, secretKey)
		if err != nil {
			return nil, err
		}
		rec := userRecord{V: recordVersion, secretField: sf, Disabled: uo.disabled, Posix: posixRec(uo.owner), Created: now}
		return []store.Op{
			store.Put(key, encode(rec), store.MustNotExist),
			store.Check(svcKey(accessKey), store.MustNotExist),
		}, nil
	})
	if err != nil {
		return User{}, err
	}
	return User{AccessKey: accessKey, Enabled: !uo.disabled, Posix: uo.owner, Created: fromNanos(now)}, nil
}

func (d *Directory) checkOwner(o posix.Owner) error {
	if err := d.ids.CheckOwner(o); err != nil {
		return &Error{Code: CodeInvalidArgument, Msg: "POSIX owner " + o.String() + " rejected (root is allowed only with WithAllowRootOwner(true))", Err: err}
	}
	return nil
}

// readUser reads a user for a change; a missing user or one being removed
// gives ErrUserNotFound.
func (d *Directory) readUser(ctx context.Context, accessKey string) (userRecord, int64, error) {
	var u userRecord
	if err := ValidateAccessKey(accessKey); err != nil {
		return u, 0, err
	}
	rev, err := d.getRecord(ctx, userKey(accessKey), &u)
	if err != nil {
		return u, 0, err
	}
	if rev == 0 || u.Deleting {
		var s svcRecord
		if srev, err := d.getRecord(ctx, svcKey(accessKey), &s); err == nil && srev != 0 {
			return u, 0, errorf(CodeInvalidParent, "%q is a service account, not a user (service accounts cannot own service accounts or have policies attached)", accessKey)
		}
		return u, 0, errorf(CodeUserNotFound, "user %q does not exist; list users to check the access key", accessKey)
	}
	return u, rev, nil
}

// updateUser changes one user record under a revision precondition.
func (d *Directory) updateUser(ctx context.Context, accessKey, what string, change func(u *userRecord) error) error {
	return d.mutate(ctx, what+" "+accessKey, func(ctx context.Context) ([]store.Op, error) {
		u, rev, err := d.readUser(ctx, accessKey)
		if err != nil {
			return nil, err
		}
		if err := change(&u); err != nil {
			return nil, err
		}
		return []store.Op{store.Put(userKey(accessKey), encode(u), store.AtRevision(rev))}, nil
	})
}

// EnableUser enables a user, and with it the user's enabled service
// accounts. Sessions revoked while it was disabled stay revoked.
func (d *Directory) EnableUser(ctx context.Context, accessKey string) error {
	return d.updateUser(ctx, accessKey, "enable user", func(u *userRecord) error {
		u.Disabled = false
		return nil
	})
}

// DisableUser disables a user. It takes effect at once for the user, every
// service account of the user (lookups check the parent) and every STS
// session derived from them (sessions valid after is set to now).
func (d *Directory) DisableUser(ctx context.Context, accessKey string) error {
	now := nanos(d.clock.Now())
	return d.updateUser(ctx, accessKey, "disable user", func(u *userRecord) error {
		u.Disabled = true
		u.SessionsValidAfter = max(u.SessionsValidAfter, now)
		return nil
	})
}

// RevokeSessions invalidates every STS session of the user (and of its
// service accounts) issued before now, by setting the user's sessions
// valid after time, which the STS layer checks.
func (d *Directory) RevokeSessions(ctx context.Context, accessKey string) error {
	now := nanos(d.clock.Now())
	return d.updateUser(ctx, accessKey, "revoke sessions of", func(u *userRecord) error {
		u.SessionsValidAfter = max(u.SessionsValidAfter, now)
		return nil
	})
}

// SetUserSecret changes a user's secret key (see [ValidateSecretKey]).
// Requests signed with the old secret fail from then on.
func (d *Directory) SetUserSecret(ctx context.Context, accessKey, secretKey string) error {
	if err := ValidateSecretKey(secretKey); err != nil {
		return err
	}
	return d.updateUser(ctx, accessKey, "set secret of user", func(u *userRecord) error {
		sf, err := d.sealSecret(userKey(accessKey), secretKey)
		u.secretField = sf
		return err
	})
}

// SetUserPosix sets the POSIX ids of a user, which its service accounts
// and sessions inherit; an unset owner removes the mapping. uid and gid 0
// are rejected unless the Directory was made with WithAllowRootOwner(true).
func (d *Directory) SetUserPosix(ctx context.Context, accessKey string, o posix.Owner) error {
	if err := d.checkOwner(o); err != nil {
		return err
	}
	return d.updateUser(ctx, accessKey, "set POSIX ids of user", func(u *userRecord) error {
		u.Posix = posixRec(o)
		return nil
	})
}

// RemoveUser deletes a user, every service account it owns, and its policy
// attachments, and so invalidates its sessions (the STS layer finds no
// parent).
//
// When everything fits in one atomic batch (up to about 45 service
// accounts, depending on attached policies) it is removed at once.
// Otherwise the user is first marked disabled and "being removed" — from
// that moment it and all its service accounts are unusable and it accepts
// no changes — then its service accounts are deleted in batches, then the
// user. If RemoveUser is interrupted, the user stays unusable and calling
// it again finishes the job.
func (d *Directory) RemoveUser(ctx context.Context, accessKey string) error {
	what := "remove user " + accessKey
	tooBig := false
	build := func(ctx context.Context) ([]store.Op, error) {
		tooBig = false
		var u userRecord
		if err := ValidateAccessKey(accessKey); err != nil {
			return nil, err
		}
		rev, err := d.getRecord(ctx, userKey(accessKey), &u)
		if err != nil {
			return nil, err
		}
		if rev == 0 {
			return nil, errorf(CodeUserNotFound, "user %q does not exist; list users to check the access key", accessKey)
		}
		var idx svcIdxRecord
		idxRev, err := d.getRecord(ctx, svcIdxKey(accessKey), &idx)
		if err != nil {
			return nil, err
		}
		ops := []store.Op{store.Delete(userKey(accessKey), store.AtRevision(rev))}
		if idxRev != 0 {
			ops = append(ops, store.Delete(svcIdxKey(accessKey), store.AtRevision(idxRev)))
		}
		if len(ops)+len(idx.Keys)+len(u.Policies) > maxBatchOps {
			tooBig = true
			return nil, nil
		}
		for _, k := range idx.Keys {
			ops = append(ops, store.Delete(svcKey(k), store.MustExist))
		}
		decs, err := d.detachAllOps(ctx, u.Policies)
		if err != nil {
			return nil, err
		}
		return append(ops, decs...), nil
	}
	if err := d.mutate(ctx, what, build); err != nil || !tooBig {
		return err
	}
	// Too many service accounts for one batch: make everything unusable
	// first, then delete the service accounts in chunks, then the user.
	now := nanos(d.clock.Now())
	err := d.mutate(ctx, what, func(ctx context.Context) ([]store.Op, error) {
		var u userRecord
		rev, err := d.getRecord(ctx, userKey(accessKey), &u)
		if err != nil || rev == 0 || u.Deleting {
			return nil, err
		}
		u.Deleting, u.Disabled = true, true
		u.SessionsValidAfter = max(u.SessionsValidAfter, now)
		return []store.Op{store.Put(userKey(accessKey), encode(u), store.AtRevision(rev))}, nil
	})
	if err != nil {
		return err
	}
	for {
		done := false
		err := d.mutate(ctx, what, func(ctx context.Context) ([]store.Op, error) {
			var idx svcIdxRecord
			idxRev, err := d.getRecord(ctx, svcIdxKey(accessKey), &idx)
			if err != nil {
				return nil, err
			}
			if idxRev == 0 || len(idx.Keys) == 0 {
				done = true
				return nil, nil
			}
			n := min(len(idx.Keys), maxBatchOps-1)
			var ops []store.Op
			for _, k := range idx.Keys[:n] {
				ops = append(ops, store.Delete(svcKey(k), store.MustExist))
			}
			idx.Keys = idx.Keys[n:]
			return append(ops, store.Put(svcIdxKey(accessKey), encode(idx), store.AtRevision(idxRev))), nil
		})
		if err != nil {
			return err
		}
		if done {
			break
		}
	}
	if err := d.mutate(ctx, what, build); err != nil {
		return err
	}
	if tooBig {
		return errorf(CodeConflict, "%s: the user has too many attached policies to remove in one batch; detach some and retry", what)
	}
	return nil
}

// detachAllOps returns the operations that decrement the attachment count
// of each named (non built-in) policy.
func (d *Directory) detachAllOps(ctx context.Context, names []string) ([]store.Op, error) {
	var ops []store.Op
	for _, name := range names {
		if IsBuiltinPolicy(name) {
			continue
		}
		var p policyRecord
		rev, err := d.getRecord(ctx, policyKey(name), &p)
		if err != nil {
			return nil, err
		}
		if rev == 0 {
			continue
		}
		p.Attached = max(p.Attached-1, 0)
		ops = append(ops, store.Put(policyKey(name), encode(p), store.AtRevision(rev)))
	}
	return ops, nil
}

// GetUser returns a user from the cache, without its secret.
func (d *Directory) GetUser(accessKey string) (User, error) {
	d.mu.RLock()
	defer d.mu.RUnlock()
	u := d.cache.users[accessKey]
	if u == nil || u.deleting {
		return User{}, errorf(CodeUserNotFound, "user %q does not exist; list users to check the access key", clip(accessKey))
	}
	return d.userLocked(accessKey, u), nil
}

func (d *Directory) userLocked(ak string, u *userEntry) User {
	n := 0
	if idx := d.cache.idx[ak]; idx != nil {
		n = len(idx.keys)
	}
	return User{
		AccessKey:          ak,
		Enabled:            !u.disabled && !u.deleting,
		Posix:              u.owner,
		Policies:           slices.Clone(u.policies),
		ServiceAccounts:    n,
		SessionsValidAfter: fromNanos(u.validAfter),
		Created:            fromNanos(u.created),
	}
}

// ListUsers returns every local user from the cache, sorted by access key,
// without secrets. Users being removed are left out.
func (d *Directory) ListUsers() []User {
	d.mu.RLock()
	out := make([]User, 0, len(d.cache.users))
	for ak, u := range d.cache.users {
		if !u.deleting {
			out = append(out, d.userLocked(ak, u))
		}
	}
	d.mu.RUnlock()
	sort.Slice(out, func(i, j int) bool { return out[i].AccessKey < out[j].AccessKey })
	return out
}

// UserSecret returns a user's secret key from the cache. It is the only
// administration call that reveals a secret; hosts should restrict it.
func (d *Directory) UserSecret(accessKey string) (string, error) {
	d.mu.RLock()
	defer d.mu.RUnlock()
	u := d.cache.users[accessKey]
	if u == nil || u.deleting {
		return "", errorf(CodeUserNotFound, "user %q does not exist; list users to check the access key", clip(accessKey))
	}
	if u.unusable {
		return "", errorf(CodeSeal, "the secret of user %q cannot be opened with the configured seal keys", accessKey)
	}
	return u.secret, nil
}
