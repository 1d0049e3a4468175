package server

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"github.com/s3auth/s3auth/internal/fsobj"
	"github.com/s3auth/s3auth/internal/s3api"
)

// AdminPrefix is the path prefix routed to [Options].AdminHandler.
const AdminPrefix = "/s3auth/admin/v1/"

// Options configures a [Server].
type Options struct {
	// Region is the region the server reports and accepts in
	// CreateBucket. Empty means "us-east-1".
	Region string
	// Domain is the base domain of virtual-hosted-style requests
	// ("localhost" makes "b.localhost" address bucket "b"). Empty means
	// path-style only.
	Domain string
	// STSHandler serves STS requests on "/". Nil answers NotImplemented.
	STSHandler http.Handler
	// AdminHandler serves AdminPrefix. Nil answers NotImplemented.
	AdminHandler http.Handler
	// PolicyValidator checks a bucket policy before it is stored; its error
	// is sent (as MalformedPolicy unless it implements s3api.Coded). Nil
	// accepts any JSON object up to 20 KB.
	PolicyValidator func(bucket string, doc []byte) error
	// MaxXMLBodySize limits XML request bodies. 0 means 1 MiB.
	MaxXMLBodySize int64
	// MaxObjectSize limits PutObject and UploadPart bodies. 0 means 5 GiB.
	MaxObjectSize int64
	// Logger receives one line per request (Debug), client errors (Info)
	// and server errors (Error). Nil discards.
	Logger *slog.Logger
}

// Server is an http.Handler serving the S3 API. It is safe for concurrent
// use.
type Server struct {
	be   *fsobj.Backend
	auth Auth
	opts Options
	log  *slog.Logger
	bufs sync.Pool // *[]byte buffers for sending object bodies
}

// New returns a Server storing objects in be and asking auth about every
// request. auth is required: use [AllowAll] explicitly for tests.
func New(be *fsobj.Backend, auth Auth, opts ...func(*Options)) (*Server, error) {
	if be == nil || auth == nil {
		return nil, errors.New("server: a backend and an Auth are required (use server.AllowAll{} only for tests)")
	}
	var o Options
	for _, f := range opts {
		f(&o)
	}
	if o.Region == "" {
		o.Region = "us-east-1"
	}
	if o.MaxXMLBodySize <= 0 {
		o.MaxXMLBodySize = 1 << 20
	}
	if o.MaxObjectSize <= 0 {
		o.MaxObjectSize = 5 << 30
	}
	log := o.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Server{be: be, auth: auth, opts: o, log: log}, nil
}

// recorder remembers the status written.
type recorder struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (w *recorder) WriteHeader(s int) {
	if w.status == 0 {
		w.status = s
	}
	w.ResponseWriter.WriteHeader(s)
}

func (w *recorder) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(p)
	w.bytes += int64(n)
	return n, err
}

func (w *recorder) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// request is the state of one S3 request.
type request struct {
	w      *recorder
	r      *http.Request
	id     string
	bucket string
	key    string
	q      url.Values
	p      Principal
	body   io.ReadCloser
	op     Operation
}

func newRequestID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return strings.ToUpper(hex.EncodeToString(b[:]))
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(hw http.ResponseWriter, r *http.Request) {
	start := time.Now()
	w := &recorder{ResponseWriter: hw}
	rq := &request{w: w, r: r, id: newRequestID()}
	w.Header().Set("x-amz-request-id", rq.id)
	w.Header().Set("Server", "s3auth")
	defer func() {
		if v := recover(); v != nil {
			if v == http.ErrAbortHandler {
				panic(v)
			}
			s.log.Error("server: panic serving request", "request_id", rq.id, "method", r.Method,
				"path", r.URL.Path, "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
			if w.status == 0 {
				s3api.WriteError(w, r, errors.New("panic"), r.URL.Path, rq.id)
			}
		}
		s.log.Debug("request", "request_id", rq.id, "method", r.Method, "path", r.URL.Path,
			"op", rq.op.Name, "principal", rq.p.ID, "status", w.status, "bytes", w.bytes,
			"duration", time.Since(start))
	}()
	s.serve(rq)
}

func (s *Server) fail(rq *request, err error) {
	e := s3api.WriteError(rq.w, rq.r, err, rq.r.URL.Path, rq.id)
	status := e.HTTPStatus()
	switch {
	case status >= 500:
		s.log.Error("server: request failed", "request_id", rq.id, "op", rq.op.Name, "code", e.Code, "err", err)
	default:
		s.log.Info("server: request refused", "request_id", rq.id, "op", rq.op.Name, "code", e.Code, "msg", e.Message)
	}
}

func (s *Server) serve(rq *request) {
	r := rq.r
	rq.bucket, rq.key = s3api.Locate(r, s.opts.Domain)
	if rq.bucket == "s3auth" && strings.HasPrefix(r.URL.Path, AdminPrefix) {
		if s.opts.AdminHandler == nil {
			s.fail(rq, s3api.Errorf(s3api.CodeNotImplemented, "The admin API is not enabled on this server."))
			return
		}
		s.opts.AdminHandler.ServeHTTP(rq.w, r)
		return
	}
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		s.fail(rq, s3api.Errorf(s3api.CodeInvalidArgument, "The query string is malformed: %v.", err))
		return
	}
	rq.q = q
	if rq.bucket == "" && (r.Method == http.MethodPost || q.Has("Action")) {
		if s.opts.STSHandler == nil {
			s.fail(rq, s3api.Errorf(s3api.CodeNotImplemented, "STS is not enabled on this server."))
			return
		}
		s.opts.STSHandler.ServeHTTP(rq.w, r)
		return
	}
	op, err := classify(r.Method, rq.bucket, rq.key, q, r.Header)
	rq.op = op
	p, body, aerr := s.auth.Authenticate(r)
	if aerr != nil {
		s.fail(rq, aerr)
		return
	}
	rq.p = p
	if body == nil {
		body = r.Body
	}
	if body == nil {
		body = http.NoBody
	}
	rq.body = body
	if err != nil {
		s.fail(rq, err)
		return
	}
	if rq.bucket != "" {
		if err := s3api.ValidateBucketName(rq.bucket); err != nil {
			s.fail(rq, err)
			return
		}
	}
	if err := s.auth.Authorize(r.Context(), p, r, op); err != nil {
		s.fail(rq, err)
		return
	}
	if err := s.dispatch(rq); err != nil {
		s.fail(rq, err)
	}
}

// subresources are the query parameters that name a bucket or object
// sub-resource this server does not implement.
var subresources = []string{
	"accelerate", "acl", "analytics", "attributes", "cors", "encryption", "intelligent-tiering",
	"inventory", "legal-hold", "lifecycle", "logging", "metadataConfiguration", "metadataTable",
	"metrics", "notification", "object-lock", "ownershipControls", "policyStatus",
	"publicAccessBlock", "renameObject", "replication", "requestPayment", "restore", "retention",
	"select", "session", "tagging", "torrent", "versions", "website",
}

func notImplemented(what string) error {
	return s3api.Errorf(s3api.CodeNotImplemented, "%s is not implemented by this server.", what)
}

func methodNotAllowed(method, what string) error {
	return s3api.Errorf(s3api.CodeMethodNotAllowed, "The specified method %s is not allowed against this resource (%s).", method, what)
}

// classify names the operation of a request.
func classify(method, bucket, key string, q url.Values, h http.Header) (Operation, error) {
	op := Operation{Bucket: bucket, Key: key}
	for _, sr := range subresources {
		if q.Has(sr) {
			return op, notImplemented("The " + sr + " sub-resource")
		}
	}
	name := func(n string) (Operation, error) { op.Name = n; return op, nil }
	switch {
	case bucket == "":
		if method == http.MethodGet {
			return name("ListBuckets")
		}
		return op, methodNotAllowed(method, "the service")
	case key == "":
		switch method {
		case http.MethodGet:
			switch {
			case q.Has("location"):
				return name("GetBucketLocation")
			case q.Has("policy"):
				return name("GetBucketPolicy")
			case q.Has("uploads"):
				return name("ListMultipartUploads")
			case q.Has("versioning"):
				return name("GetBucketVersioning")
			case q.Get("list-type") == "2":
				return name("ListObjectsV2")
			}
			return name("ListObjects")
		case http.MethodHead:
			return name("HeadBucket")
		case http.MethodPut:
			switch {
			case q.Has("policy"):
				return name("PutBucketPolicy")
			case q.Has("versioning"):
				return op, notImplemented("PutBucketVersioning")
			}
			return name("CreateBucket")
		case http.MethodDelete:
			if q.Has("policy") {
				return name("DeleteBucketPolicy")
			}
			return name("DeleteBucket")
		case http.MethodPost:
			if q.Has("delete") {
				return name("DeleteObjects")
			}
			return op, notImplemented("POST object (browser form upload)")
		}
		return op, methodNotAllowed(method, "a bucket")
	}
	switch method {
	case http.MethodGet:
		if q.Has("uploadId") {
			return name("ListParts")
		}
		return name("GetObject")
	case http.MethodHead:
		return name("HeadObject")
	case http.MethodPut:
		src := h.Get("x-amz-copy-source")
		if src != "" {
			sb, sk, err := parseCopySource(src)
			if err != nil {
				return op, err
			}
			op.SourceBucket, op.SourceKey = sb, sk
		}
		switch {
		case q.Has("uploadId") && src != "":
			return name("UploadPartCopy")
		case q.Has("uploadId"):
			return name("UploadPart")
		case src != "":
			return name("CopyObject")
		}
		return name("PutObject")
	case http.MethodDelete:
		if q.Has("uploadId") {
			return name("AbortMultipartUpload")
		}
		return name("DeleteObject")
	case http.MethodPost:
		switch {
		case q.Has("uploads"):
			return name("CreateMultipartUpload")
		case q.Has("uploadId"):
			return name("CompleteMultipartUpload")
		}
		return op, methodNotAllowed(method, "an object")
	}
	return op, methodNotAllowed(method, "an object")
}

// parseCopySource splits x-amz-copy-source ("[/]bucket/key[?versionId=v]",
// key URL-encoded).
func parseCopySource(src string) (bucket, key string, err error) {
	bad := s3api.Errorf(s3api.CodeInvalidArgument, "Invalid copy source %q: it must be \"bucket/key\", URL-encoded.", src)
	path, query, _ := strings.Cut(src, "?")
	if query != "" {
		v, err := url.ParseQuery(query)
		if err != nil {
			return "", "", bad
		}
		if id := v.Get("versionId"); id != "" && id != "null" {
			return "", "", s3api.Errorf("NoSuchVersion", "The specified version %q does not exist (versioning is not supported).", id)
		}
	}
	path, err = url.PathUnescape(path)
	if err != nil {
		return "", "", bad
	}
	path = strings.TrimPrefix(path, "/")
	bucket, key, ok := strings.Cut(path, "/")
	if !ok || bucket == "" || key == "" {
		return "", "", bad
	}
	return bucket, key, nil
}

func (s *Server) dispatch(rq *request) error {
	if id := rq.q.Get("versionId"); id != "" && id != "null" {
		return &s3api.Error{Code: "NoSuchVersion", Status: http.StatusNotFound,
			Message: fmt.Sprintf("The specified version %q does not exist (versioning is not supported).", id)}
	}
	switch rq.op.Name {
	case "ListBuckets":
		return s.listBuckets(rq)
	case "GetBucketLocation":
		return s.getBucketLocation(rq)
	case "GetBucketVersioning":
		return s.getBucketVersioning(rq)
	case "GetBucketPolicy":
		return s.getBucketPolicy(rq)
	case "PutBucketPolicy":
		return s.putBucketPolicy(rq)
	case "DeleteBucketPolicy":
		return s.deleteBucketPolicy(rq)
	case "ListMultipartUploads":
		return s.listUploads(rq)
	case "ListObjects":
		return s.listObjects(rq, false)
	case "ListObjectsV2":
		return s.listObjects(rq, true)
	case "HeadBucket":
		return s.headBucket(rq)
	case "CreateBucket":
		return s.createBucket(rq)
	case "DeleteBucket":
		return s.deleteBucket(rq)
	case "DeleteObjects":
		return s.deleteObjects(rq)
	case "GetObject", "HeadObject":
		return s.getObject(rq)
	case "PutObject":
		return s.putObject(rq)
	case "CopyObject":
		return s.copyObject(rq)
	case "DeleteObject":
		return s.deleteObject(rq)
	case "CreateMultipartUpload":
		return s.createUpload(rq)
	case "UploadPart", "UploadPartCopy":
		return s.uploadPart(rq)
	case "CompleteMultipartUpload":
		return s.completeUpload(rq)
	case "AbortMultipartUpload":
		return s.abortUpload(rq)
	case "ListParts":
		return s.listParts(rq)
	}
	return notImplemented(rq.op.Name)
}
