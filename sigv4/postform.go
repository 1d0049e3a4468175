package sigv4

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"strings"
)

// PostForm is a browser POST upload (multipart/form-data) whose policy and
// signature verified. A host must treat it as read-only, except for
// reading File.
type PostForm struct {
	// Fields holds every form field before the file part, names lower-cased.
	// A repeated field's values are joined with ",". "key" is as sent
	// (with any ${filename} unsubstituted).
	Fields map[string]string
	// Bucket is the bucket the form was checked against: the first path
	// segment of a path-style POST, else the "bucket" form field, else ""
	// (virtual-hosted style: the host knows the bucket and must call
	// [PostForm.AllowsBucket]).
	Bucket string
	// Key is the object key with ${filename} substituted.
	Key string
	// FileName is the file name the browser sent, without any directory.
	FileName string
	// ContentType is the Content-Type form field, or the file part's
	// Content-Type when the form has none.
	ContentType string
	// File is the file content. It fails with EntityTooLarge as soon as
	// more bytes than the policy's content-length-range arrive, and with
	// EntityTooSmall at the end if fewer did; as with [Body], only a clean
	// io.EOF means the upload is acceptable.
	File io.ReadCloser

	policy *postPolicy // nil for an anonymous form
}

// AllowsBucket reports whether the policy's bucket conditions admit
// bucket. A host serving virtual-hosted-style POSTs (Bucket == "") must
// call it with the bucket it will write to; an anonymous form (no policy)
// always returns true, anonymous access being the host's decision.
func (f *PostForm) AllowsBucket(bucket string) bool {
	if f == nil {
		return false
	}
	return f.policy == nil || f.policy.allowsBucket(bucket)
}

// maxPostFields bounds the number of form fields before the file part.
const maxPostFields = 1000

// verifyPostForm authenticates a browser POST upload: it reads the form
// fields up to the file part (bounded by MaxPostFormSize), verifies the
// SigV4 signature over the base64 policy, the policy expiration and every
// condition, and returns the form with a length-checking file reader. A
// form without policy and signature is returned as [AuthAnonymous] for the
// host to decide.
func (v *Verifier) verifyPostForm(r *http.Request) (*Result, error) {
	form, err := readPostForm(r, v.opts.MaxPostFormSize)
	if err != nil {
		return nil, err
	}
	f := form.Fields
	policyB64, hasPolicy := f["policy"]
	_, hasSig := f["x-amz-signature"]
	_, hasCred := f["x-amz-credential"]
	if _, ok := f["awsaccesskeyid"]; ok {
		return nil, newError(ErrCodeInvalidRequest, "POST with Signature Version 2 (AWSAccessKeyId, signature) is not supported. Please use AWS4-HMAC-SHA256.")
	}
	if !hasPolicy && !hasSig && !hasCred {
		if err := finishForm(form, nil); err != nil {
			return nil, err
		}
		return &Result{Type: AuthAnonymous, Form: form}, nil
	}
	for _, name := range []string{"policy", "x-amz-algorithm", "x-amz-credential", "x-amz-date", "x-amz-signature"} {
		if _, ok := f[name]; !ok {
			return nil, newError(ErrCodeMalformedPOSTRequest, "The body of your POST request is not well-formed multipart/form-data: a signed POST needs the %s field", name)
		}
	}
	if f["x-amz-algorithm"] != algorithmV4 {
		return nil, newError(ErrCodeInvalidArgument, "x-amz-algorithm must be AWS4-HMAC-SHA256 (SigV4A and SigV2 are not supported)")
	}
	var a authorization
	if msg := a.parseCredential(f["x-amz-credential"]); msg != "" {
		return nil, newError(ErrCodeInvalidArgument, "x-amz-credential: %s", msg)
	}
	amzDate := f["x-amz-date"]
	signedAt, ok := parseAmzDate(amzDate)
	if !ok {
		return nil, newError(ErrCodeInvalidArgument, "x-amz-date must be an ISO 8601 basic UTC time such as 20151229T000000Z")
	}
	if e := v.checkScope(&a, amzDate, "s3", false); e != nil {
		return nil, e
	}
	if !a.parseSignature(f["x-amz-signature"]) {
		return nil, newError(ErrCodeInvalidArgument, "x-amz-signature must be 64 lower-case hex digits")
	}
	doc, err := base64.StdEncoding.DecodeString(policyB64)
	if err != nil {
		return nil, newError(ErrCodeInvalidPolicyDocument, "Invalid Policy: Invalid 'Base64' encoded string.")
	}
	token := f["x-amz-security-token"]
	creds, err := v.lookupCredentials(r.Context(), a.accessKey, token)
	if err != nil {
		return nil, err
	}
	key := v.signingKey(a.accessKey, creds.SecretKey, a.date, a.region, a.service)
	var sum [sha256.Size]byte
	if !hmac.Equal(key.sum([]byte(policyB64), sum[:0]), a.signature[:]) {
		e := newError(ErrCodeSignatureDoesNotMatch, "The request signature we calculated does not match the signature you provided. Check your key and signing method.")
		e.StringToSign = policyB64
		return nil, e
	}
	policy, err := parsePostPolicy(doc)
	if err != nil {
		return nil, err
	}
	if !v.now().Before(policy.expiration) {
		return nil, newError(ErrCodeAccessDenied, "Invalid according to Policy: Policy expired.")
	}
	if err := finishForm(form, policy); err != nil {
		return nil, err
	}
	fieldBucket, hasFieldBucket := f["bucket"]
	if form.Bucket != "" && !policy.allowsBucket(form.Bucket) || hasFieldBucket && !policy.allowsBucket(fieldBucket) {
		return nil, newError(ErrCodeAccessDenied, "Invalid according to Policy: Policy Condition failed: [\"eq\", \"$bucket\", ...]")
	}
	return &Result{
		Type:         AuthPostForm,
		AccessKey:    a.accessKey,
		SessionToken: token,
		Credentials:  creds,
		Region:       a.region,
		Service:      a.service,
		SignedAt:     signedAt,
		Expires:      policy.expiration,
		Payload:      PayloadNone,
		Form:         form,
	}, nil
}

// finishForm substitutes ${filename}, checks the policy (if any) and
// installs the length-checking file reader.
func finishForm(form *PostForm, policy *postPolicy) error {
	key, ok := form.Fields["key"]
	if !ok || key == "" {
		return newError(ErrCodeInvalidArgument, "Bucket POST must contain a field named 'key'.  If it is specified, please check the order of the fields.")
	}
	form.Key = strings.ReplaceAll(key, "${filename}", form.FileName)
	if ct, ok := form.Fields["content-type"]; ok {
		form.ContentType = ct
	}
	form.policy = policy
	fr := form.File.(*postFile)
	if policy == nil {
		return nil
	}
	checked := make(map[string]string, len(form.Fields))
	for k, v := range form.Fields {
		checked[k] = v
	}
	checked["key"] = form.Key
	if err := policy.check(checked); err != nil {
		return err
	}
	if policy.hasRange {
		fr.limited, fr.min, fr.max = true, policy.minLength, policy.maxLength
	}
	return nil
}

// readPostForm reads the multipart fields up to the file part.
func readPostForm(r *http.Request, maxSize int64) (*PostForm, error) {
	if maxSize <= 0 {
		maxSize = 1 << 20
	}
	malformed := func(msg string) error {
		return newError(ErrCodeMalformedPOSTRequest, "The body of your POST request is not well-formed multipart/form-data: %s", msg)
	}
	mt, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/form-data" || params["boundary"] == "" {
		return nil, malformed("Content-Type must be multipart/form-data with a boundary")
	}
	if r.Body == nil {
		return nil, malformed("no body")
	}
	form := &PostForm{Fields: map[string]string{}}
	if p := strings.TrimPrefix(r.URL.Path, "/"); p != "" {
		form.Bucket, _, _ = strings.Cut(p, "/")
	}
	mr := multipart.NewReader(r.Body, params["boundary"])
	budget := maxSize
	for n := 0; ; n++ {
		part, err := mr.NextRawPart()
		if err == io.EOF {
			return nil, newError(ErrCodeMalformedPOSTRequest, "POST requires exactly one file upload per request: no 'file' field")
		}
		if err != nil {
			return nil, malformed(err.Error())
		}
		if n >= maxPostFields {
			return nil, malformed("too many form fields")
		}
		disp, dparams, err := mime.ParseMediaType(part.Header.Get("Content-Disposition"))
		if err != nil || disp != "form-data" || dparams["name"] == "" {
			return nil, malformed("every part needs Content-Disposition: form-data; name=\"...\"")
		}
		name := strings.ToLower(dparams["name"])
		if name == "file" {
			fn := dparams["filename"]
			if i := strings.LastIndexAny(fn, `/\`); i >= 0 {
				fn = fn[i+1:]
			}
			form.FileName = fn
			form.ContentType = part.Header.Get("Content-Type")
			form.File = &postFile{part: part, body: r.Body, min: 0, max: -1}
			if b, ok := form.Fields["bucket"]; ok && form.Bucket == "" {
				form.Bucket = b
			}
			return form, nil
		}
		budget -= int64(len(name)) + 64 // per-part overhead counts too
		value, err := io.ReadAll(io.LimitReader(part, budget+1))
		if err != nil {
			return nil, malformed(err.Error())
		}
		budget -= int64(len(value))
		if budget < 0 {
			return nil, newError(ErrCodeMaxMessageLengthExceeded, "Your POST form fields exceed the maximum allowed size of %d bytes.", maxSize)
		}
		if old, ok := form.Fields[name]; ok {
			form.Fields[name] = old + "," + string(value)
		} else {
			form.Fields[name] = string(value)
		}
	}
}

// postFile is the length-checking reader of the file part.
type postFile struct {
	part    *multipart.Part
	body    io.Closer
	limited bool
	min     int64
	max     int64
	n       int64
	err     error
	eof     bool
}

// Read implements io.Reader.
func (p *postFile) Read(b []byte) (int, error) {
	if p.err != nil {
		return 0, p.err
	}
	if p.eof {
		return 0, io.EOF
	}
	n, err := p.part.Read(b)
	p.n += int64(n)
	if p.limited && p.n > p.max {
		p.err = newError(ErrCodeEntityTooLarge, "Your proposed upload exceeds the maximum allowed size of %d bytes (content-length-range).", p.max)
		return 0, p.err
	}
	switch {
	case err == io.EOF:
		if p.limited && p.n < p.min {
			p.err = newError(ErrCodeEntityTooSmall, "Your proposed upload is smaller than the minimum allowed size of %d bytes (content-length-range).", p.min)
			return n, p.err
		}
		p.eof = true
		return n, io.EOF
	case err != nil:
		e := newError(ErrCodeIncompleteBody, "reading the POST file part failed")
		if !errors.Is(err, io.ErrUnexpectedEOF) {
			e.Err = err
		}
		p.err = e
		return n, e
	}
	return n, nil
}

// Close closes the request body.
func (p *postFile) Close() error { return p.body.Close() }

var _ io.ReadCloser = (*postFile)(nil)
