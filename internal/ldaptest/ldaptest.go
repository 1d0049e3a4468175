// Package ldaptest starts a real OpenLDAP slapd on loopback ports for tests,
// seeded with people and groups, listening for plain LDAP (with StartTLS) and
// LDAPS with a certificate from a CA generated in the test.
//
// # Directory layout
//
//	dc=example,dc=org
//	  cn=admin        root DN (password [AdminPassword]); may write anything
//	  cn=lookup       the lookup bind account ([LookupDN], [LookupPassword]); may read
//	  ou=people       users: uid=NAME (posixAccount + inetOrgPerson)
//	  ou=groups       groups: cn=NAME (groupOfNames, member = user DNs)
//
// Anonymous clients may only bind; bound clients may read everything except
// userPassword.
//
// # Running
//
// [Start] calls testenv.LookPath(t, "slapd"): under a plain `go test` the test
// skips when slapd is missing and says how to run it; under `make test`
// (S3AUTH_INTEGRATION=1) a missing slapd fails the test. Debian package:
// slapd (and ldap-utils).
//
// # Not supported
//
// Replication, SASL binds, cn=config, and anything but the mdb backend. The
// helper is promised to no one outside this module.
package ldaptest

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/go-ldap/ldap/v3"

	"github.com/s3auth/s3auth/internal/testenv"
)

// Fixed names of the seeded directory.
const (
	BaseDN         = "dc=example,dc=org"
	PeopleDN       = "ou=people," + BaseDN
	GroupsDN       = "ou=groups," + BaseDN
	AdminDN        = "cn=admin," + BaseDN
	AdminPassword  = "admin-secret"
	LookupDN       = "cn=lookup," + BaseDN
	LookupPassword = "lookup-secret"
)

// User is a person entry under [PeopleDN].
type User struct {
	UID      string // uid attribute and RDN value
	Password string
	// UIDNumber and GIDNumber are the POSIX ids. When both are zero the
	// entry is an inetOrgPerson without posixAccount (no POSIX ids).
	UIDNumber, GIDNumber uint32
}

// Group is a groupOfNames under [GroupsDN]; Members are user uids.
type Group struct {
	CN      string
	Members []string
}

// Options configures [Start]. The zero value seeds [DefaultUsers] and
// [DefaultGroups] and makes a certificate for localhost and 127.0.0.1.
type Options struct {
	// Users and Groups replace the default seed when non-nil.
	Users  []User
	Groups []Group
	// CertHosts are the DNS names and IP addresses in the server
	// certificate. Empty means "localhost" and "127.0.0.1".
	CertHosts []string
}

// DefaultUsers is the default seed. carol has no POSIX attributes.
func DefaultUsers() []User {
	return []User{
		{UID: "alice", Password: "alice-secret", UIDNumber: 1001, GIDNumber: 1001},
		{UID: "bob", Password: "bob-secret", UIDNumber: 1002, GIDNumber: 1002},
		{UID: "carol", Password: "carol-secret"},
	}
}

// DefaultGroups is the default seed: alice is in readers and writers, bob in
// readers.
func DefaultGroups() []Group {
	return []Group{
		{CN: "readers", Members: []string{"alice", "bob"}},
		{CN: "writers", Members: []string{"alice"}},
	}
}

// UserDN returns the DN of the user with the given uid.
func UserDN(uid string) string { return "uid=" + ldap.EscapeDN(uid) + "," + PeopleDN }

// GroupDN returns the DN of the group with the given cn.
func GroupDN(cn string) string { return "cn=" + ldap.EscapeDN(cn) + "," + GroupsDN }

// Server is a running (or stopped) slapd. Its methods are safe for
// concurrent use.
type Server struct {
	t        testing.TB
	slapd    string
	dir      string
	port     int
	tlsPort  int
	caPool   *x509.CertPool
	mu       sync.Mutex
	cmd      *exec.Cmd
	waitDone chan struct{}
}

// Start starts slapd, seeds it and registers a cleanup that kills it.
func Start(t testing.TB, opts Options) *Server {
	t.Helper()
	slapd := testenv.LookPath(t, "slapd")
	s := &Server{t: t, slapd: slapd, dir: t.TempDir()}
	if err := s.writeConfig(opts); err != nil {
		t.Fatalf("ldaptest: %v", err)
	}
	t.Cleanup(s.Stop)
	var err error
	for attempt := 0; attempt < 5; attempt++ {
		if s.port, err = freePort(); err != nil {
			break
		}
		if s.tlsPort, err = freePort(); err != nil {
			break
		}
		if err = s.start(); err == nil {
			break
		}
	}
	if err != nil {
		t.Fatalf("ldaptest: starting slapd: %v", err)
	}
	if err := s.seed(opts); err != nil {
		t.Fatalf("ldaptest: seeding: %v", err)
	}
	return s
}

// URL is the plain LDAP URL (StartTLS is available on it).
func (s *Server) URL() string { return "ldap://127.0.0.1:" + strconv.Itoa(s.port) }

// LDAPSURL is the LDAP-over-TLS URL.
func (s *Server) LDAPSURL() string { return "ldaps://127.0.0.1:" + strconv.Itoa(s.tlsPort) }

// CAPool returns a pool holding the CA that signed the server certificate.
func (s *Server) CAPool() *x509.CertPool { return s.caPool }

// Stop stops slapd (SIGTERM, then SIGKILL) and waits for it. The data stay;
// [Server.Start] runs it again on the same ports.
func (s *Server) Stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd == nil {
		return
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.waitDone:
	case <-time.After(5 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.waitDone
	}
	s.cmd = nil
}

// Start runs a stopped server again on the same ports with the same data.
func (s *Server) Start() {
	s.t.Helper()
	var err error
	for attempt := 0; attempt < 20; attempt++ { // the port may linger briefly
		if err = s.start(); err == nil {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	s.t.Fatalf("ldaptest: restarting slapd: %v", err)
}

func (s *Server) start() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd != nil {
		return nil
	}
	logf, err := os.Create(filepath.Join(s.dir, "slapd.log"))
	if err != nil {
		return err
	}
	defer logf.Close()
	urls := fmt.Sprintf("%s/ %s/", s.URL(), s.LDAPSURL())
	cmd := exec.Command(s.slapd, "-f", filepath.Join(s.dir, "slapd.conf"), "-h", urls, "-d", "0")
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return err
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	deadline := time.Now().Add(15 * time.Second)
	for {
		if c, err := net.DialTimeout("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(s.port)), time.Second); err == nil {
			c.Close()
			if c2, err := net.DialTimeout("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(s.tlsPort)), time.Second); err == nil {
				c2.Close()
				s.cmd, s.waitDone = cmd, done
				return nil
			}
		}
		select {
		case <-done:
			log, _ := os.ReadFile(filepath.Join(s.dir, "slapd.log"))
			return fmt.Errorf("slapd exited during start-up; log:\n%s", log)
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			_ = cmd.Process.Kill()
			<-done
			log, _ := os.ReadFile(filepath.Join(s.dir, "slapd.log"))
			return fmt.Errorf("slapd did not listen within 15s; log:\n%s", log)
		}
	}
}

// Admin returns a connection bound as [AdminDN]; the caller closes it.
func (s *Server) Admin() (*ldap.Conn, error) {
	c, err := ldap.DialURL(s.URL(), ldap.DialWithDialer(&net.Dialer{Timeout: 5 * time.Second}))
	if err != nil {
		return nil, err
	}
	c.SetTimeout(10 * time.Second)
	if err := c.Bind(AdminDN, AdminPassword); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

func (s *Server) admin(f func(*ldap.Conn) error) {
	s.t.Helper()
	c, err := s.Admin()
	if err != nil {
		s.t.Fatalf("ldaptest: admin bind: %v", err)
	}
	defer c.Close()
	if err := f(c); err != nil {
		s.t.Fatalf("ldaptest: %v", err)
	}
}

// AddUser adds a person entry.
func (s *Server) AddUser(u User) {
	s.t.Helper()
	s.admin(func(c *ldap.Conn) error { return c.Add(userAdd(u)) })
}

// AddEntry adds an arbitrary entry as the admin.
func (s *Server) AddEntry(req *ldap.AddRequest) {
	s.t.Helper()
	s.admin(func(c *ldap.Conn) error { return c.Add(req) })
}

// Delete removes the entry with the given DN.
func (s *Server) Delete(dn string) {
	s.t.Helper()
	s.admin(func(c *ldap.Conn) error { return c.Del(ldap.NewDelRequest(dn, nil)) })
}

// AddMember adds the user uid to the group cn.
func (s *Server) AddMember(cn, uid string) {
	s.t.Helper()
	s.admin(func(c *ldap.Conn) error {
		m := ldap.NewModifyRequest(GroupDN(cn), nil)
		m.Add("member", []string{UserDN(uid)})
		return c.Modify(m)
	})
}

// RemoveMember removes the user uid from the group cn.
func (s *Server) RemoveMember(cn, uid string) {
	s.t.Helper()
	s.admin(func(c *ldap.Conn) error {
		m := ldap.NewModifyRequest(GroupDN(cn), nil)
		m.Delete("member", []string{UserDN(uid)})
		return c.Modify(m)
	})
}

func userAdd(u User) *ldap.AddRequest {
	a := ldap.NewAddRequest(UserDN(u.UID), nil)
	classes := []string{"inetOrgPerson"}
	if u.UIDNumber != 0 || u.GIDNumber != 0 {
		classes = append(classes, "posixAccount")
		a.Attribute("uidNumber", []string{strconv.FormatUint(uint64(u.UIDNumber), 10)})
		a.Attribute("gidNumber", []string{strconv.FormatUint(uint64(u.GIDNumber), 10)})
		a.Attribute("homeDirectory", []string{"/home/" + u.UID})
	}
	a.Attribute("objectClass", classes)
	a.Attribute("uid", []string{u.UID})
	a.Attribute("cn", []string{u.UID})
	a.Attribute("sn", []string{u.UID})
	a.Attribute("userPassword", []string{u.Password})
	return a
}

func (s *Server) seed(opts Options) error {
	users, groups := opts.Users, opts.Groups
	if users == nil {
		users = DefaultUsers()
	}
	if groups == nil {
		groups = DefaultGroups()
	}
	c, err := s.Admin()
	if err != nil {
		return err
	}
	defer c.Close()
	reqs := []*ldap.AddRequest{}
	base := ldap.NewAddRequest(BaseDN, nil)
	base.Attribute("objectClass", []string{"dcObject", "organization"})
	base.Attribute("dc", []string{"example"})
	base.Attribute("o", []string{"Example"})
	lookup := ldap.NewAddRequest(LookupDN, nil)
	lookup.Attribute("objectClass", []string{"organizationalRole", "simpleSecurityObject"})
	lookup.Attribute("cn", []string{"lookup"})
	lookup.Attribute("userPassword", []string{LookupPassword})
	reqs = append(reqs, base, lookup, ou("people"), ou("groups"))
	for _, u := range users {
		reqs = append(reqs, userAdd(u))
	}
	for _, g := range groups {
		a := ldap.NewAddRequest(GroupDN(g.CN), nil)
		a.Attribute("objectClass", []string{"groupOfNames"})
		a.Attribute("cn", []string{g.CN})
		members := []string{}
		for _, m := range g.Members {
			members = append(members, UserDN(m))
		}
		if len(members) == 0 { // groupOfNames needs a member
			members = []string{BaseDN}
		}
		a.Attribute("member", members)
		reqs = append(reqs, a)
	}
	for _, r := range reqs {
		if err := c.Add(r); err != nil {
			return fmt.Errorf("adding %s: %w", r.DN, err)
		}
	}
	return nil
}

func ou(name string) *ldap.AddRequest {
	a := ldap.NewAddRequest("ou="+name+","+BaseDN, nil)
	a.Attribute("objectClass", []string{"organizationalUnit"})
	a.Attribute("ou", []string{name})
	return a
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

const confTemplate = `include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/nis.schema
include /etc/ldap/schema/inetorgperson.schema
pidfile {{DIR}}/slapd.pid
argsfile {{DIR}}/slapd.args
modulepath /usr/lib/ldap
moduleload back_mdb
TLSCACertificateFile {{DIR}}/ca.pem
TLSCertificateFile {{DIR}}/server.pem
TLSCertificateKeyFile {{DIR}}/server.key
database mdb
maxsize 67108864
suffix "dc=example,dc=org"
rootdn "cn=admin,dc=example,dc=org"
rootpw admin-secret
directory {{DIR}}/db
index objectClass eq
index uid eq
index member eq
access to attrs=userPassword by anonymous auth by * none
access to * by users read by * none
`

func (s *Server) writeConfig(opts Options) error {
	if err := os.Mkdir(filepath.Join(s.dir, "db"), 0o700); err != nil {
		return err
	}
	hosts := opts.CertHosts
	if len(hosts) == 0 {
		hosts = []string{"localhost", "127.0.0.1"}
	}
	ca, err := NewCA()
	if err != nil {
		return err
	}
	certPEM, keyPEM, err := ca.Issue(hosts...)
	if err != nil {
		return err
	}
	s.caPool = x509.NewCertPool()
	s.caPool.AddCert(ca.Cert)
	conf := bytes.ReplaceAll([]byte(confTemplate), []byte("{{DIR}}"), []byte(s.dir))
	for name, data := range map[string][]byte{
		"slapd.conf": conf, "ca.pem": ca.CertPEM, "server.pem": certPEM, "server.key": keyPEM,
	} {
		if err := os.WriteFile(filepath.Join(s.dir, name), data, 0o600); err != nil {
			return err
		}
	}
	return nil
}

// CA is a certificate authority made in the test.
type CA struct {
	Cert    *x509.Certificate
	CertPEM []byte
	key     *ecdsa.PrivateKey
}

// NewCA makes a fresh self-signed CA valid for a day.
func NewCA() (*CA, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "ldaptest CA"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	return &CA{Cert: cert, CertPEM: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), key: key}, nil
}

// Issue makes a server certificate and PKCS#8 key (both PEM) for the hosts,
// each a DNS name or an IP address.
func (ca *CA) Issue(hosts ...string) (certPEM, keyPEM []byte, err error) {
	if len(hosts) == 0 {
		return nil, nil, errors.New("no hosts")
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	if err != nil {
		return nil, nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: hosts[0]},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	for _, h := range hosts {
		if ip := net.ParseIP(h); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, h)
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.Cert, &key.PublicKey, ca.key)
	if err != nil {
		return nil, nil, err
	}
	kder, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder}), nil
}

// TLSConfig returns a client configuration trusting the server's CA.
func (s *Server) TLSConfig() *tls.Config {
	return &tls.Config{RootCAs: s.caPool, MinVersion: tls.VersionTLS12}
}
