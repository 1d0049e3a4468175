package server

import (
	"fmt"
	"io"
	"net/http"
	"net/textproto"
	"strconv"
	"strings"
	"time"

	"github.com/s3auth/s3auth/internal/fsobj"
	"github.com/s3auth/s3auth/internal/s3api"
)

// storedHeaders are the request headers kept with an object and sent back
// on GET and HEAD.
var storedHeaders = []string{"Cache-Control", "Content-Disposition", "Content-Encoding", "Content-Language", "Expires"}

// maxUserMetadata is S3's limit on x-amz-meta-* names plus values, in bytes.
const maxUserMetadata = 2 << 10

// metadataFrom reads the object metadata of a PutObject, CopyObject
// (REPLACE) or CreateMultipartUpload request.
func metadataFrom(h http.Header) (fsobj.Metadata, error) {
	m := fsobj.Metadata{ContentType: h.Get("Content-Type")}
	size := 0
	for k, vs := range h {
		lk := strings.ToLower(k)
		name, ok := strings.CutPrefix(lk, "x-amz-meta-")
		if !ok {
			continue
		}
		if m.User == nil {
			m.User = map[string]string{}
		}
		v := strings.Join(vs, ",")
		m.User[name] = v
		size += len(name) + len(v)
	}
	if size > maxUserMetadata {
		return m, s3api.Errorf(s3api.CodeMetadataTooLarge, "Your metadata headers exceed the maximum allowed metadata size: %d bytes of x-amz-meta-* names and values, the limit is %d.", size, maxUserMetadata)
	}
	for _, k := range storedHeaders {
		if v := h.Get(k); v != "" {
			if k == "Content-Encoding" {
				v = stripAWSChunked(v)
				if v == "" {
					continue
				}
			}
			if m.Headers == nil {
				m.Headers = map[string]string{}
			}
			m.Headers[k] = v
		}
	}
	if h.Get("x-amz-tagging") != "" {
		return m, notImplemented("Object tagging (x-amz-tagging)")
	}
	if h.Get("x-amz-object-lock-mode") != "" || h.Get("x-amz-object-lock-legal-hold") != "" {
		return m, notImplemented("Object lock")
	}
	if v := h.Get("x-amz-server-side-encryption-customer-algorithm"); v != "" {
		return m, notImplemented("Server-side encryption with customer keys")
	}
	return m, nil
}

// stripAWSChunked removes the aws-chunked transfer coding from a
// Content-Encoding value.
func stripAWSChunked(v string) string {
	var keep []string
	for p := range strings.SplitSeq(v, ",") {
		p = strings.TrimSpace(p)
		if p != "" && !strings.EqualFold(p, "aws-chunked") {
			keep = append(keep, p)
		}
	}
	return strings.Join(keep, ",")
}

// checksumsFrom reads x-amz-checksum-* values to verify and the algorithms
// to compute (a trailing checksum or x-amz-sdk-checksum-algorithm).
func checksumsFrom(h http.Header) (map[string]string, []string, error) {
	var want map[string]string
	var compute []string
	for _, alg := range fsobj.ChecksumAlgorithms {
		hdr := "x-amz-checksum-" + strings.ToLower(alg)
		if v := h.Get(hdr); v != "" {
			if want == nil {
				want = map[string]string{}
			}
			want[alg] = v
		}
	}
	for t := range strings.SplitSeq(h.Get("x-amz-trailer"), ",") {
		t = strings.ToLower(strings.TrimSpace(t))
		if alg, ok := strings.CutPrefix(t, "x-amz-checksum-"); ok {
			if fsobj.NewChecksum(alg) == nil {
				return nil, nil, s3api.Errorf(s3api.CodeInvalidArgument, "Unsupported trailing checksum %q.", t)
			}
			compute = append(compute, strings.ToUpper(alg))
		}
	}
	if alg := h.Get("x-amz-sdk-checksum-algorithm"); alg != "" {
		if fsobj.NewChecksum(alg) == nil {
			return nil, nil, s3api.Errorf(s3api.CodeInvalidArgument, "Unsupported checksum algorithm %q.", alg)
		}
		compute = append(compute, strings.ToUpper(alg))
	}
	return want, compute, nil
}

func (s *Server) posixOwner(rq *request) *fsobj.POSIXOwner {
	if rq.p.POSIX == nil {
		return nil
	}
	return &fsobj.POSIXOwner{UID: rq.p.POSIX.UID, GID: rq.p.POSIX.GID}
}

// checkLength enforces S3's Content-Length requirement on uploads.
func checkLength(r *http.Request) error {
	if r.ContentLength >= 0 || r.Header.Get("x-amz-decoded-content-length") != "" {
		return nil
	}
	return s3api.Errorf(s3api.CodeMissingContentLength, "You must provide the Content-Length HTTP header.")
}

func setChecksumHeaders(h http.Header, sums map[string]string) {
	for alg, v := range sums {
		h.Set("x-amz-checksum-"+strings.ToLower(alg), v)
	}
}

func (s *Server) putObject(rq *request) error {
	r := rq.r
	if err := checkLength(r); err != nil {
		return err
	}
	meta, err := metadataFrom(r.Header)
	if err != nil {
		return err
	}
	in := fsobj.PutInput{Metadata: meta, Owner: s.posixOwner(rq), MaxSize: s.opts.MaxObjectSize,
		IfNoneMatch: r.Header.Get("If-None-Match"), IfMatch: r.Header.Get("If-Match")}
	if in.IfNoneMatch != "" && in.IfNoneMatch != "*" {
		return notImplemented("If-None-Match other than \"*\" on PutObject")
	}
	if h := r.Header.Get("Content-MD5"); h != "" {
		if in.ContentMD5, err = decodeMD5(h); err != nil {
			return err
		}
	}
	if in.Checksums, in.ComputeChecksums, err = checksumsFrom(r.Header); err != nil {
		return err
	}
	info, err := s.be.Put(rq.bucket, rq.key, rq.body, in)
	if err != nil {
		return err
	}
	h := rq.w.Header()
	h.Set("ETag", `"`+info.ETag+`"`)
	setChecksumHeaders(h, info.Checksums)
	rq.w.WriteHeader(http.StatusOK)
	return nil
}

func (s *Server) deleteObject(rq *request) error {
	if err := s.be.Delete(rq.bucket, rq.key); err != nil {
		return err
	}
	rq.w.WriteHeader(http.StatusNoContent)
	return nil
}

// httpTime parses an HTTP date; ok is false when absent or invalid
// (invalid dates are ignored, as HTTP says).
func httpTime(v string) (time.Time, bool) {
	if v == "" {
		return time.Time{}, false
	}
	t, err := http.ParseTime(v)
	return t, err == nil
}

// preconditions evaluates If-Match, If-Unmodified-Since, If-None-Match and
// If-Modified-Since in S3's order. get is true for GET/HEAD (304 instead of
// 412 for the "none" conditions).
func preconditions(h http.Header, prefix string, info fsobj.ObjectInfo, get bool) error {
	mod := info.ModTime.Truncate(time.Second)
	failed := s3api.Errorf(s3api.CodePreconditionFailed, "At least one of the pre-conditions you specified did not hold.")
	if im := h.Get(prefix + "If-Match"); im != "" {
		if !fsobj.ETagMatches(im, info.ETag) {
			return failed
		}
	} else if t, ok := httpTime(h.Get(prefix + "If-Unmodified-Since")); ok && mod.After(t) {
		return failed
	}
	notModified := failed
	if get {
		notModified = &s3api.Error{Code: s3api.CodeNotModified, Message: "Not Modified",
			Header: http.Header{"Etag": {`"` + info.ETag + `"`}, "Last-Modified": {info.ModTime.UTC().Format(http.TimeFormat)}}}
	}
	if inm := h.Get(prefix + "If-None-Match"); inm != "" {
		if fsobj.ETagMatches(inm, info.ETag) {
			return notModified
		}
	} else if t, ok := httpTime(h.Get(prefix + "If-Modified-Since")); ok && !mod.After(t) {
		return notModified
	}
	return nil
}

// byteRange is an inclusive range of a representation.
type byteRange struct{ start, end int64 }

// parseRange interprets a Range header for an object of size bytes. It
// returns nil for no range (absent, malformed, or several ranges: the
// whole object is sent) and InvalidRange for an unsatisfiable one.
func parseRange(h string, size int64) (*byteRange, error) {
	spec, ok := strings.CutPrefix(h, "bytes=")
	if !ok || strings.Contains(spec, ",") {
		return nil, nil
	}
	first, last, ok := strings.Cut(strings.TrimSpace(spec), "-")
	if !ok {
		return nil, nil
	}
	invalid := &s3api.Error{Code: s3api.CodeInvalidRange, Message: "The requested range is not satisfiable",
		Header: http.Header{"Content-Range": {"bytes */" + strconv.FormatInt(size, 10)}},
		Extra:  [][2]string{{"RangeRequested", h}, {"ActualObjectSize", strconv.FormatInt(size, 10)}},
	}
	if first == "" { // suffix: last N bytes
		n, err := strconv.ParseInt(last, 10, 64)
		if err != nil || n < 0 {
			return nil, nil
		}
		if n == 0 || size == 0 {
			return nil, invalid
		}
		n = min(n, size)
		return &byteRange{size - n, size - 1}, nil
	}
	start, err := strconv.ParseInt(first, 10, 64)
	if err != nil || start < 0 {
		return nil, nil
	}
	end := size - 1
	if last != "" {
		e, err := strconv.ParseInt(last, 10, 64)
		if err != nil || e < start {
			return nil, nil
		}
		end = min(e, size-1)
	}
	if start >= size {
		return nil, invalid
	}
	return &byteRange{start, end}, nil
}

// responseOverrides are the GetObject query parameters that replace
// response headers.
var responseOverrides = map[string]string{
	"response-content-type":        "Content-Type",
	"response-content-language":    "Content-Language",
	"response-expires":             "Expires",
	"response-cache-control":       "Cache-Control",
	"response-content-disposition": "Content-Disposition",
	"response-content-encoding":    "Content-Encoding",
}

func setObjectHeaders(h http.Header, info fsobj.ObjectInfo) {
	ct := info.ContentType
	if ct == "" {
		ct = "binary/octet-stream"
	}
	h.Set("Content-Type", ct)
	h.Set("ETag", `"`+info.ETag+`"`)
	h.Set("Last-Modified", info.ModTime.UTC().Format(http.TimeFormat))
	h.Set("Accept-Ranges", "bytes")
	for k, v := range info.Headers {
		h.Set(k, v)
	}
	for k, v := range info.User {
		h[textproto.CanonicalMIMEHeaderKey("x-amz-meta-"+k)] = []string{v}
	}
}

func (s *Server) getObject(rq *request) error {
	obj, err := s.be.Open(rq.bucket, rq.key)
	if err != nil {
		return err
	}
	defer obj.Close()
	r := rq.r
	if err := preconditions(r.Header, "", obj.ObjectInfo, true); err != nil {
		return err
	}
	rng, err := parseRange(r.Header.Get("Range"), obj.Size)
	if err != nil {
		return err
	}
	h := rq.w.Header()
	setObjectHeaders(h, obj.ObjectInfo)
	for q, hdr := range responseOverrides {
		if v := rq.q.Get(q); v != "" {
			h.Set(hdr, v)
		}
	}
	start, n, status := int64(0), obj.Size, http.StatusOK
	if rng != nil {
		start, n, status = rng.start, rng.end-rng.start+1, http.StatusPartialContent
		h.Set("Content-Range", fmt.Sprintf("bytes %d-%d/%d", rng.start, rng.end, obj.Size))
	} else if strings.EqualFold(r.Header.Get("x-amz-checksum-mode"), "ENABLED") {
		setChecksumHeaders(h, obj.Checksums)
	}
	h.Set("Content-Length", strconv.FormatInt(n, 10))
	rq.w.WriteHeader(status)
	if r.Method == http.MethodHead {
		return nil
	}
	buf, _ := s.bufs.Get().(*[]byte)
	if buf == nil {
		b := make([]byte, 64<<10)
		buf = &b
	}
	defer s.bufs.Put(buf)
	if _, err := io.CopyBuffer(rq.w, io.NewSectionReader(obj.File, start, n), *buf); err != nil {
		s.log.Info("server: GetObject body not fully sent", "request_id", rq.id, "err", err)
	}
	return nil
}

func (s *Server) copyObject(rq *request) error {
	r := rq.r
	src, err := s.be.Open(rq.op.SourceBucket, rq.op.SourceKey)
	if err != nil {
		return err
	}
	defer src.Close()
	if err := preconditions(r.Header, "x-amz-copy-source-", src.ObjectInfo, false); err != nil {
		return err
	}
	in := fsobj.PutInput{Owner: s.posixOwner(rq), MaxSize: s.opts.MaxObjectSize}
	switch d := strings.ToUpper(r.Header.Get("x-amz-metadata-directive")); d {
	case "", "COPY":
		if rq.op.SourceBucket == rq.bucket && rq.op.SourceKey == rq.key {
			return s3api.Errorf(s3api.CodeInvalidRequest, "This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata, storage class, website redirect location or encryption attributes.")
		}
		in.Metadata = src.Metadata
	case "REPLACE":
		if in.Metadata, err = metadataFrom(r.Header); err != nil {
			return err
		}
	default:
		return s3api.Errorf(s3api.CodeInvalidArgument, "Unknown metadata directive %q: use COPY or REPLACE.", d)
	}
	for alg := range src.Checksums {
		in.ComputeChecksums = append(in.ComputeChecksums, alg)
	}
	if alg := r.Header.Get("x-amz-checksum-algorithm"); alg != "" {
		in.ComputeChecksums = append(in.ComputeChecksums, alg)
	}
	info, err := s.be.Put(rq.bucket, rq.key, io.NewSectionReader(src.File, 0, src.Size), in)
	if err != nil {
		return err
	}
	return s3api.WriteXML(rq.w, 0, s3api.CopyObjectResult{Xmlns: s3api.Namespace,
		LastModified: s3api.Time(info.ModTime), ETag: `"` + info.ETag + `"`})
}
