package posix

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"syscall"
)

// Chown gives the file or directory at path the ids of o, without following
// a final symbolic link (the link itself changes owner). An unset owner
// does nothing. Only the range is checked here ([MaxID]); whether root is
// acceptable is decided where the owner was made (see [Policy]).
//
// When the process may not chown, the error wraps [ErrNotPermitted] and
// says that the process must run as root or have CAP_CHOWN.
func Chown(path string, o Owner) error {
	if !o.Set {
		return nil
	}
	if err := (Policy{AllowRoot: true}).CheckOwner(o); err != nil {
		return err
	}
	return chownErr(path, o, os.Lchown(path, int(o.UID), int(o.GID)))
}

// ApplyToFile gives the open file f the ids of o, as [Chown] does for a
// path. Using the open file avoids races with renames of its path.
func ApplyToFile(f *os.File, o Owner) error {
	if !o.Set {
		return nil
	}
	if f == nil {
		return fmt.Errorf("posix: ApplyToFile: nil file")
	}
	if err := (Policy{AllowRoot: true}).CheckOwner(o); err != nil {
		return err
	}
	return chownErr(f.Name(), o, f.Chown(int(o.UID), int(o.GID)))
}

func chownErr(path string, o Owner, err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, syscall.EPERM) || errors.Is(err, fs.ErrPermission) {
		return fmt.Errorf("%w: cannot chown %q to %s: the process must run as root or have CAP_CHOWN (or leave the identity's POSIX ids unset): %v", ErrNotPermitted, path, o, err)
	}
	return fmt.Errorf("posix: cannot chown %q to %s: %w", path, o, err)
}
