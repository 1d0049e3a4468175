package posix_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/s3auth/s3auth/posix"
)

func TestCheckIDs(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		policy posix.Policy
		id     uint32
		want   error
	}{
		{"one", posix.Policy{}, 1, nil},
		{"max", posix.Policy{}, posix.MaxID, nil},
		{"no-change value", posix.Policy{AllowRoot: true}, posix.MaxID + 1, posix.ErrInvalidID},
		{"root refused", posix.Policy{}, 0, posix.ErrRootNotAllowed},
		{"root allowed", posix.Policy{AllowRoot: true}, 0, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			for kind, err := range map[string]error{
				"uid": tt.policy.CheckUID(posix.UID(tt.id)),
				"gid": tt.policy.CheckGID(posix.GID(tt.id)),
			} {
				if !errors.Is(err, tt.want) || (tt.want == nil) != (err == nil) {
					t.Errorf("%s %d: got %v, want %v", kind, tt.id, err, tt.want)
				}
			}
		})
	}
}

func TestRootErrorSaysHow(t *testing.T) {
	t.Parallel()
	err := posix.Policy{}.CheckUID(0)
	if err == nil || !contains(err.Error(), "AllowRoot") {
		t.Fatalf("error %v does not say how to allow root", err)
	}
}

func contains(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return true
		}
	}
	return false
}

var parseTests = []struct {
	name string
	in   string
	want uint32
	err  error
}{
	{"plain", "1000", 1000, nil},
	{"spaces", " 1000 ", 1000, nil},
	{"max", "4294967294", posix.MaxID, nil},
	{"no-change", "4294967295", 0, posix.ErrInvalidID},
	{"overflow", "4294967296", 0, posix.ErrInvalidID},
	{"negative", "-1", 0, posix.ErrInvalidID},
	{"plus", "+5", 0, posix.ErrInvalidID},
	{"hex", "0x10", 0, posix.ErrInvalidID},
	{"empty", "", 0, posix.ErrInvalidID},
	{"root", "0", 0, posix.ErrRootNotAllowed},
}

func TestParse(t *testing.T) {
	t.Parallel()
	for _, tt := range parseTests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			u, err := posix.Policy{}.ParseUID(tt.in)
			if !errors.Is(err, tt.err) || (tt.err == nil) != (err == nil) {
				t.Fatalf("ParseUID(%q) error %v, want %v", tt.in, err, tt.err)
			}
			if err == nil && uint32(u) != tt.want {
				t.Errorf("ParseUID(%q) = %d, want %d", tt.in, u, tt.want)
			}
			g, gerr := posix.Policy{}.ParseGID(tt.in)
			if (gerr == nil) != (err == nil) || (gerr == nil && uint32(g) != tt.want) {
				t.Errorf("ParseGID(%q) = %d, %v; ParseUID gave %d, %v", tt.in, g, gerr, u, err)
			}
		})
	}
}

func FuzzParseUID(f *testing.F) {
	for _, tt := range parseTests {
		f.Add(tt.in)
	}
	f.Fuzz(func(t *testing.T, s string) {
		u, err := posix.Policy{AllowRoot: true}.ParseUID(s)
		if err == nil && uint32(u) > posix.MaxID {
			t.Fatalf("ParseUID(%q) accepted %d", s, u)
		}
		if err != nil && !errors.Is(err, posix.ErrInvalidID) {
			t.Fatalf("ParseUID(%q): unexpected error kind %v", s, err)
		}
	})
}

func TestFromAttributes(t *testing.T) {
	t.Parallel()
	def := posix.Owner{UID: 500, GID: 600, Set: true}
	tests := []struct {
		name     string
		uid, gid string
		def      posix.Owner
		want     posix.Owner
		err      error
	}{
		{"both attributes", "1000", "1001", def, posix.Owner{UID: 1000, GID: 1001, Set: true}, nil},
		{"none, default", "", "", def, def, nil},
		{"none, no default", "", "", posix.Owner{}, posix.Owner{}, nil},
		{"uid only, default gid", "1000", "", def, posix.Owner{UID: 1000, GID: 600, Set: true}, nil},
		{"gid only, default uid", "", "1001", def, posix.Owner{UID: 500, GID: 1001, Set: true}, nil},
		{"uid only, no default", "1000", "", posix.Owner{}, posix.Owner{}, posix.ErrInvalidID},
		{"gid only, no default", "", "1001", posix.Owner{}, posix.Owner{}, posix.ErrInvalidID},
		{"bad uid", "x", "1", def, posix.Owner{}, posix.ErrInvalidID},
		{"root uid", "0", "1", def, posix.Owner{}, posix.ErrRootNotAllowed},
		{"root default", "", "", posix.Owner{Set: true}, posix.Owner{}, posix.ErrRootNotAllowed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := posix.Policy{}.FromAttributes(tt.uid, tt.gid, tt.def)
			if !errors.Is(err, tt.err) || (tt.err == nil) != (err == nil) {
				t.Fatalf("error %v, want %v", err, tt.err)
			}
			if got != tt.want {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestInherit(t *testing.T) {
	t.Parallel()
	for _, parent := range []posix.Owner{{}, {UID: 7, GID: 8, Set: true}} {
		if got := posix.Inherit(parent); got != parent {
			t.Errorf("Inherit(%v) = %v", parent, got)
		}
	}
}

func TestNewOwner(t *testing.T) {
	t.Parallel()
	o, err := posix.Policy{}.NewOwner(1000, 100)
	if err != nil || o != (posix.Owner{UID: 1000, GID: 100, Set: true}) || o.String() != "1000:100" {
		t.Fatalf("NewOwner = %v, %v", o, err)
	}
	if _, err := (posix.Policy{}).NewOwner(1000, 0); !errors.Is(err, posix.ErrRootNotAllowed) {
		t.Fatalf("NewOwner(1000, 0) error %v", err)
	}
	if (posix.Owner{}).String() != "unset" {
		t.Fatal("zero owner is not unset")
	}
}

func TestChown(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	p := filepath.Join(dir, "obj")
	if err := os.WriteFile(p, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := posix.Chown(p, posix.Owner{}); err != nil {
		t.Fatalf("unset owner: %v", err)
	}
	if err := posix.Chown(p, posix.Owner{UID: posix.MaxID + 1, GID: 1, Set: true}); !errors.Is(err, posix.ErrInvalidID) {
		t.Fatalf("no-change uid: %v", err)
	}
	o := posix.Owner{UID: 12345, GID: 23456, Set: true}
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	errPath, errFile := posix.Chown(p, o), posix.ApplyToFile(f, o)
	if os.Geteuid() != 0 {
		// An unprivileged process may not give files away.
		for _, err := range []error{errPath, errFile} {
			if !errors.Is(err, posix.ErrNotPermitted) || !contains(err.Error(), "CAP_CHOWN") {
				t.Errorf("unprivileged chown: got %v, want ErrNotPermitted naming CAP_CHOWN", err)
			}
		}
		return
	}
	if errPath != nil || errFile != nil {
		t.Fatalf("chown as root: %v, %v", errPath, errFile)
	}
	st, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	sys := st.Sys().(*syscall.Stat_t)
	if sys.Uid != 12345 || sys.Gid != 23456 {
		t.Errorf("owner is %d:%d, want 12345:23456", sys.Uid, sys.Gid)
	}
}

func TestChownMissingFile(t *testing.T) {
	t.Parallel()
	err := posix.Chown(filepath.Join(t.TempDir(), "missing"), posix.Owner{UID: 1, GID: 1, Set: true})
	if err == nil || errors.Is(err, posix.ErrNotPermitted) || !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("missing file: %v", err)
	}
}

func ExamplePolicy_NewOwner() {
	o, err := posix.Policy{}.NewOwner(1000, 1000)
	fmt.Println(o, err)
	_, err = posix.Policy{}.NewOwner(0, 0)
	fmt.Println(errors.Is(err, posix.ErrRootNotAllowed))
	// Output:
	// 1000:1000 <nil>
	// true
}
