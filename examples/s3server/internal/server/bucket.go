package server

import (
	"bytes"
	"crypto/md5"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/s3auth/s3auth/internal/fsobj"
	"github.com/s3auth/s3auth/internal/s3api"
)

// readBody reads the whole (verified) request body, at most max bytes. It
// fails unless the body ends with a clean io.EOF.
func (s *Server) readBody(rq *request, max int64) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(rq.body, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > max {
		return nil, s3api.Errorf(s3api.CodeMaxMessageLengthExceeded, "Your request was too big: the limit for this request body is %d bytes.", max)
	}
	if h := rq.r.Header.Get("Content-MD5"); h != "" {
		want, err := decodeMD5(h)
		if err != nil {
			return nil, err
		}
		got := md5.Sum(data)
		if !bytes.Equal(want, got[:]) {
			return nil, s3api.Errorf(s3api.CodeBadDigest, "The Content-MD5 you specified did not match what we received.")
		}
	}
	return data, nil
}

// readXML reads and decodes an XML request body into v.
func (s *Server) readXML(rq *request, v any) error {
	data, err := s.readBody(rq, s.opts.MaxXMLBodySize)
	if err != nil {
		return err
	}
	if err := xml.Unmarshal(data, v); err != nil {
		return s3api.Errorf(s3api.CodeMalformedXML, "The XML you provided was not well-formed or did not validate against our published schema: %v.", err)
	}
	return nil
}

func decodeMD5(h string) ([]byte, error) {
	b, err := base64.StdEncoding.DecodeString(h)
	if err != nil || len(b) != md5.Size {
		return nil, s3api.Errorf(s3api.CodeInvalidDigest, "The Content-MD5 you specified is not valid: it must be the base64 of 16 bytes.")
	}
	return b, nil
}

func (s *Server) owner(rq *request) s3api.Owner {
	id := rq.p.ID
	if id == "" {
		id = "anonymous"
	}
	return s3api.Owner{ID: id, DisplayName: id}
}

func (s *Server) listBuckets(rq *request) error {
	bs, err := s.be.ListBuckets()
	if err != nil {
		return err
	}
	res := s3api.ListAllMyBucketsResult{Xmlns: s3api.Namespace, Owner: s.owner(rq), Buckets: []s3api.BucketEntry{}}
	for _, b := range bs {
		res.Buckets = append(res.Buckets, s3api.BucketEntry{Name: b.Name, CreationDate: s3api.Time(b.Created), BucketRegion: s.opts.Region})
	}
	return s3api.WriteXML(rq.w, 0, res)
}

func (s *Server) getBucketLocation(rq *request) error {
	if err := s.be.HeadBucket(rq.bucket); err != nil {
		return err
	}
	loc := s.opts.Region
	if loc == "us-east-1" {
		loc = "" // S3 reports us-east-1 as an empty constraint
	}
	return s3api.WriteXML(rq.w, 0, s3api.LocationConstraint{Xmlns: s3api.Namespace, Value: loc})
}

func (s *Server) getBucketVersioning(rq *request) error {
	if err := s.be.HeadBucket(rq.bucket); err != nil {
		return err
	}
	type versioning struct {
		XMLName xml.Name `xml:"VersioningConfiguration"`
		Xmlns   string   `xml:"xmlns,attr"`
	}
	return s3api.WriteXML(rq.w, 0, versioning{Xmlns: s3api.Namespace})
}

func (s *Server) headBucket(rq *request) error {
	if err := s.be.HeadBucket(rq.bucket); err != nil {
		return err
	}
	rq.w.Header().Set("x-amz-bucket-region", s.opts.Region)
	rq.w.WriteHeader(http.StatusOK)
	return nil
}

func (s *Server) createBucket(rq *request) error {
	data, err := s.readBody(rq, s.opts.MaxXMLBodySize)
	if err != nil {
		return err
	}
	if len(bytes.TrimSpace(data)) > 0 {
		var cfg s3api.CreateBucketConfiguration
		if err := xml.Unmarshal(data, &cfg); err != nil {
			return s3api.Errorf(s3api.CodeMalformedXML, "The XML you provided was not well-formed or did not validate against our published schema: %v.", err)
		}
		if c := cfg.LocationConstraint; c != "" && c != s.opts.Region {
			return s3api.Errorf("IllegalLocationConstraintException",
				"The %q location constraint is incompatible with the region of this server (%s); omit it or use %q.", c, s.opts.Region, s.opts.Region)
		}
	}
	if err := s.be.CreateBucket(rq.bucket); err != nil {
		return err
	}
	rq.w.Header().Set("Location", "/"+rq.bucket)
	rq.w.WriteHeader(http.StatusOK)
	return nil
}

func (s *Server) deleteBucket(rq *request) error {
	if err := s.be.DeleteBucket(rq.bucket); err != nil {
		return err
	}
	rq.w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) getBucketPolicy(rq *request) error {
	doc, err := s.be.BucketPolicy(rq.bucket)
	if err != nil {
		return err
	}
	rq.w.Header().Set("Content-Type", "application/json")
	rq.w.Header().Set("Content-Length", strconv.Itoa(len(doc)))
	rq.w.WriteHeader(http.StatusOK)
	_, _ = rq.w.Write(doc)
	return nil
}

func (s *Server) putBucketPolicy(rq *request) error {
	if err := s.be.HeadBucket(rq.bucket); err != nil {
		return err
	}
	doc, err := s.readBody(rq, fsobj.MaxPolicySize)
	if err != nil {
		var e *s3api.Error
		if errors.As(err, &e) && e.Code == s3api.CodeMaxMessageLengthExceeded {
			return s3api.Errorf(s3api.CodeMalformedPolicy, "Policies must be no more than %d bytes.", fsobj.MaxPolicySize)
		}
		return err
	}
	if v := s.opts.PolicyValidator; v != nil {
		if err := v(rq.bucket, doc); err != nil {
			var c s3api.Coded
			if errors.As(err, &c) {
				return err
			}
			return s3api.Errorf(s3api.CodeMalformedPolicy, "The bucket policy is not valid: %v", err)
		}
	}
	if err := s.be.PutBucketPolicy(rq.bucket, doc); err != nil {
		return err
	}
	rq.w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) deleteBucketPolicy(rq *request) error {
	if err := s.be.DeleteBucketPolicy(rq.bucket); err != nil {
		return err
	}
	rq.w.WriteHeader(http.StatusNoContent)
	return nil
}

// encoder applies encoding-type=url to names in listings.
type encoder bool

func (e encoder) enc(s string) string {
	if !e {
		return s
	}
	return strings.ReplaceAll(url.QueryEscape(s), "%2F", "/")
}

func parseEncoding(q url.Values) (encoder, string, error) {
	switch et := q.Get("encoding-type"); et {
	case "":
		return false, "", nil
	case "url":
		return true, "url", nil
	default:
		return false, "", s3api.Errorf(s3api.CodeInvalidArgument, "Invalid Encoding Method specified in Request: %q (only \"url\" is supported).", et)
	}
}

func parseMax(q url.Values, name string, def int) (int, error) {
	v := q.Get(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return 0, &s3api.Error{Code: s3api.CodeInvalidArgument, Extra: [][2]string{{"ArgumentName", name}, {"ArgumentValue", v}},
			Message: "Provided " + name + " not an integer or within integer range"}
	}
	if n > def {
		n = def
	}
	return n, nil
}

func (s *Server) listObjects(rq *request, v2 bool) error {
	q := rq.q
	enc, et, err := parseEncoding(q)
	if err != nil {
		return err
	}
	maxKeys, err := parseMax(q, "max-keys", 1000)
	if err != nil {
		return err
	}
	in := fsobj.ListInput{Prefix: q.Get("prefix"), Delimiter: q.Get("delimiter"), MaxKeys: maxKeys}
	token := q.Get("continuation-token")
	if v2 {
		in.After = q.Get("start-after")
		if q.Has("continuation-token") {
			raw, err := base64.RawURLEncoding.DecodeString(token)
			if err != nil || token == "" {
				return &s3api.Error{Code: s3api.CodeInvalidArgument, Message: "The continuation token provided is incorrect.",
					Extra: [][2]string{{"ArgumentName", "continuation-token"}}}
			}
			in.After = string(raw)
		}
	} else {
		in.After = q.Get("marker")
	}
	res, err := s.be.List(rq.bucket, in)
	if err != nil {
		return err
	}
	var owner *s3api.Owner
	if !v2 || q.Get("fetch-owner") == "true" {
		o := s.owner(rq)
		owner = &o
	}
	contents := make([]s3api.Object, 0, len(res.Objects))
	for _, o := range res.Objects {
		contents = append(contents, s3api.Object{Key: enc.enc(o.Key), LastModified: s3api.Time(o.ModTime),
			ETag: `"` + o.ETag + `"`, Size: o.Size, StorageClass: "STANDARD", Owner: owner})
	}
	cps := make([]s3api.CommonPrefix, 0, len(res.CommonPrefixes))
	for _, p := range res.CommonPrefixes {
		cps = append(cps, s3api.CommonPrefix{Prefix: enc.enc(p)})
	}
	if v2 {
		out := s3api.ListBucketResultV2{Xmlns: s3api.Namespace, Name: rq.bucket, Prefix: enc.enc(in.Prefix),
			StartAfter: enc.enc(q.Get("start-after")), ContinuationToken: token, KeyCount: len(contents) + len(cps),
			MaxKeys: maxKeys, Delimiter: enc.enc(in.Delimiter), IsTruncated: res.Truncated, EncodingType: et,
			Contents: contents, CommonPrefixes: cps}
		if res.Truncated {
			out.NextContinuationToken = base64.RawURLEncoding.EncodeToString([]byte(res.Last))
		}
		return s3api.WriteXML(rq.w, 0, out)
	}
	out := s3api.ListBucketResult{Xmlns: s3api.Namespace, Name: rq.bucket, Prefix: enc.enc(in.Prefix),
		Marker: enc.enc(in.After), MaxKeys: maxKeys, Delimiter: enc.enc(in.Delimiter), IsTruncated: res.Truncated,
		EncodingType: et, Contents: contents, CommonPrefixes: cps}
	if res.Truncated && in.Delimiter != "" {
		out.NextMarker = enc.enc(res.Last)
	}
	return s3api.WriteXML(rq.w, 0, out)
}

func (s *Server) deleteObjects(rq *request) error {
	if err := s.be.HeadBucket(rq.bucket); err != nil {
		return err
	}
	var d s3api.Delete
	if err := s.readXML(rq, &d); err != nil {
		return err
	}
	if len(d.Objects) == 0 || len(d.Objects) > 1000 {
		return s3api.Errorf(s3api.CodeMalformedXML, "The XML you provided was not well-formed or did not validate against our published schema: between 1 and 1000 Object elements are required, got %d.", len(d.Objects))
	}
	res := s3api.DeleteResult{Xmlns: s3api.Namespace}
	for _, o := range d.Objects {
		op := Operation{Name: "DeleteObject", Bucket: rq.bucket, Key: o.Key}
		err := s.auth.Authorize(rq.r.Context(), rq.p, rq.r, op)
		if err == nil {
			if o.VersionID != "" && o.VersionID != "null" {
				err = s3api.Errorf("NoSuchVersion", "The specified version does not exist (versioning is not supported).")
			} else if o.Key == "" {
				err = s3api.Errorf(s3api.CodeInvalidArgument, "The object key must not be empty.")
			} else {
				err = s.be.Delete(rq.bucket, o.Key)
			}
		}
		if err != nil {
			e := s3api.AsError(err)
			msg := e.Message
			if e.HTTPStatus() >= 500 {
				s.log.Error("server: DeleteObjects entry failed", "request_id", rq.id, "key", o.Key, "err", err)
			}
			res.Errors = append(res.Errors, s3api.DeleteError{Key: o.Key, VersionID: o.VersionID, Code: e.Code, Message: msg})
			continue
		}
		if !d.Quiet {
			res.Deleted = append(res.Deleted, s3api.DeletedObject(o))
		}
	}
	return s3api.WriteXML(rq.w, 0, res)
}

func (s *Server) listUploads(rq *request) error {
	q := rq.q
	enc, _, err := parseEncoding(q)
	if err != nil {
		return err
	}
	maxUploads, err := parseMax(q, "max-uploads", 1000)
	if err != nil {
		return err
	}
	ups, err := s.be.ListUploads(rq.bucket, q.Get("prefix"))
	if err != nil {
		return err
	}
	res := s3api.ListMultipartUploadsResult{Xmlns: s3api.Namespace, Bucket: rq.bucket, Prefix: enc.enc(q.Get("prefix")),
		KeyMarker: q.Get("key-marker"), UploadIDMarker: q.Get("upload-id-marker"), MaxUploads: maxUploads}
	km, um := q.Get("key-marker"), q.Get("upload-id-marker")
	o := s.owner(rq)
	for _, u := range ups {
		if km != "" && (u.Key < km || (u.Key == km && (um == "" || u.ID <= um))) {
			continue
		}
		if len(res.Uploads) == maxUploads {
			res.IsTruncated = true
			break
		}
		res.Uploads = append(res.Uploads, s3api.Upload{Key: enc.enc(u.Key), UploadID: u.ID, Initiator: o, Owner: o,
			StorageClass: "STANDARD", Initiated: s3api.Time(u.Initiated)})
		res.NextKeyMarker, res.NextUploadIDMarker = u.Key, u.ID
	}
	return s3api.WriteXML(rq.w, 0, res)
}
