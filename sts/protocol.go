package sts

import (
	"crypto/rand"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// APIVersion is the only STS API version served.
const APIVersion = "2011-06-15"

// Namespace is the XML namespace of STS responses.
const Namespace = "https://sts.amazonaws.com/doc/2011-06-15/"

// Actions served.
const (
	ActionAssumeRole                 = "AssumeRole"
	ActionAssumeRoleWithLDAPIdentity = "AssumeRoleWithLDAPIdentity"
	ActionGetCallerIdentity          = "GetCallerIdentity"
)

// Duration bounds of AssumeRole (seconds).
const (
	MinDuration     = 900
	MaxDuration     = 43200
	DefaultDuration = 3600
)

// MaxFormSize bounds the body of an STS request.
const MaxFormSize = 64 << 10

// Error is an STS error as the Query protocol reports it. Match it with
// errors.As.
type Error struct {
	Code       string // e.g. "ValidationError"
	Message    string
	StatusCode int
	// Sender is true for the caller's mistakes, false for the server's.
	Sender bool
}

// Error returns "sts: Code: Message".
func (e *Error) Error() string { return "sts: " + e.Code + ": " + e.Message }

// STS error codes.
const (
	CodeValidationError         = "ValidationError"
	CodeMissingParameter        = "MissingParameter"
	CodeInvalidParameterValue   = "InvalidParameterValue"
	CodeInvalidAction           = "InvalidAction"
	CodeMissingAction           = "MissingAction"
	CodeMalformedPolicyDocument = "MalformedPolicyDocument"
	CodePackedPolicyTooLarge    = "PackedPolicyTooLarge"
	CodeAccessDenied            = "AccessDenied"
	CodeInvalidClientTokenID    = "InvalidClientTokenId"
	CodeSignatureDoesNotMatch   = "SignatureDoesNotMatch"
	CodeExpiredToken            = "ExpiredToken"
	CodeInvalidToken            = "InvalidToken"
	CodeMissingAuthToken        = "MissingAuthenticationToken"
	CodeIncompleteSignature     = "IncompleteSignature"
	CodeRequestExpired          = "RequestExpired"
	CodeThrottling              = "Throttling"
	CodeInternalFailure         = "InternalFailure"
	CodeServiceUnavailable      = "ServiceUnavailable"
)

var codeStatus = map[string]int{
	CodeValidationError:         400,
	CodeMissingParameter:        400,
	CodeInvalidParameterValue:   400,
	CodeInvalidAction:           400,
	CodeMissingAction:           400,
	CodeMalformedPolicyDocument: 400,
	CodePackedPolicyTooLarge:    400,
	CodeAccessDenied:            403,
	CodeInvalidClientTokenID:    403,
	CodeSignatureDoesNotMatch:   403,
	CodeExpiredToken:            400,
	CodeInvalidToken:            400,
	CodeMissingAuthToken:        403,
	CodeIncompleteSignature:     400,
	CodeRequestExpired:          400,
	CodeThrottling:              400,
	CodeInternalFailure:         500,
	CodeServiceUnavailable:      503,
}

// Errorf returns an *Error with the status of code.
func Errorf(code, format string, args ...any) *Error {
	st, ok := codeStatus[code]
	if !ok {
		st = 400
	}
	return &Error{Code: code, Message: fmt.Sprintf(format, args...), StatusCode: st, Sender: st < 500}
}

// AssumeRoleInput is a validated AssumeRole request.
type AssumeRoleInput struct {
	RoleARN         string
	RoleSessionName string
	// Duration is DurationSeconds, DefaultDuration when absent.
	Duration time.Duration
	// Policy is the session policy document as sent, or nil.
	Policy []byte
}

// LDAPIdentityInput is a validated AssumeRoleWithLDAPIdentity request.
type LDAPIdentityInput struct {
	Username string
	Password string
	Duration time.Duration
	Policy   []byte
}

// Credentials are temporary credentials as returned to the caller.
type Credentials struct {
	AccessKeyID     string
	SecretAccessKey string
	SessionToken    string
	Expiration      time.Time
}

// AssumeRoleOutput is what AssumeRole and AssumeRoleWithLDAPIdentity return.
type AssumeRoleOutput struct {
	Credentials   Credentials
	AssumedRoleID string // AssumeRole only: "<parent>:<session name>"
	ARN           string // AssumeRole only
	// PackedPolicySize is the session policy's size as a percentage of the
	// limit (AssumeRole only).
	PackedPolicySize int
}

// CallerIdentity is GetCallerIdentity's result.
type CallerIdentity struct {
	UserID  string
	Account string
	ARN     string
}

var (
	sessionNameRE = regexp.MustCompile(`^[\w+=,.@-]{2,64}$`)
	roleARNRE     = regexp.MustCompile(`^arn:[a-z0-9-]+:(iam|sts)::[0-9A-Za-z]*:[\x21-\x7e]+$`)
)

// parameters each action accepts; any other parameter is refused by name.
var allowedParams = map[string]map[string]bool{
	ActionAssumeRole: {
		"Action": true, "Version": true, "RoleArn": true, "RoleSessionName": true,
		"DurationSeconds": true, "Policy": true,
	},
	ActionAssumeRoleWithLDAPIdentity: {
		"Action": true, "Version": true, "LDAPUsername": true, "LDAPPassword": true,
		"DurationSeconds": true, "Policy": true,
	},
	ActionGetCallerIdentity: {"Action": true, "Version": true},
}

// sigV4 query parameters a presigned STS request may carry.
func isAuthParam(name string) bool { return strings.HasPrefix(name, "X-Amz-") }

// ParseForm reads the action and its parameters from an STS request: the
// form body of a POST (bounded by MaxFormSize) merged with the query string.
// A repeated parameter, an unknown action, a wrong Version or a parameter the
// action does not support is refused by name.
func ParseForm(r *http.Request) (action string, form url.Values, err error) {
	form, err = url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return "", nil, Errorf(CodeInvalidParameterValue, "the query string is malformed: %v", err)
	}
	if form.Has("LDAPPassword") {
		// URLs end up in access logs, proxies and browser histories.
		return "", nil, Errorf(CodeInvalidParameterValue, "LDAPPassword must not be sent in the URL; send it in the POST form body (application/x-www-form-urlencoded)")
	}
	if r.Method == http.MethodPost && r.Body != nil {
		ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
		if ct != "" && ct != "application/x-www-form-urlencoded" {
			return "", nil, Errorf(CodeInvalidParameterValue, "STS requests must be sent as application/x-www-form-urlencoded, not %q", ct)
		}
		body, rerr := io.ReadAll(io.LimitReader(r.Body, MaxFormSize+1))
		if rerr != nil {
			// A verifying body reports its own (S3-coded) error.
			return "", nil, rerr
		}
		if len(body) > MaxFormSize {
			return "", nil, Errorf(CodeValidationError, "the request body is over %d bytes", MaxFormSize)
		}
		bf, perr := url.ParseQuery(string(body))
		if perr != nil {
			return "", nil, Errorf(CodeInvalidParameterValue, "the form body is malformed: %v", perr)
		}
		for k, v := range bf {
			form[k] = append(form[k], v...)
		}
	}
	for k, v := range form {
		if len(v) > 1 {
			return "", nil, Errorf(CodeInvalidParameterValue, "parameter %s is given %d times; give it once", k, len(v))
		}
	}
	action = form.Get("Action")
	if action == "" {
		return "", nil, Errorf(CodeMissingAction, "the Action parameter is missing (AssumeRole, AssumeRoleWithLDAPIdentity or GetCallerIdentity)")
	}
	allowed, ok := allowedParams[action]
	if !ok {
		return "", nil, Errorf(CodeInvalidAction, "action %q is not supported; supported: AssumeRole, AssumeRoleWithLDAPIdentity, GetCallerIdentity", action)
	}
	switch v := form.Get("Version"); v {
	case APIVersion:
	case "":
		return "", nil, Errorf(CodeMissingParameter, "the Version parameter is missing; use %s", APIVersion)
	default:
		return "", nil, Errorf(CodeInvalidParameterValue, "Version %q is not supported; use %s", v, APIVersion)
	}
	for k := range form {
		if !allowed[k] && !isAuthParam(k) {
			return "", nil, Errorf(CodeValidationError, "parameter %s is not supported by %s here; remove it", k, action)
		}
	}
	return action, form, nil
}

func parseDuration(form url.Values, max int) (time.Duration, error) {
	s := form.Get("DurationSeconds")
	if s == "" {
		d := DefaultDuration
		if d > max {
			d = max
		}
		return time.Duration(d) * time.Second, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < MinDuration || n > max {
		return 0, Errorf(CodeValidationError, "1 validation error detected: Value '%s' at 'durationSeconds' failed to satisfy constraint: Member must be between %d and %d", truncate(s, 32), MinDuration, max)
	}
	return time.Duration(n) * time.Second, nil
}

func parsePolicyParam(form url.Values) []byte {
	if p, ok := form["Policy"]; ok && p[0] != "" {
		return []byte(p[0])
	}
	return nil
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}

// ParseAssumeRole validates AssumeRole's parameters. maxDuration (seconds)
// caps DurationSeconds; 0 means MaxDuration.
func ParseAssumeRole(form url.Values, maxDuration int) (*AssumeRoleInput, error) {
	if maxDuration <= 0 || maxDuration > MaxDuration {
		maxDuration = MaxDuration
	}
	in := &AssumeRoleInput{RoleARN: form.Get("RoleArn"), RoleSessionName: form.Get("RoleSessionName")}
	// AWS requires RoleArn; clients of S3-compatible servers often send a
	// placeholder. Accept any well-formed IAM role ARN; it grants nothing.
	if in.RoleARN != "" {
		if len(in.RoleARN) < 20 || len(in.RoleARN) > 2048 || !roleARNRE.MatchString(in.RoleARN) {
			return nil, Errorf(CodeValidationError, "1 validation error detected: Value '%s' at 'roleArn' failed to satisfy constraint: Member must be an ARN of 20 to 2048 characters such as arn:aws:iam::123456789012:role/demo", truncate(in.RoleARN, 64))
		}
	}
	if in.RoleSessionName != "" && !sessionNameRE.MatchString(in.RoleSessionName) {
		return nil, Errorf(CodeValidationError, "1 validation error detected: Value '%s' at 'roleSessionName' failed to satisfy constraint: Member must be 2 to 64 characters of [\\w+=,.@-]", truncate(in.RoleSessionName, 64))
	}
	d, err := parseDuration(form, maxDuration)
	if err != nil {
		return nil, err
	}
	in.Duration = d
	in.Policy = parsePolicyParam(form)
	return in, nil
}

// ParseLDAPIdentity validates AssumeRoleWithLDAPIdentity's parameters.
// maxDuration (seconds) caps DurationSeconds; 0 means MaxDuration.
func ParseLDAPIdentity(form url.Values, maxDuration int) (*LDAPIdentityInput, error) {
	if maxDuration <= 0 {
		maxDuration = MaxDuration
	}
	in := &LDAPIdentityInput{Username: form.Get("LDAPUsername"), Password: form.Get("LDAPPassword")}
	if in.Username == "" {
		return nil, Errorf(CodeMissingParameter, "LDAPUsername is missing")
	}
	if in.Password == "" {
		return nil, Errorf(CodeMissingParameter, "LDAPPassword is missing")
	}
	if len(in.Username) > 2048 || len(in.Password) > 2048 {
		return nil, Errorf(CodeValidationError, "LDAPUsername and LDAPPassword must be at most 2048 characters")
	}
	d, err := parseDuration(form, maxDuration)
	if err != nil {
		return nil, err
	}
	in.Duration = d
	in.Policy = parsePolicyParam(form)
	return in, nil
}

const (
	keyAlphabet    = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0234567" // 32 symbols, no ambiguity with O/1
	secretAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
)

// NewTemporaryKeys returns a fresh temporary access key ("ASIA" and 16
// characters, like AWS's) and a 40-character secret, from crypto/rand.
func NewTemporaryKeys() (accessKey, secretKey string, err error) {
	b := make([]byte, 16+40)
	if _, err := rand.Read(b); err != nil {
		return "", "", fmt.Errorf("sts: generating keys: %w", err)
	}
	ak := make([]byte, 4, 20)
	copy(ak, "ASIA")
	for _, c := range b[:16] {
		ak = append(ak, keyAlphabet[int(c)%len(keyAlphabet)])
	}
	sk := make([]byte, 0, 40)
	for _, c := range b[16:] {
		sk = append(sk, secretAlphabet[int(c)%len(secretAlphabet)])
	}
	return string(ak), string(sk), nil
}

// XML shapes.

type xmlCredentials struct {
	AccessKeyID     string `xml:"AccessKeyId"`
	SecretAccessKey string `xml:"SecretAccessKey"`
	SessionToken    string `xml:"SessionToken"`
	Expiration      string `xml:"Expiration"`
}

type xmlAssumedRoleUser struct {
	AssumedRoleID string `xml:"AssumedRoleId"`
	Arn           string `xml:"Arn"`
}

type xmlMeta struct {
	RequestID string `xml:"RequestId"`
}

type assumeRoleResponse struct {
	XMLName xml.Name `xml:"AssumeRoleResponse"`
	Xmlns   string   `xml:"xmlns,attr"`
	Result  struct {
		Credentials      xmlCredentials     `xml:"Credentials"`
		AssumedRoleUser  xmlAssumedRoleUser `xml:"AssumedRoleUser"`
		PackedPolicySize int                `xml:"PackedPolicySize"`
	} `xml:"AssumeRoleResult"`
	Meta xmlMeta `xml:"ResponseMetadata"`
}

type ldapResponse struct {
	XMLName xml.Name `xml:"AssumeRoleWithLDAPIdentityResponse"`
	Xmlns   string   `xml:"xmlns,attr"`
	Result  struct {
		Credentials xmlCredentials `xml:"Credentials"`
	} `xml:"AssumeRoleWithLDAPIdentityResult"`
	Meta xmlMeta `xml:"ResponseMetadata"`
}

type callerIdentityResponse struct {
	XMLName xml.Name `xml:"GetCallerIdentityResponse"`
	Xmlns   string   `xml:"xmlns,attr"`
	Result  struct {
		UserID  string `xml:"UserId"`
		Account string `xml:"Account"`
		Arn     string `xml:"Arn"`
	} `xml:"GetCallerIdentityResult"`
	Meta xmlMeta `xml:"ResponseMetadata"`
}

type errorResponse struct {
	XMLName xml.Name `xml:"ErrorResponse"`
	Xmlns   string   `xml:"xmlns,attr"`
	Error   struct {
		Type    string `xml:"Type"`
		Code    string `xml:"Code"`
		Message string `xml:"Message"`
	} `xml:"Error"`
	RequestID string `xml:"RequestId"`
}

func toXMLCreds(c Credentials) xmlCredentials {
	return xmlCredentials{
		AccessKeyID:     c.AccessKeyID,
		SecretAccessKey: c.SecretAccessKey,
		SessionToken:    c.SessionToken,
		Expiration:      c.Expiration.UTC().Format("2006-01-02T15:04:05Z"),
	}
}

func writeXML(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "text/xml")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, xml.Header)
	_ = xml.NewEncoder(w).Encode(v)
}

// WriteAssumeRole writes an AssumeRoleResponse.
func WriteAssumeRole(w http.ResponseWriter, out *AssumeRoleOutput, requestID string) {
	var resp assumeRoleResponse
	resp.Xmlns = Namespace
	resp.Result.Credentials = toXMLCreds(out.Credentials)
	resp.Result.AssumedRoleUser = xmlAssumedRoleUser{AssumedRoleID: out.AssumedRoleID, Arn: out.ARN}
	resp.Result.PackedPolicySize = out.PackedPolicySize
	resp.Meta.RequestID = requestID
	writeXML(w, http.StatusOK, &resp)
}

// WriteLDAPIdentity writes an AssumeRoleWithLDAPIdentityResponse.
func WriteLDAPIdentity(w http.ResponseWriter, out *AssumeRoleOutput, requestID string) {
	var resp ldapResponse
	resp.Xmlns = Namespace
	resp.Result.Credentials = toXMLCreds(out.Credentials)
	resp.Meta.RequestID = requestID
	writeXML(w, http.StatusOK, &resp)
}

// WriteCallerIdentity writes a GetCallerIdentityResponse.
func WriteCallerIdentity(w http.ResponseWriter, id *CallerIdentity, requestID string) {
	var resp callerIdentityResponse
	resp.Xmlns = Namespace
	resp.Result.UserID = id.UserID
	resp.Result.Account = id.Account
	resp.Result.Arn = id.ARN
	resp.Meta.RequestID = requestID
	writeXML(w, http.StatusOK, &resp)
}

// WriteError writes err in STS's ErrorResponse shape. An error that is not an
// *Error is written as InternalFailure without its text.
func WriteError(w http.ResponseWriter, err error, requestID string) {
	var e *Error
	if !errors.As(err, &e) {
		e = Errorf(CodeInternalFailure, "an internal error occurred; the server log has the request id %s", requestID)
	}
	var resp errorResponse
	resp.Xmlns = Namespace
	resp.Error.Type = "Sender"
	if !e.Sender {
		resp.Error.Type = "Receiver"
	}
	resp.Error.Code = e.Code
	resp.Error.Message = e.Message
	resp.RequestID = requestID
	writeXML(w, e.StatusCode, &resp)
}
