// Command s3admin administers an s3auth server through its admin API
// (s3auth.Auth.AdminHandler, under /s3auth/admin/v1/): users, policies and
// their attachments, service accounts; and it tests policies offline with
// "policy simulate".
//
// Usage:
//
//	s3admin [global flags] COMMAND [flags] [args]
//
//	user add NAME [--secret S] [--posix-uid N --posix-gid N]
//	user rm NAME | user list | user info NAME | user disable NAME | user enable NAME
//	user revoke NAME                          (invalidate the user's STS sessions)
//	policy add NAME FILE | policy rm NAME | policy list | policy show NAME
//	policy attach NAME (--user U | --ldap-dn DN)
//	policy detach NAME (--user U | --ldap-dn DN)
//	policy simulate --cases FILE
//	policy simulate --policy FILE [--policy FILE...] [--session-policy FILE]
//	    --action A --resource R [--context k=v ...] [--explain]
//	svcacct add [--name N] [--description D] [--policy FILE]
//	    [--access-key K --secret-key S] [--parent USER]
//	svcacct list [--parent USER] | svcacct info KEY | svcacct rm KEY
//	svcacct edit KEY (--policy FILE | --remove-policy) [--status enabled|disabled]
//
// # Global flags and environment
//
// --endpoint URL (else S3AUTH_ENDPOINT, else http://127.0.0.1:9000);
// --access-key, --secret-key, --session-token (else AWS_ACCESS_KEY_ID,
// AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN); --region (else AWS_REGION,
// else us-east-1); --json. Global flags may come before or after the
// command words, except that after "svcacct add" the flags --access-key and
// --secret-key are the new service account's keys (put the caller's before
// the command words, or use the environment).
//
// # Output
//
// Human-readable tables by default. With --json, one JSON document: user add
// and svcacct add print {"accessKey", "secretKey"}; user list prints
// [{"accessKey", "status", "posixUid", "posixGid", "policies", ...}] where
// posixUid and posixGid are null when the user has no POSIX ids; user info
// one such object; svcacct list [{"accessKey", "name", "parent", "status",
// "hasPolicy", ...}]; svcacct info one such object plus "policy" (the
// document, or null); policy list [{"name", "builtin", ...}]; policy show
// {"name", "builtin", "document", ...}; commands that only change something
// print {"ok": true}.
//
// policy simulate --cases prints one JSON line {"id", "decision"} per case,
// with or without --json.
//
// # Exit status
//
// 0 on success (whatever a simulated decision is), 1 when the request or
// an input file failed, 2 for a command-line mistake. Every error is one line
// on stderr, "s3admin: ...", that says what was wrong and how to fix it.
//
// # Not supported
//
// Reading policy files from stdin, changing a user's secret, renaming, LDAP
// login, and bucket policies (use an S3 client for those).
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr, os.Getenv))
}

// Exit statuses.
const (
	exitOK    = 0
	exitError = 1
	exitUsage = 2
)

const defaultEndpoint = "http://127.0.0.1:9000"

// cli is one invocation.
type cli struct {
	stdout, stderr io.Writer
	env            func(string) string
	now            func() time.Time
	g              globals
}

// globals are the flags every command accepts.
type globals struct {
	endpoint, accessKey, secretKey, sessionToken, region string
	json                                                 bool
}

// usageError is a command-line mistake (exit status 2).
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error {
	return &usageError{msg: fmt.Sprintf(format, args...)}
}

// errHelp asks for the usage text on stdout.
var errHelp = errors.New("help")

// run is the whole program: it parses args, talks to the server, prints to
// stdout and returns the exit status. env reads the environment.
func run(args []string, stdout, stderr io.Writer, env func(string) string) int {
	c := &cli{stdout: stdout, stderr: stderr, env: env, now: time.Now}
	err := c.main(args)
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, errHelp):
		fmt.Fprint(stdout, usageText)
		return exitOK
	}
	fmt.Fprintln(stderr, "s3admin: "+oneLine(err.Error()))
	var ue *usageError
	if errors.As(err, &ue) {
		return exitUsage
	}
	return exitError
}

// oneLine keeps an error message on one line.
func oneLine(s string) string {
	s = strings.TrimSpace(s)
	s = strings.ReplaceAll(s, "\r", "")
	return strings.ReplaceAll(s, "\n", "; ")
}

const usageText = `usage: s3admin [global flags] COMMAND [flags] [args]

commands:
  user add NAME [--secret S] [--posix-uid N --posix-gid N]
  user rm NAME | user list | user info NAME | user disable NAME | user enable NAME
  user revoke NAME
  policy add NAME FILE | policy rm NAME | policy list | policy show NAME
  policy attach NAME (--user U | --ldap-dn DN)
  policy detach NAME (--user U | --ldap-dn DN)
  policy simulate --cases FILE
  policy simulate --policy FILE [--session-policy FILE] --action A --resource R [--context k=v ...] [--explain]
  svcacct add [--name N] [--description D] [--policy FILE] [--access-key K --secret-key S] [--parent USER]
  svcacct list [--parent USER] | svcacct info KEY | svcacct rm KEY
  svcacct edit KEY (--policy FILE | --remove-policy) [--status enabled|disabled]

global flags (before or after the command words):
  --endpoint URL      server (S3AUTH_ENDPOINT, default http://127.0.0.1:9000)
  --access-key K      caller's access key (AWS_ACCESS_KEY_ID)
  --secret-key S      caller's secret key (AWS_SECRET_ACCESS_KEY)
  --session-token T   caller's session token (AWS_SESSION_TOKEN)
  --region R          signing region (AWS_REGION, default us-east-1)
  --json              print one JSON document
`

// flags returns a flag set with the global flags; keys is false for
// "svcacct add", whose --access-key and --secret-key are its own.
func (c *cli) flags(name string, keys bool) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	fs.StringVar(&c.g.endpoint, "endpoint", c.g.endpoint, "")
	fs.StringVar(&c.g.region, "region", c.g.region, "")
	fs.BoolVar(&c.g.json, "json", c.g.json, "")
	if keys {
		fs.StringVar(&c.g.accessKey, "access-key", c.g.accessKey, "")
		fs.StringVar(&c.g.secretKey, "secret-key", c.g.secretKey, "")
		fs.StringVar(&c.g.sessionToken, "session-token", c.g.sessionToken, "")
	}
	return fs
}

// parse parses flags anywhere among args and returns the positional
// arguments ("--" ends the flags).
func parse(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, errHelp
			}
			return nil, usagef("%s: %v; run s3admin -h for usage", fs.Name(), err)
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		if args[0] == "--" {
			return append(pos, args[1:]...), nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

// parseN parses and checks the number of positional arguments.
func parseN(fs *flag.FlagSet, args []string, names ...string) ([]string, error) {
	pos, err := parse(fs, args)
	if err != nil {
		return nil, err
	}
	if len(pos) != len(names) {
		want := "no arguments"
		if len(names) > 0 {
			want = strings.Join(names, " ")
		}
		return nil, usagef("%s takes %s, got %d argument(s) %q; run s3admin -h for usage", fs.Name(), want, len(pos), pos)
	}
	return pos, nil
}

func (c *cli) main(args []string) error {
	// Global flags before and between the command words.
	fs := c.flags("s3admin", true)
	var words []string
	for len(words) < 2 {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return errHelp
			}
			return usagef("%v; run s3admin -h for usage", err)
		}
		args = fs.Args()
		if len(args) == 0 {
			break
		}
		words = append(words, args[0])
		args = args[1:]
		if words[0] == "help" {
			return errHelp
		}
	}
	if len(words) == 0 {
		return usagef("no command given; run s3admin -h for usage")
	}
	group := words[0]
	switch group {
	case "user", "policy", "svcacct":
	default:
		return usagef("unknown command %q (the commands are user, policy and svcacct); run s3admin -h for usage", group)
	}
	if len(words) < 2 {
		return usagef("%q needs a subcommand; run s3admin -h for usage", group)
	}
	verb, rest := words[1], args
	name := group + " " + verb
	type command func(name string, args []string) error
	commands := map[string]command{
		"user add":        c.userAdd,
		"user rm":         c.userRm,
		"user list":       c.userList,
		"user info":       c.userInfo,
		"user disable":    c.userDisable,
		"user enable":     c.userEnable,
		"user revoke":     c.userRevoke,
		"policy add":      c.policyAdd,
		"policy rm":       c.policyRm,
		"policy list":     c.policyList,
		"policy show":     c.policyShow,
		"policy attach":   c.policyAttach,
		"policy detach":   c.policyDetach,
		"policy simulate": c.policySimulate,
		"svcacct add":     c.svcacctAdd,
		"svcacct list":    c.svcacctList,
		"svcacct info":    c.svcacctInfo,
		"svcacct edit":    c.svcacctEdit,
		"svcacct rm":      c.svcacctRm,
	}
	cmd, ok := commands[name]
	if !ok {
		return usagef("unknown command %q; run s3admin -h for the list of commands", name)
	}
	return cmd(name, rest)
}

// readFile reads a file named on the command line.
func readFile(what, path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("cannot read the %s file: %v", what, err)
	}
	return b, nil
}
