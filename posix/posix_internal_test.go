package posix

import (
	"errors"
	"fmt"
	"strings"
	"syscall"
	"testing"
)

// The process running the tests may be root, so the EPERM mapping is
// checked here directly.
func TestChownErrMapsEPERM(t *testing.T) {
	t.Parallel()
	o := Owner{UID: 1, GID: 2, Set: true}
	err := chownErr("/x", o, fmt.Errorf("lchown /x: %w", syscall.EPERM))
	if !errors.Is(err, ErrNotPermitted) || !strings.Contains(err.Error(), "CAP_CHOWN") || !strings.Contains(err.Error(), "root") {
		t.Fatalf("EPERM: %v", err)
	}
	err = chownErr("/x", o, syscall.ENOENT)
	if errors.Is(err, ErrNotPermitted) || !errors.Is(err, syscall.ENOENT) {
		t.Fatalf("ENOENT: %v", err)
	}
	if chownErr("/x", o, nil) != nil {
		t.Fatal("nil error mapped to non-nil")
	}
}
