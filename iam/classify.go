package iam

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// ClassifyS3Request maps an S3 REST request to its operation, the IAM
// checks it needs and its request condition keys. It reads the method, the
// Host (for virtual-hosted-style requests, see [ClassifyOptions.Domains]),
// the path, the query and a few named headers; it never reads the body and
// never trusts anything: call it after (or before) signature verification,
// the result is the same. opts may be nil.
//
// # Recognizing the operation
//
// The bucket comes from the Host (virtual-hosted style) or from the first
// path segment (path style); the key is the rest of the path,
// percent-decoded from r.URL.EscapedPath(), so "%2F", "//" and ".." are
// just bytes of the key. Sub-resource query parameters (?acl, ?tagging,
// ?uploads, ?uploadId=, ?list-type=2, ?select&select-type=2, ...) decide
// before the plain method and path; x-amz-copy-source turns PUT object into
// CopyObject and UploadPart into UploadPartCopy; a versionId switches object
// actions to their version form (s3:GetObjectVersion, ...). Headers that a
// presigned URL hoists into the query (x-amz-acl=...) count as headers.
//
// A request that does not name exactly one catalog operation (an unknown
// method, an unknown sub-resource or query parameter, a sub-resource on the
// wrong kind of resource, two sub-resources, a missing required parameter,
// an x-id that names another operation) is an [*UnknownOperationError]. A
// malformed request (bucket name, key, copy source, tags, a repeated
// parameter or header) is a [*RequestError] carrying the S3 error code.
//
// # Checks
//
// Every operation checks its IAM action on its bucket ARN
// (arn:aws:s3:::bucket) or object ARN (arn:aws:s3:::bucket/key), except
// ListBuckets (s3:ListAllMyBuckets on "*"). Some requests need more, as S3
// documents: CopyObject and UploadPartCopy also check s3:GetObject (or
// s3:GetObjectVersion) on the source object; PutObject, CopyObject and
// CreateMultipartUpload add s3:PutObjectAcl for ACL headers,
// s3:PutObjectTagging for x-amz-tagging, s3:PutObjectRetention and
// s3:PutObjectLegalHold for object-lock headers; CreateBucket adds
// s3:PutBucketAcl for a non-private ACL, s3:PutBucketObjectLockConfiguration
// and s3:PutBucketVersioning for object lock, s3:PutBucketOwnershipControls
// for x-amz-object-ownership; DeleteObject and PutObjectRetention add
// s3:BypassGovernanceRetention with x-amz-bypass-governance-retention: true;
// GetObjectAttributes checks s3:GetObject and s3:GetObjectAttributes.
// DeleteObjects and PostObject name their keys in the body: see
// [Operation.PerKey] and [Operation.KeyChecks].
//
// # Condition keys
//
// Only these keys, only for the operations the Service Authorization
// Reference lists them for, and only from the named header or parameter:
//
//   - s3:prefix, s3:delimiter, s3:max-keys: ListObjects, ListObjectsV2,
//     ListObjectVersions. s3:prefix is "" and s3:max-keys "1000" when the
//     parameter is absent (AWS documents max-keys as always present);
//     s3:delimiter is set only when given.
//   - s3:x-amz-acl, s3:x-amz-grant-full-control, -read, -read-acp,
//     -write-acp (and -write on buckets): CreateBucket, PutBucketAcl,
//     PutObject, CopyObject, CreateMultipartUpload, PutObjectAcl.
//   - s3:x-amz-object-ownership: CreateBucket.
//   - s3:x-amz-server-side-encryption, -aws-kms-key-id, -customer-algorithm,
//     s3:x-amz-storage-class, s3:x-amz-website-redirect-location,
//     s3:RequestObjectTag/<key> and s3:RequestObjectTagKeys (from
//     x-amz-tagging), s3:object-lock-mode, s3:object-lock-retain-until-date,
//     s3:object-lock-legal-hold: PutObject, CopyObject,
//     CreateMultipartUpload (s3:x-amz-storage-class also PutObjectAcl).
//   - s3:x-amz-copy-source ("bucket/key", decoded, without versionId):
//     CopyObject, UploadPartCopy; s3:x-amz-metadata-directive: CopyObject.
//   - s3:if-match, s3:if-none-match: PutObject, CompleteMultipartUpload
//     (s3:if-match also DeleteObject).
//   - s3:VersionId: object operations given a versionId that have a
//     version form (GetObject, HeadObject, DeleteObject, Get/PutObjectAcl,
//     Get/Put/DeleteObjectTagging, GetObjectAttributes, GetObjectTorrent).
//
// Not derived here: server facts (aws:*, s3:authType, s3:signatureversion,
// s3:signatureAge, s3:x-amz-content-sha256, s3:TlsVersion — the server
// sets them from what it verified), keys that need the body
// (s3:locationconstraint, tags in a PutObjectTagging body, retention and
// legal hold bodies, PostObject form fields), keys that need stored state
// (s3:ExistingObjectTag/<key>, s3:BucketTag/<key>, s3:ResourceAccount)
// and s3:object-lock-remaining-retention-days (it needs a clock). A header
// or parameter named like a condition key ("s3:prefix", "aws:username")
// never becomes one.
//
// # Not supported
//
// Access point, Object Lambda, S3 on Outposts and multi-region access point
// requests and ARNs, directory buckets (CreateSession, ListDirectoryBuckets),
// metadata tables, ABAC, annotations, RenameObject, UpdateObjectEncryption,
// WriteGetObjectResponse, SigV2-only sub-resources, and STS (route POST /
// with Action=... to the sts package before classifying). Legacy bucket
// names (upper case, underscores) are refused with InvalidBucketName.
//
// The benchmark BenchmarkClassify_S3Request measures a GET object request.
func ClassifyS3Request(r *http.Request, opts *ClassifyOptions) (*Operation, error) {
	return classify(nil, r, opts)
}

// ClassifyS3RequestInto is [ClassifyS3Request] into an Operation the caller
// owns, such as a field of a per-request struct the caller allocates
// anyway, or one from a pool: it saves the allocation of the Operation
// (the resource ARN, when there is one, is then a small allocation of its
// own). It first sets *op to the zero Operation, so that on error *op is
// zero; the error is the one ClassifyS3Request returns.
//
// The slices it sets may point into *op itself (Checks usually does): they
// are valid until *op is next overwritten, so a caller that reuses op must
// not keep them, or a copy of *op, beyond that. Strings are never
// overwritten and may be kept.
func ClassifyS3RequestInto(op *Operation, r *http.Request, opts *ClassifyOptions) error {
	if op == nil {
		return errors.New("iam: ClassifyS3RequestInto needs an Operation to fill")
	}
	*op = Operation{}
	if _, err := classify(op, r, opts); err != nil {
		*op = Operation{}
		return err
	}
	return nil
}

// classify classifies r into dst, or into a new Operation (with room for
// its ARN) when dst is nil.
func classify(dst *Operation, r *http.Request, opts *ClassifyOptions) (*Operation, error) {
	if r == nil || r.URL == nil {
		return nil, errors.New("iam: ClassifyS3Request needs a request with a URL")
	}
	var o ClassifyOptions
	if opts != nil {
		o = *opts
	}
	partition := o.Partition
	if partition == "" {
		partition = "aws"
	} else if !validARNPartition(partition) {
		return nil, errors.New("iam: ClassifyOptions.Partition " + catQuote(partition) +
			" is not a partition name; use lower-case letters, digits and hyphens such as \"aws\" or \"aws-cn\"")
	}

	m := catMethodIndex(r.Method)
	bucket, key, err := catSplitTarget(r, o.Domains)
	if err != nil {
		return nil, err
	}
	sc := scopeService
	switch {
	case key != "":
		sc = scopeObject
	case bucket != "":
		sc = scopeBucket
	}
	if m < 0 {
		return nil, &UnknownOperationError{Method: r.Method, Shape: sc.String(), Reason: "S3 uses GET, HEAD, PUT, POST and DELETE"}
	}

	var q catQuery
	if err := q.parse(r.URL.RawQuery, o.IgnoreParameters); err != nil {
		var u *UnknownOperationError
		if errors.As(err, &u) {
			u.Method, u.Shape = r.Method, sc.String()
		}
		return nil, err
	}
	if sc != scopeService {
		if err := validBucketName(bucket); err != nil {
			return nil, err
		}
	}
	if sc == scopeObject {
		if err := validObjectKey(key); err != nil {
			return nil, err
		}
	}

	var vals []string
	c := catClassifier{r: r, q: &q, vals: &vals}
	id, unknown := c.dispatch(sc, m)
	if unknown != nil {
		unknown.Method, unknown.Shape = r.Method, sc.String()
		return nil, unknown
	}
	spec := &catalog[id]
	if q.has&qpXID != 0 {
		xid, err := catUnescape(q.xid)
		if err != nil || xid != spec.name {
			return nil, &UnknownOperationError{Method: r.Method, Shape: sc.String(), SubResource: "x-id",
				Reason: "x-id names " + catQuote(q.xid) + " but the request has the shape of " + spec.name}
		}
	}

	n := 0
	switch {
	case spec.scope == scopeObject:
		n = arnLen(partition, bucket, key, true)
	case spec.scope == scopeBucket && spec.action != "":
		n = arnLen(partition, bucket, "", false)
	}
	op, room := dst, []byte(nil)
	if op == nil {
		op, room = newOperation(n)
	}
	op.Name, op.Bucket, op.Key, op.partition = spec.name, bucket, key, partition
	op.Checks = op.checks[:0]
	if q.has&qpVersionID != 0 && sc == scopeObject {
		v, err := catUnescape(q.versionID)
		if err != nil {
			return nil, catBadParam("versionId")
		}
		if v == "" {
			return nil, newRequestError("InvalidArgument", "the versionId parameter is empty; give a version ID or leave the parameter out")
		}
		op.VersionID = v
	}
	if err := c.build(op, room, spec); err != nil {
		return nil, err
	}
	return op, nil
}

// methodIndex returns the index of an S3 method in the dispatch tables, or
// -1 for any other method (methods are case-sensitive).
func catMethodIndex(m string) int {
	switch m {
	case http.MethodGet:
		return mGET
	case http.MethodHead:
		return mHEAD
	case http.MethodPut:
		return mPUT
	case http.MethodPost:
		return mPOST
	case http.MethodDelete:
		return mDELETE
	}
	return -1
}

const (
	mGET = iota
	mHEAD
	mPUT
	mPOST
	mDELETE
	numMethods
)

func validARNPartition(p string) bool {
	if len(p) > 32 {
		return false
	}
	for i := 0; i < len(p); i++ {
		c := p[i]
		if !bucketAlnum(c) && c != '-' {
			return false
		}
	}
	return true
}

// splitTarget returns the bucket and the decoded key the request addresses.
func catSplitTarget(r *http.Request, domains []string) (bucket, key string, err error) {
	path := r.URL.Path
	escaped := r.URL.RawPath != ""
	if escaped {
		path = r.URL.EscapedPath()
	}
	if path == "" {
		path = "/"
	}
	if path[0] != '/' {
		return "", "", newRequestError("InvalidURI", "the request path must start with \"/\"")
	}
	rest := path[1:]
	if b, ok := catHostBucket(r, domains); ok {
		bucket = b
	} else {
		if i := strings.IndexByte(rest, '/'); i >= 0 {
			bucket, rest = rest[:i], rest[i+1:]
		} else {
			bucket, rest = rest, ""
		}
		if escaped {
			if bucket, err = url.PathUnescape(bucket); err != nil {
				return "", "", newRequestError("InvalidURI", "the bucket in the path is not valid percent-encoding")
			}
		}
		if bucket == "" && rest != "" {
			return "", "", newRequestError("InvalidBucketName", "the path names an object but no bucket; use /bucket/key")
		}
	}
	key = rest
	if escaped {
		if key, err = url.PathUnescape(key); err != nil {
			return "", "", newRequestError("InvalidURI", "the object key in the path is not valid percent-encoding")
		}
	}
	return bucket, key, nil
}

// hostBucket returns the bucket of a virtual-hosted-style request: the
// labels of Host before the longest matching domain.
func catHostBucket(r *http.Request, domains []string) (string, bool) {
	if len(domains) == 0 {
		return "", false
	}
	host := r.Host
	if host == "" {
		host = r.URL.Host
	}
	if host == "" || host[0] == '[' {
		return "", false
	}
	if i := strings.LastIndexByte(host, ':'); i >= 0 {
		host = host[:i]
	}
	host = strings.TrimSuffix(host, ".")
	best := -1
	for _, d := range domains {
		d = strings.TrimSuffix(strings.TrimPrefix(d, "."), ".")
		if d == "" {
			continue
		}
		if strings.EqualFold(host, d) {
			return "", false
		}
		n := len(host) - len(d)
		if n > 1 && host[n-1] == '.' && strings.EqualFold(host[n:], d) && len(d) > best {
			best = len(d)
		}
	}
	if best < 0 {
		return "", false
	}
	b := host[:len(host)-best-1]
	for i := 0; i < len(b); i++ {
		if c := b[i]; c >= 'A' && c <= 'Z' {
			return strings.ToLower(b), true
		}
	}
	return b, true
}

// subres is a sub-resource query parameter.
type catSub uint8

const (
	subNone catSub = iota
	subACL
	subAccelerate
	subAnalytics
	subAttributes
	subCORS
	subDelete
	subEncryption
	subIntelligentTiering
	subInventory
	subLegalHold
	subLifecycle
	subLocation
	subLogging
	subMetrics
	subNotification
	subObjectLock
	subOwnershipControls
	subPolicy
	subPolicyStatus
	subPublicAccessBlock
	subReplication
	subRequestPayment
	subRestore
	subRetention
	subSelect
	subTagging
	subTorrent
	subUploads
	subVersioning
	subVersions
	subWebsite
	numSubs
)

// Bits of query.has.
const (
	qpUploadID uint16 = 1 << iota
	qpPartNumber
	qpVersionID
	qpListType
	qpSelectType
	qpID
	qpXID
	qpPrefix
	qpDelimiter
	qpMaxKeys
)

// query is what the classifier needs from the raw query string. Values are
// kept raw (still percent-encoded) and decoded only when used.
type catQuery struct {
	sub     catSub
	subName string
	has     uint16
	// raw values
	uploadID, partNumber, versionID, listType, selectType, id, xid string
	prefix, delimiter, maxKeys                                     string
	// hoisted are x-amz-* parameters of presigned URLs other than the
	// signature's own; they count as headers.
	hoisted []catParam
}

type catParam struct{ name, value string }

func (q *catQuery) parse(raw string, ignore []string) error {
	for raw != "" {
		var pair string
		if i := strings.IndexByte(raw, '&'); i >= 0 {
			pair, raw = raw[:i], raw[i+1:]
		} else {
			pair, raw = raw, ""
		}
		if pair == "" {
			continue
		}
		name, value := pair, ""
		if i := strings.IndexByte(pair, '='); i >= 0 {
			name, value = pair[:i], pair[i+1:]
		}
		name, err := catUnescape(name)
		if err != nil {
			return newRequestError("InvalidURI", "a query parameter name is not valid percent-encoding")
		}
		if err := q.add(name, value, ignore); err != nil {
			return err
		}
	}
	return nil
}

func (q *catQuery) add(name, value string, ignore []string) error {
	var s catSub
	switch name {
	case "acl":
		s = subACL
	case "accelerate":
		s = subAccelerate
	case "analytics":
		s = subAnalytics
	case "attributes":
		s = subAttributes
	case "cors":
		s = subCORS
	case "delete":
		s = subDelete
	case "encryption":
		s = subEncryption
	case "intelligent-tiering":
		s = subIntelligentTiering
	case "inventory":
		s = subInventory
	case "legal-hold":
		s = subLegalHold
	case "lifecycle":
		s = subLifecycle
	case "location":
		s = subLocation
	case "logging":
		s = subLogging
	case "metrics":
		s = subMetrics
	case "notification":
		s = subNotification
	case "object-lock":
		s = subObjectLock
	case "ownershipControls":
		s = subOwnershipControls
	case "policy":
		s = subPolicy
	case "policyStatus":
		s = subPolicyStatus
	case "publicAccessBlock":
		s = subPublicAccessBlock
	case "replication":
		s = subReplication
	case "requestPayment":
		s = subRequestPayment
	case "restore":
		s = subRestore
	case "retention":
		s = subRetention
	case "select":
		s = subSelect
	case "tagging":
		s = subTagging
	case "torrent":
		s = subTorrent
	case "uploads":
		s = subUploads
	case "versioning":
		s = subVersioning
	case "versions":
		s = subVersions
	case "website":
		s = subWebsite

	case "uploadId":
		return q.set(qpUploadID, &q.uploadID, name, value)
	case "partNumber":
		return q.set(qpPartNumber, &q.partNumber, name, value)
	case "versionId":
		return q.set(qpVersionID, &q.versionID, name, value)
	case "list-type":
		return q.set(qpListType, &q.listType, name, value)
	case "select-type":
		return q.set(qpSelectType, &q.selectType, name, value)
	case "id":
		return q.set(qpID, &q.id, name, value)
	case "x-id":
		return q.set(qpXID, &q.xid, name, value)
	case "prefix":
		return q.set(qpPrefix, &q.prefix, name, value)
	case "delimiter":
		return q.set(qpDelimiter, &q.delimiter, name, value)
	case "max-keys":
		return q.set(qpMaxKeys, &q.maxKeys, name, value)

	case "encoding-type", "fetch-owner", "start-after", "continuation-token", "marker",
		"key-marker", "version-id-marker", "upload-id-marker", "max-uploads", "max-parts",
		"part-number-marker", "max-buckets", "bucket-region",
		"response-cache-control", "response-content-disposition", "response-content-encoding",
		"response-content-language", "response-content-type", "response-expires",
		"AWSAccessKeyId", "Signature", "Expires":
		return nil
	default:
		if len(name) > 6 && strings.EqualFold(name[:6], "x-amz-") {
			for _, auth := range catAuthParams {
				if strings.EqualFold(name[6:], auth) {
					return nil
				}
			}
			q.hoisted = append(q.hoisted, catParam{name, value})
			return nil
		}
		for _, ig := range ignore {
			if name == ig {
				return nil
			}
		}
		return &UnknownOperationError{SubResource: name,
			Reason: "the catalog does not know this query parameter; if it means nothing for authorization, list it in ClassifyOptions.IgnoreParameters"}
	}
	if q.sub != subNone {
		return &UnknownOperationError{SubResource: name,
			Reason: "the request also names the sub-resource " + strconv.Quote(q.subName) + "; an S3 request names at most one"}
	}
	q.sub, q.subName = s, name
	return nil
}

// catAuthParams are the x-amz-* query parameters of a presigned URL that
// belong to the signature itself, not to the request (without "x-amz-").
var catAuthParams = [...]string{"algorithm", "credential", "date", "expires", "signedheaders",
	"signature", "security-token", "content-sha256", "user-agent"}

func (q *catQuery) set(bit uint16, dst *string, name, value string) error {
	if q.has&bit != 0 {
		return newRequestError("InvalidArgument", "the query parameter "+strconv.Quote(name)+" is given more than once; give it once")
	}
	q.has |= bit
	*dst = value
	return nil
}

// unescapeQuery decodes a query component ('+' is a space), without
// allocating when there is nothing to decode.
func catUnescape(s string) (string, error) {
	if strings.IndexByte(s, '%') < 0 && strings.IndexByte(s, '+') < 0 {
		return s, nil
	}
	return url.QueryUnescape(s)
}

func catBadParam(name string) error {
	return newRequestError("InvalidArgument", "the query parameter "+strconv.Quote(name)+" is not valid percent-encoding")
}

// Dispatch tables for the sub-resources whose operation depends only on
// the method. opInvalid means "no such operation".
var bucketSubOps = [numSubs][numMethods]catOp{
	subACL:               {mGET: opGetBucketAcl, mPUT: opPutBucketAcl},
	subAccelerate:        {mGET: opGetBucketAccelerateConfiguration, mPUT: opPutBucketAccelerateConfiguration},
	subCORS:              {mGET: opGetBucketCors, mPUT: opPutBucketCors, mDELETE: opDeleteBucketCors},
	subDelete:            {mPOST: opDeleteObjects},
	subEncryption:        {mGET: opGetBucketEncryption, mPUT: opPutBucketEncryption, mDELETE: opDeleteBucketEncryption},
	subLifecycle:         {mGET: opGetBucketLifecycleConfiguration, mPUT: opPutBucketLifecycleConfiguration, mDELETE: opDeleteBucketLifecycle},
	subLocation:          {mGET: opGetBucketLocation},
	subLogging:           {mGET: opGetBucketLogging, mPUT: opPutBucketLogging},
	subNotification:      {mGET: opGetBucketNotificationConfiguration, mPUT: opPutBucketNotificationConfiguration},
	subObjectLock:        {mGET: opGetObjectLockConfiguration, mPUT: opPutObjectLockConfiguration},
	subOwnershipControls: {mGET: opGetBucketOwnershipControls, mPUT: opPutBucketOwnershipControls, mDELETE: opDeleteBucketOwnershipControls},
	subPolicy:            {mGET: opGetBucketPolicy, mPUT: opPutBucketPolicy, mDELETE: opDeleteBucketPolicy},
	subPolicyStatus:      {mGET: opGetBucketPolicyStatus},
	subPublicAccessBlock: {mGET: opGetPublicAccessBlock, mPUT: opPutPublicAccessBlock, mDELETE: opDeletePublicAccessBlock},
	subReplication:       {mGET: opGetBucketReplication, mPUT: opPutBucketReplication, mDELETE: opDeleteBucketReplication},
	subRequestPayment:    {mGET: opGetBucketRequestPayment, mPUT: opPutBucketRequestPayment},
	subTagging:           {mGET: opGetBucketTagging, mPUT: opPutBucketTagging, mDELETE: opDeleteBucketTagging},
	subUploads:           {mGET: opListMultipartUploads},
	subVersioning:        {mGET: opGetBucketVersioning, mPUT: opPutBucketVersioning},
	subVersions:          {mGET: opListObjectVersions},
	subWebsite:           {mGET: opGetBucketWebsite, mPUT: opPutBucketWebsite, mDELETE: opDeleteBucketWebsite},
}

// idFamilies are the bucket configurations addressed by an id: GET with an
// id reads one (Get...), GET without lists them (List...), PUT and DELETE
// need the id.
var idFamilies = [numSubs]struct{ get, list, put, del catOp }{
	subAnalytics:          {opGetBucketAnalyticsConfiguration, opListBucketAnalyticsConfigurations, opPutBucketAnalyticsConfiguration, opDeleteBucketAnalyticsConfiguration},
	subMetrics:            {opGetBucketMetricsConfiguration, opListBucketMetricsConfigurations, opPutBucketMetricsConfiguration, opDeleteBucketMetricsConfiguration},
	subInventory:          {opGetBucketInventoryConfiguration, opListBucketInventoryConfigurations, opPutBucketInventoryConfiguration, opDeleteBucketInventoryConfiguration},
	subIntelligentTiering: {opGetBucketIntelligentTieringConfiguration, opListBucketIntelligentTieringConfigurations, opPutBucketIntelligentTieringConfiguration, opDeleteBucketIntelligentTieringConfiguration},
}

var objectSubOps = [numSubs][numMethods]catOp{
	subACL:        {mGET: opGetObjectAcl, mPUT: opPutObjectAcl},
	subTagging:    {mGET: opGetObjectTagging, mPUT: opPutObjectTagging, mDELETE: opDeleteObjectTagging},
	subAttributes: {mGET: opGetObjectAttributes},
	subRetention:  {mGET: opGetObjectRetention, mPUT: opPutObjectRetention},
	subLegalHold:  {mGET: opGetObjectLegalHold, mPUT: opPutObjectLegalHold},
	subRestore:    {mPOST: opRestoreObject},
	subSelect:     {mPOST: opSelectObjectContent},
	subTorrent:    {mGET: opGetObjectTorrent},
	subUploads:    {mPOST: opCreateMultipartUpload},
}

type catClassifier struct {
	r *http.Request
	q *catQuery
	// vals is the backing array of single-valued Keys' Values, behind a
	// pointer so that storing it in the Operation does not make the
	// classifier (and its query, on the stack) escape.
	vals *[]string
}

func catUnknown(sub, reason string) (catOp, *UnknownOperationError) {
	return opInvalid, &UnknownOperationError{SubResource: sub, Reason: reason}
}

// dispatch picks the operation from the method, the scope and the query.
func (c *catClassifier) dispatch(sc catScope, m int) (catOp, *UnknownOperationError) {
	q := c.q
	// Modifiers that only some shapes accept.
	if q.has&qpListType != 0 && (sc != scopeBucket || m != mGET || q.sub != subNone) {
		return catUnknown("list-type", "list-type belongs to GET on a bucket (ListObjectsV2) alone")
	}
	if q.has&qpSelectType != 0 && q.sub != subSelect {
		return catUnknown("select-type", "select-type belongs to ?select (SelectObjectContent)")
	}
	if q.has&qpID != 0 && idFamilies[q.sub].get == opInvalid {
		return catUnknown("id", "id belongs to ?analytics, ?metrics, ?inventory and ?intelligent-tiering")
	}
	if q.has&qpUploadID != 0 && (sc != scopeObject || q.sub != subNone) {
		return catUnknown("uploadId", "uploadId belongs to the multipart operations on an object alone")
	}

	switch sc {
	case scopeService:
		if m == mGET && q.sub == subNone {
			return opListBuckets, nil
		}
		if q.sub != subNone {
			return catUnknown(q.subName, "no service-level operation has this sub-resource")
		}
		return catUnknown("", "the only operation without a bucket is GET / (ListBuckets)")

	case scopeBucket:
		if q.sub == subNone {
			switch m {
			case mGET:
				if q.has&qpListType != 0 {
					if q.listType != "2" {
						return catUnknown("list-type", "list-type must be 2")
					}
					return opListObjectsV2, nil
				}
				return opListObjects, nil
			case mHEAD:
				return opHeadBucket, nil
			case mPUT:
				return opCreateBucket, nil
			case mDELETE:
				return opDeleteBucket, nil
			case mPOST:
				ct := c.r.Header.Get("Content-Type")
				if len(ct) >= 19 && strings.EqualFold(ct[:19], "multipart/form-data") {
					return opPostObject, nil
				}
				return catUnknown("", "POST on a bucket is a browser upload and needs Content-Type: multipart/form-data")
			}
		}
		if f := idFamilies[q.sub]; f.get != opInvalid {
			qpID := q.has&qpID != 0
			switch {
			case m == mGET && qpID:
				return f.get, nil
			case m == mGET:
				return f.list, nil
			case m == mPUT && qpID:
				return f.put, nil
			case m == mDELETE && qpID:
				return f.del, nil
			case m == mPUT || m == mDELETE:
				return catUnknown(q.subName, "this operation needs an id parameter")
			}
			return catUnknown(q.subName, "no bucket operation has this method and sub-resource")
		}
		if id := bucketSubOps[q.sub][m]; id != opInvalid {
			return id, nil
		}
		return catUnknown(q.subName, "no bucket operation has this method and sub-resource")

	default: // scopeObject
		if q.sub == subNone {
			up := q.has&qpUploadID != 0
			switch m {
			case mGET:
				if up {
					return opListParts, nil
				}
				return opGetObject, nil
			case mHEAD:
				if up {
					return catUnknown("uploadId", "HEAD has no multipart form")
				}
				return opHeadObject, nil
			case mPUT:
				part := q.has&qpPartNumber != 0
				copySrc := c.hasHeader("X-Amz-Copy-Source")
				switch {
				case up && part && copySrc:
					return opUploadPartCopy, nil
				case up && part:
					return opUploadPart, nil
				case up || part:
					return catUnknown("uploadId", "UploadPart needs both partNumber and uploadId")
				case copySrc:
					return opCopyObject, nil
				}
				return opPutObject, nil
			case mPOST:
				if up {
					return opCompleteMultipartUpload, nil
				}
				return catUnknown("", "POST on an object needs ?uploads, ?uploadId=, ?restore or ?select")
			case mDELETE:
				if up {
					return opAbortMultipartUpload, nil
				}
				return opDeleteObject, nil
			}
		}
		if q.sub == subSelect && (q.has&qpSelectType == 0 || q.selectType != "2") {
			return catUnknown("select", "SelectObjectContent needs select-type=2")
		}
		if id := objectSubOps[q.sub][m]; id != opInvalid {
			return id, nil
		}
		return catUnknown(q.subName, "no object operation has this method and sub-resource")
	}
}

// hasHeader reports whether the named header (canonical form) is present,
// directly or hoisted into the query.
func (c *catClassifier) hasHeader(name string) bool {
	if _, ok := c.r.Header[name]; ok {
		return true
	}
	for _, p := range c.q.hoisted {
		if strings.EqualFold(p.name, name) {
			return true
		}
	}
	return false
}

// header returns the value of the named header (canonical form), from the
// headers or hoisted into a presigned URL's query. A header given more than
// once, or given both ways with different values, is an error: a policy
// must never see one value while the server uses another.
func (c *catClassifier) header(name string) (string, bool, error) {
	vs, ok := c.r.Header[name]
	if len(vs) > 1 {
		return "", false, newRequestError("InvalidArgument", "the header "+name+" is given more than once; give it once")
	}
	v := ""
	if ok && len(vs) == 1 {
		v = vs[0]
	}
	for _, p := range c.q.hoisted {
		if !strings.EqualFold(p.name, name) {
			continue
		}
		hv, err := catUnescape(p.value)
		if err != nil {
			return "", false, catBadParam(p.name)
		}
		if ok && hv != v {
			return "", false, newRequestError("InvalidArgument", "the header "+name+
				" and the query parameter of the same name disagree; send one")
		}
		v, ok = hv, true
	}
	return v, ok, nil
}

// build fills the checks and condition keys of op; room is the room for
// its resource ARN (see arnInto).
func (c *catClassifier) build(op *Operation, room []byte, spec *catSpec) error {
	versioned := op.VersionID != ""

	// Primary checks.
	switch spec.scope {
	case scopeService:
		op.Checks = append(op.Checks, Check{Action: spec.action, Resource: "*"})
	case scopeBucket:
		if spec.action != "" {
			op.Checks = append(op.Checks, Check{Action: spec.action, Resource: arnInto(room, op.partition, op.Bucket, "", false)})
		}
	case scopeObject:
		res := arnInto(room, op.partition, op.Bucket, op.Key, true)
		action, extra := spec.action, spec.extra
		if versioned && spec.versionAction != "" {
			action, extra = spec.versionAction, spec.versionExtra
		}
		op.Checks = append(op.Checks, Check{Action: action, Resource: res})
		if extra != "" {
			op.Checks = append(op.Checks, Check{Action: extra, Resource: res})
		}
	}

	// Request condition keys, in a fixed order.
	if spec.keys&kList != 0 {
		if err := c.listKeys(op); err != nil {
			return err
		}
	}
	var aclHeaders bool
	if spec.keys&(kBucketACL|kObjectACL) != 0 {
		grants := catObjectGrants[:]
		if spec.keys&kBucketACL != 0 {
			grants = catBucketGrants[:]
		}
		for _, h := range grants {
			v, ok, err := c.header(h.header)
			if err != nil {
				return err
			}
			if ok {
				c.addKey(op, h.key, v)
				if h.header != "X-Amz-Acl" || !strings.EqualFold(v, "private") || spec.keys&kObjectACL != 0 {
					aclHeaders = true
				}
			}
		}
	}
	if spec.keys&kOwnership != 0 {
		if err := c.headerKey(op, "X-Amz-Object-Ownership", "s3:x-amz-object-ownership"); err != nil {
			return err
		}
	}
	var tagging, lockRetention, lockLegalHold bool
	if spec.keys&kPut != 0 {
		for _, h := range catPutHeaders[:] {
			v, ok, err := c.header(h.header)
			if err != nil {
				return err
			}
			if !ok {
				continue
			}
			switch h.header {
			case "X-Amz-Tagging":
				tagging = true
				if err := catAddTagKeys(op, v); err != nil {
					return err
				}
				continue
			case "X-Amz-Object-Lock-Mode", "X-Amz-Object-Lock-Retain-Until-Date":
				lockRetention = true
			case "X-Amz-Object-Lock-Legal-Hold":
				lockLegalHold = true
			}
			c.addKey(op, h.key, v)
		}
	}
	if spec.extras&xCopySource != 0 {
		if err := c.copySource(op, spec); err != nil {
			return err
		}
	}
	if spec.keys&kMetadataDirective != 0 {
		if err := c.headerKey(op, "X-Amz-Metadata-Directive", "s3:x-amz-metadata-directive"); err != nil {
			return err
		}
	}
	if spec.keys&kIfMatch != 0 {
		if err := c.headerKey(op, "If-Match", "s3:if-match"); err != nil {
			return err
		}
	}
	if spec.keys&kIfNoneMatch != 0 {
		if err := c.headerKey(op, "If-None-Match", "s3:if-none-match"); err != nil {
			return err
		}
	}
	if spec.keys&kStorageClass != 0 {
		if err := c.headerKey(op, "X-Amz-Storage-Class", "s3:x-amz-storage-class"); err != nil {
			return err
		}
	}
	if spec.keys&kVersion != 0 && versioned {
		c.addKey(op, "s3:VersionId", op.VersionID)
	}

	// Checks that depend on the request.
	if spec.extras&xObjectHeaders != 0 {
		res := op.Checks[0].Resource
		if aclHeaders {
			op.Checks = append(op.Checks, Check{Action: "s3:PutObjectAcl", Resource: res})
		}
		if tagging {
			op.Checks = append(op.Checks, Check{Action: "s3:PutObjectTagging", Resource: res})
		}
		if lockRetention {
			op.Checks = append(op.Checks, Check{Action: "s3:PutObjectRetention", Resource: res})
		}
		if lockLegalHold {
			op.Checks = append(op.Checks, Check{Action: "s3:PutObjectLegalHold", Resource: res})
		}
	}
	var bypass bool
	if spec.extras&(xBypass|xPerKeyDelete) != 0 {
		v, ok, err := c.header("X-Amz-Bypass-Governance-Retention")
		if err != nil {
			return err
		}
		bypass = ok && strings.EqualFold(v, "true")
	}
	if spec.extras&xBypass != 0 && bypass {
		op.Checks = append(op.Checks, Check{Action: "s3:BypassGovernanceRetention", Resource: op.Checks[0].Resource})
	}
	if spec.extras&xCreateBucket != 0 {
		res := op.Checks[0].Resource
		if aclHeaders {
			op.Checks = append(op.Checks, Check{Action: "s3:PutBucketAcl", Resource: res})
		}
		v, ok, err := c.header("X-Amz-Bucket-Object-Lock-Enabled")
		if err != nil {
			return err
		}
		if ok && strings.EqualFold(v, "true") {
			op.Checks = append(op.Checks,
				Check{Action: "s3:PutBucketObjectLockConfiguration", Resource: res},
				Check{Action: "s3:PutBucketVersioning", Resource: res})
		}
		if c.hasHeader("X-Amz-Object-Ownership") {
			op.Checks = append(op.Checks, Check{Action: "s3:PutBucketOwnershipControls", Resource: res})
		}
	}
	if spec.extras&xPerKeyDelete != 0 {
		op.PerKey = []string{"s3:DeleteObject"}
		if bypass {
			op.PerKey = append(op.PerKey, "s3:BypassGovernanceRetention")
		}
	}
	if spec.extras&xPerKeyPost != 0 {
		op.PerKey = []string{"s3:PutObject"}
	}
	if len(op.Checks) == 0 && len(op.PerKey) == 0 {
		// Unreachable by construction; fail closed all the same.
		return &UnknownOperationError{Method: c.r.Method, Shape: spec.scope.String(), Reason: "the catalog row has no check"}
	}
	return nil
}

// addKey appends a single-valued condition key to op; the values of
// several keys share one backing array.
func (c *catClassifier) addKey(op *Operation, name, v string) {
	vals := c.vals
	if len(*vals) == cap(*vals) {
		*vals = make([]string, 0, 8)
	}
	*vals = append(*vals, v)
	n := len(*vals)
	if op.Keys == nil {
		op.Keys = make([]ConditionKey, 0, 4)
	}
	op.Keys = append(op.Keys, ConditionKey{Name: name, Values: (*vals)[n-1 : n : n]})
}

func (c *catClassifier) headerKey(op *Operation, header, key string) error {
	v, ok, err := c.header(header)
	if err != nil {
		return err
	}
	if ok {
		c.addKey(op, key, v)
	}
	return nil
}

func (c *catClassifier) listKeys(op *Operation) error {
	q := c.q
	prefix, err := catUnescape(q.prefix)
	if err != nil {
		return catBadParam("prefix")
	}
	c.addKey(op, "s3:prefix", prefix)
	if q.has&qpDelimiter != 0 {
		d, err := catUnescape(q.delimiter)
		if err != nil {
			return catBadParam("delimiter")
		}
		c.addKey(op, "s3:delimiter", d)
	}
	maxKeys := "1000"
	if q.has&qpMaxKeys != 0 {
		mk, err := catUnescape(q.maxKeys)
		if err != nil {
			return catBadParam("max-keys")
		}
		if mk == "" || len(mk) > 10 || strings.TrimLeft(mk, "0123456789") != "" {
			return newRequestError("InvalidArgument", "max-keys must be a non-negative integer")
		}
		maxKeys = mk
	}
	c.addKey(op, "s3:max-keys", maxKeys)
	return nil
}

// copySource parses x-amz-copy-source ("[/]bucket/key[?versionId=id]",
// URL-encoded), adds the read check on the source and the
// s3:x-amz-copy-source key.
func (c *catClassifier) copySource(op *Operation, spec *catSpec) error {
	v, _, err := c.header("X-Amz-Copy-Source")
	if err != nil {
		return err
	}
	path, version, hasVersion := strings.Cut(v, "?")
	path = strings.TrimPrefix(path, "/")
	if strings.HasPrefix(path, "arn:") {
		return newRequestError("InvalidArgument", "x-amz-copy-source names an access point ARN, which is not supported; use /bucket/key")
	}
	path, err = url.PathUnescape(path)
	if err != nil {
		return newRequestError("InvalidArgument", "x-amz-copy-source is not valid percent-encoding; encode it as /bucket/key")
	}
	bucket, key, ok := strings.Cut(path, "/")
	if !ok || key == "" {
		return newRequestError("InvalidArgument", "x-amz-copy-source must name an object as /bucket/key[?versionId=id]")
	}
	if err := validBucketName(bucket); err != nil {
		return err
	}
	if err := validObjectKey(key); err != nil {
		return err
	}
	if hasVersion {
		name, val, _ := strings.Cut(version, "=")
		if name != "versionId" {
			return newRequestError("InvalidArgument", "x-amz-copy-source may end only in ?versionId=id")
		}
		if val, err = url.QueryUnescape(val); err != nil || val == "" {
			return newRequestError("InvalidArgument", "the versionId of x-amz-copy-source is empty or not valid percent-encoding")
		}
		version = val
	} else {
		version = ""
	}
	op.SourceBucket, op.SourceKey, op.SourceVersionID = bucket, key, version
	action := "s3:GetObject"
	if version != "" {
		action = "s3:GetObjectVersion"
	}
	op.Checks = append(op.Checks, Check{Action: action, Resource: catObjectARN(op.partition, bucket, key)})
	if spec.keys&kCopySource != 0 {
		c.addKey(op, "s3:x-amz-copy-source", bucket+"/"+key)
	}
	return nil
}

// S3's limits on object tags.
const (
	maxObjectTags    = 10
	maxTagKeyBytes   = 128
	maxTagValueBytes = 256
)

// addTagKeys adds s3:RequestObjectTag/<key> for each tag of an
// x-amz-tagging header ("k1=v1&k2=v2", URL-encoded) and
// s3:RequestObjectTagKeys with every key.
func catAddTagKeys(op *Operation, header string) error {
	if header == "" {
		return nil
	}
	var keys []string
	for rest := header; rest != ""; {
		var pair string
		pair, rest, _ = strings.Cut(rest, "&")
		k, v, _ := strings.Cut(pair, "=")
		var err error
		if k, err = url.QueryUnescape(k); err != nil {
			return newRequestError("InvalidTag", "x-amz-tagging is not valid URL encoding; send key1=value1&key2=value2")
		}
		if v, err = url.QueryUnescape(v); err != nil {
			return newRequestError("InvalidTag", "x-amz-tagging is not valid URL encoding; send key1=value1&key2=value2")
		}
		switch {
		case k == "":
			return newRequestError("InvalidTag", "x-amz-tagging has a tag with an empty key")
		case len(k) > maxTagKeyBytes || len(v) > maxTagValueBytes:
			return newRequestError("InvalidTag", "x-amz-tagging has a tag key over 128 or a value over 256 characters")
		case len(keys) == maxObjectTags:
			return newRequestError("InvalidTag", "x-amz-tagging has more than 10 tags")
		}
		for _, seen := range keys {
			if seen == k {
				return newRequestError("InvalidTag", "x-amz-tagging repeats the tag key "+catQuote(k))
			}
		}
		keys = append(keys, k)
		op.Keys = append(op.Keys, ConditionKey{Name: "s3:RequestObjectTag/" + k, Values: []string{v}})
	}
	op.Keys = append(op.Keys, ConditionKey{Name: "s3:RequestObjectTagKeys", Values: keys})
	return nil
}

type catHeaderKey struct{ header, key string }

var catBucketGrants = [...]catHeaderKey{
	{"X-Amz-Acl", "s3:x-amz-acl"},
	{"X-Amz-Grant-Full-Control", "s3:x-amz-grant-full-control"},
	{"X-Amz-Grant-Read", "s3:x-amz-grant-read"},
	{"X-Amz-Grant-Read-Acp", "s3:x-amz-grant-read-acp"},
	{"X-Amz-Grant-Write", "s3:x-amz-grant-write"},
	{"X-Amz-Grant-Write-Acp", "s3:x-amz-grant-write-acp"},
}

var catObjectGrants = [...]catHeaderKey{
	{"X-Amz-Acl", "s3:x-amz-acl"},
	{"X-Amz-Grant-Full-Control", "s3:x-amz-grant-full-control"},
	{"X-Amz-Grant-Read", "s3:x-amz-grant-read"},
	{"X-Amz-Grant-Read-Acp", "s3:x-amz-grant-read-acp"},
	{"X-Amz-Grant-Write-Acp", "s3:x-amz-grant-write-acp"},
}

var catPutHeaders = [...]catHeaderKey{
	{"X-Amz-Server-Side-Encryption", "s3:x-amz-server-side-encryption"},
	{"X-Amz-Server-Side-Encryption-Aws-Kms-Key-Id", "s3:x-amz-server-side-encryption-aws-kms-key-id"},
	{"X-Amz-Server-Side-Encryption-Customer-Algorithm", "s3:x-amz-server-side-encryption-customer-algorithm"},
	{"X-Amz-Storage-Class", "s3:x-amz-storage-class"},
	{"X-Amz-Website-Redirect-Location", "s3:x-amz-website-redirect-location"},
	{"X-Amz-Tagging", ""},
	{"X-Amz-Object-Lock-Mode", "s3:object-lock-mode"},
	{"X-Amz-Object-Lock-Retain-Until-Date", "s3:object-lock-retain-until-date"},
	{"X-Amz-Object-Lock-Legal-Hold", "s3:object-lock-legal-hold"},
}
