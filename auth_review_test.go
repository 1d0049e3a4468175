package s3auth_test

import (
	"context"
	"testing"
	"time"

	"github.com/s3auth/s3auth/s3authtest"
)

// A session outlives neither its user's removal nor the user's re-creation
// under the same name: the new user is a different identity.
func TestSessionOfRemovedUserStaysRevokedWhenNameIsReused(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := s3authtest.NewEnv(t)
	e.AddUser(t, "erin", "erin-secret-12", "readwrite")
	c := assume(t, e, "erin", "erin-secret-12")
	if err := put(t, c, "k", "v"); err != nil {
		t.Fatal(err)
	}
	e.Clock.Advance(time.Second)
	if err := e.Auth.Directory().RemoveUser(ctx, "erin"); err != nil {
		t.Fatal(err)
	}
	e.Clock.Advance(time.Second)
	e.AddUser(t, "erin", "another-secret-34", "readwrite")
	if _, err := get(t, c, "k"); apiCode(err) != "InvalidToken" {
		t.Fatalf("old session after the name was reused: %v, want InvalidToken", err)
	}
	// Sessions of the new user work.
	if _, err := get(t, assume(t, e, "erin", "another-secret-34"), "k"); err != nil {
		t.Fatalf("new user's session: %v", err)
	}
}
