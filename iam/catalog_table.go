package iam

// This file is the S3 operation catalog: one row per operation, with the
// request shape it is recognized by, its IAM action(s) and the request
// condition keys it carries. Sources: aws-spec.md §6 (botocore's S3 model for
// method and URI, the Service Authorization Reference for actions and keys,
// and the S3 user guide's "Required permissions" page).

// opID indexes catalog.
type catOp uint8

// The operations, in catalog order.
const (
	// opInvalid is the zero opID: no operation.
	opInvalid catOp = iota
	opListBuckets
	opCreateBucket
	opHeadBucket
	opDeleteBucket
	opListObjects
	opListObjectsV2
	opListObjectVersions
	opListMultipartUploads
	opGetBucketLocation
	opGetBucketPolicy
	opPutBucketPolicy
	opDeleteBucketPolicy
	opGetBucketPolicyStatus
	opGetBucketAcl
	opPutBucketAcl
	opGetBucketVersioning
	opPutBucketVersioning
	opGetBucketTagging
	opPutBucketTagging
	opDeleteBucketTagging
	opGetBucketCors
	opPutBucketCors
	opDeleteBucketCors
	opGetBucketLifecycleConfiguration
	opPutBucketLifecycleConfiguration
	opDeleteBucketLifecycle
	opGetBucketEncryption
	opPutBucketEncryption
	opDeleteBucketEncryption
	opGetBucketNotificationConfiguration
	opPutBucketNotificationConfiguration
	opGetBucketWebsite
	opPutBucketWebsite
	opDeleteBucketWebsite
	opGetBucketLogging
	opPutBucketLogging
	opGetBucketReplication
	opPutBucketReplication
	opDeleteBucketReplication
	opGetObjectLockConfiguration
	opPutObjectLockConfiguration
	opGetPublicAccessBlock
	opPutPublicAccessBlock
	opDeletePublicAccessBlock
	opGetBucketOwnershipControls
	opPutBucketOwnershipControls
	opDeleteBucketOwnershipControls
	opGetBucketAccelerateConfiguration
	opPutBucketAccelerateConfiguration
	opGetBucketRequestPayment
	opPutBucketRequestPayment
	opGetBucketAnalyticsConfiguration
	opListBucketAnalyticsConfigurations
	opPutBucketAnalyticsConfiguration
	opDeleteBucketAnalyticsConfiguration
	opGetBucketMetricsConfiguration
	opListBucketMetricsConfigurations
	opPutBucketMetricsConfiguration
	opDeleteBucketMetricsConfiguration
	opGetBucketInventoryConfiguration
	opListBucketInventoryConfigurations
	opPutBucketInventoryConfiguration
	opDeleteBucketInventoryConfiguration
	opGetBucketIntelligentTieringConfiguration
	opListBucketIntelligentTieringConfigurations
	opPutBucketIntelligentTieringConfiguration
	opDeleteBucketIntelligentTieringConfiguration
	opDeleteObjects
	opPostObject
	opPutObject
	opCopyObject
	opGetObject
	opHeadObject
	opDeleteObject
	opGetObjectAcl
	opPutObjectAcl
	opGetObjectTagging
	opPutObjectTagging
	opDeleteObjectTagging
	opGetObjectAttributes
	opGetObjectRetention
	opPutObjectRetention
	opGetObjectLegalHold
	opPutObjectLegalHold
	opRestoreObject
	opSelectObjectContent
	opGetObjectTorrent
	opCreateMultipartUpload
	opUploadPart
	opUploadPartCopy
	opCompleteMultipartUpload
	opAbortMultipartUpload
	opListParts
	numOps
)

// scope says what a request path addresses.
type catScope uint8

const (
	scopeService catScope = iota // "/": no bucket
	scopeBucket                  // "/{bucket}"
	scopeObject                  // "/{bucket}/{key}"
)

func (s catScope) String() string {
	switch s {
	case scopeService:
		return "service"
	case scopeBucket:
		return "bucket"
	}
	return "object"
}

// keySet selects the request condition keys an operation carries.
type catKeys uint16

const (
	// kList: s3:prefix, s3:delimiter, s3:max-keys.
	kList catKeys = 1 << iota
	// kBucketACL: s3:x-amz-acl and the five s3:x-amz-grant-* keys.
	kBucketACL
	// kObjectACL: s3:x-amz-acl and the four object s3:x-amz-grant-* keys
	// (there is no x-amz-grant-write on objects).
	kObjectACL
	// kOwnership: s3:x-amz-object-ownership.
	kOwnership
	// kPut: the PutObject keys: server-side encryption, storage class,
	// website redirect, request object tags and object lock.
	kPut
	// kIfMatch: s3:if-match.
	kIfMatch
	// kIfNoneMatch: s3:if-none-match.
	kIfNoneMatch
	// kCopySource: s3:x-amz-copy-source.
	kCopySource
	// kMetadataDirective: s3:x-amz-metadata-directive.
	kMetadataDirective
	// kVersion: s3:VersionId when a versionId is given.
	kVersion
	// kStorageClass: s3:x-amz-storage-class (without the other kPut keys).
	kStorageClass
)

// extras selects checks an operation adds depending on the request.
type catExtras uint8

const (
	// xObjectHeaders: ACL or grant headers add s3:PutObjectAcl,
	// x-amz-tagging adds s3:PutObjectTagging, x-amz-object-lock-mode or
	// -retain-until-date add s3:PutObjectRetention, and
	// x-amz-object-lock-legal-hold adds s3:PutObjectLegalHold.
	xObjectHeaders catExtras = 1 << iota
	// xBypass: x-amz-bypass-governance-retention: true adds
	// s3:BypassGovernanceRetention.
	xBypass
	// xCreateBucket: a non-private ACL or a grant adds s3:PutBucketAcl,
	// x-amz-bucket-object-lock-enabled: true adds
	// s3:PutBucketObjectLockConfiguration and s3:PutBucketVersioning, and
	// x-amz-object-ownership adds s3:PutBucketOwnershipControls.
	xCreateBucket
	// xCopySource: s3:GetObject (s3:GetObjectVersion with a source
	// versionId) on the x-amz-copy-source object.
	xCopySource
	// xPerKeyDelete: DeleteObjects; the host checks s3:DeleteObject on
	// every key of the body (and s3:BypassGovernanceRetention with the
	// bypass header).
	xPerKeyDelete
	// xPerKeyPost: PostObject; the host checks s3:PutObject on the form's
	// key.
	xPerKeyPost
)

// opSpec is one catalog row.
type catSpec struct {
	name    string
	scope   catScope
	method  string
	request string // the request shape, for documentation and errors
	// action is checked on the addressed resource; versionAction replaces
	// it when a versionId is given ("" = no version form).
	action, versionAction string
	// extra is a second action always checked on the same resource;
	// versionExtra replaces it when a versionId is given.
	extra, versionExtra string
	keys                catKeys
	extras              catExtras
}

// catalog lists every supported operation; OperationNames reports it.
var catalog = [numOps]catSpec{
	opListBuckets:                                 {name: "ListBuckets", scope: scopeService, method: "GET", request: "GET /", action: "s3:ListAllMyBuckets"},
	opCreateBucket:                                {name: "CreateBucket", scope: scopeBucket, method: "PUT", request: "PUT /{bucket}", action: "s3:CreateBucket", keys: kBucketACL | kOwnership, extras: xCreateBucket},
	opHeadBucket:                                  {name: "HeadBucket", scope: scopeBucket, method: "HEAD", request: "HEAD /{bucket}", action: "s3:ListBucket"},
	opDeleteBucket:                                {name: "DeleteBucket", scope: scopeBucket, method: "DELETE", request: "DELETE /{bucket}", action: "s3:DeleteBucket"},
	opListObjects:                                 {name: "ListObjects", scope: scopeBucket, method: "GET", request: "GET /{bucket}", action: "s3:ListBucket", keys: kList},
	opListObjectsV2:                               {name: "ListObjectsV2", scope: scopeBucket, method: "GET", request: "GET /{bucket}?list-type=2", action: "s3:ListBucket", keys: kList},
	opListObjectVersions:                          {name: "ListObjectVersions", scope: scopeBucket, method: "GET", request: "GET /{bucket}?versions", action: "s3:ListBucketVersions", keys: kList},
	opListMultipartUploads:                        {name: "ListMultipartUploads", scope: scopeBucket, method: "GET", request: "GET /{bucket}?uploads", action: "s3:ListBucketMultipartUploads"},
	opGetBucketLocation:                           {name: "GetBucketLocation", scope: scopeBucket, method: "GET", request: "GET /{bucket}?location", action: "s3:GetBucketLocation"},
	opGetBucketPolicy:                             {name: "GetBucketPolicy", scope: scopeBucket, method: "GET", request: "GET /{bucket}?policy", action: "s3:GetBucketPolicy"},
	opPutBucketPolicy:                             {name: "PutBucketPolicy", scope: scopeBucket, method: "PUT", request: "PUT /{bucket}?policy", action: "s3:PutBucketPolicy"},
	opDeleteBucketPolicy:                          {name: "DeleteBucketPolicy", scope: scopeBucket, method: "DELETE", request: "DELETE /{bucket}?policy", action: "s3:DeleteBucketPolicy"},
	opGetBucketPolicyStatus:                       {name: "GetBucketPolicyStatus", scope: scopeBucket, method: "GET", request: "GET /{bucket}?policyStatus", action: "s3:GetBucketPolicyStatus"},
	opGetBucketAcl:                                {name: "GetBucketAcl", scope: scopeBucket, method: "GET", request: "GET /{bucket}?acl", action: "s3:GetBucketAcl"},
	opPutBucketAcl:                                {name: "PutBucketAcl", scope: scopeBucket, method: "PUT", request: "PUT /{bucket}?acl", action: "s3:PutBucketAcl", keys: kBucketACL},
	opGetBucketVersioning:                         {name: "GetBucketVersioning", scope: scopeBucket, method: "GET", request: "GET /{bucket}?versioning", action: "s3:GetBucketVersioning"},
	opPutBucketVersioning:                         {name: "PutBucketVersioning", scope: scopeBucket, method: "PUT", request: "PUT /{bucket}?versioning", action: "s3:PutBucketVersioning"},
	opGetBucketTagging:                            {name: "GetBucketTagging", scope: scopeBucket, method: "GET", request: "GET /{bucket}?tagging", action: "s3:GetBucketTagging"},
	opPutBucketTagging:                            {name: "PutBucketTagging", scope: scopeBucket, method: "PUT", request: "PUT /{bucket}?tagging", action: "s3:PutBucketTagging"},
	opDeleteBucketTagging:                         {name: "DeleteBucketTagging", scope: scopeBucket, method: "DELETE", request: "DELETE /{bucket}?tagging", action: "s3:PutBucketTagging"},
	opGetBucketCors:                               {name: "GetBucketCors", scope: scopeBucket, method: "GET", request: "GET /{bucket}?cors", action: "s3:GetBucketCORS"},
	opPutBucketCors:                               {name: "PutBucketCors", scope: scopeBucket, method: "PUT", request: "PUT /{bucket}?cors", action: "s3:PutBucketCORS"},
	opDeleteBucketCors:                            {name: "DeleteBucketCors", scope: scopeBucket, method: "DELETE", request: "DELETE /{bucket}?cors", action: "s3:PutBucketCORS"},
	opGetBucketLifecycleConfiguration:             {name: "GetBucketLifecycleConfiguration", scope: scopeBucket, method: "GET", request: "GET /{bucket}?lifecycle", action: "s3:GetLifecycleConfiguration"},
	opPutBucketLifecycleConfiguration:             {name: "PutBucketLifecycleConfiguration", scope: scopeBucket, method: "PUT", request: "PUT /{bucket}?lifecycle", action: "s3:PutLifecycleConfiguration"},
	opDeleteBucketLifecycle:                       {name: "DeleteBucketLifecycle", scope: scopeBucket, method: "DELETE", request: "DELETE /{bucket}?lifecycle", action: "s3:PutLifecycleConfiguration"},
	opGetBucketEncryption:                         {name: "GetBucketEncryption", scope: scopeBucket, method: "GET", request: "GET /{bucket}?encryption", action: "s3:GetEncryptionConfiguration"},
	opPutBucketEncryption:                         {name: "PutBucketEncryption", scope: scopeBucket, method: "PUT", request: "PUT /{bucket}?encryption", action: "s3:PutEncryptionConfiguration"},
	opDeleteBucketEncryption:                      {name: "DeleteBucketEncryption", scope: scopeBucket, method: "DELETE", request: "DELETE /{bucket}?encryption", action: "s3:PutEncryptionConfiguration"},
	opGetBucketNotificationConfiguration:          {name: "GetBucketNotificationConfiguration", scope: scopeBucket, method: "GET", request: "GET /{bucket}?notification", action: "s3:GetBucketNotification"},
	opPutBucketNotificationConfiguration:          {name: "PutBucketNotificationConfiguration", scope: scopeBucket, method: "PUT", request: "PUT /{bucket}?notification", action: "s3:PutBucketNotification"},
	opGetBucketWebsite:                            {name: "GetBucketWebsite", scope: scopeBucket, method: "GET", request: "GET /{bucket}?website", action: "s3:GetBucketWebsite"},
	opPutBucketWebsite:                            {name: "PutBucketWebsite", scope: scopeBucket, method: "PUT", request: "PUT /{bucket}?website", action: "s3:PutBucketWebsite"},
	opDeleteBucketWebsite:                         {name: "DeleteBucketWebsite", scope: scopeBucket, method: "DELETE", request: "DELETE /{bucket}?website", action: "s3:DeleteBucketWebsite"},
	opGetBucketLogging:                            {name: "GetBucketLogging", scope: scopeBucket, method: "GET", request: "GET /{bucket}?logging", action: "s3:GetBucketLogging"},
	opPutBucketLogging:                            {name: "PutBucketLogging", scope: scopeBucket, method: "PUT", request: "PUT /{bucket}?logging", action: "s3:PutBucketLogging"},
	opGetBucketReplication:                        {name: "GetBucketReplication", scope: scopeBucket, method: "GET", request: "GET /{bucket}?replication", action: "s3:GetReplicationConfiguration"},
	opPutBucketReplication:                        {name: "PutBucketReplication", scope: scopeBucket, method: "PUT", request: "PUT /{bucket}?replication", action: "s3:PutReplicationConfiguration"},
	opDeleteBucketReplication:                     {name: "DeleteBucketReplication", scope: scopeBucket, method: "DELETE", request: "DELETE /{bucket}?replication", action: "s3:PutReplicationConfiguration"},
	opGetObjectLockConfiguration:                  {name: "GetObjectLockConfiguration", scope: scopeBucket, method: "GET", request: "GET /{bucket}?object-lock", action: "s3:GetBucketObjectLockConfiguration"},
	opPutObjectLockConfiguration:                  {name: "PutObjectLockConfiguration", scope: scopeBucket, method: "PUT", request: "PUT /{bucket}?object-lock", action: "s3:PutBucketObjectLockConfiguration"},
	opGetPublicAccessBlock:                        {name: "GetPublicAccessBlock", scope: scopeBucket, method: "GET", request: "GET /{bucket}?publicAccessBlock", action: "s3:GetBucketPublicAccessBlock"},
	opPutPublicAccessBlock:                        {name: "PutPublicAccessBlock", scope: scopeBucket, method: "PUT", request: "PUT /{bucket}?publicAccessBlock", action: "s3:PutBucketPublicAccessBlock"},
	opDeletePublicAccessBlock:                     {name: "DeletePublicAccessBlock", scope: scopeBucket, method: "DELETE", request: "DELETE /{bucket}?publicAccessBlock", action: "s3:PutBucketPublicAccessBlock"},
	opGetBucketOwnershipControls:                  {name: "GetBucketOwnershipControls", scope: scopeBucket, method: "GET", request: "GET /{bucket}?ownershipControls", action: "s3:GetBucketOwnershipControls"},
	opPutBucketOwnershipControls:                  {name: "PutBucketOwnershipControls", scope: scopeBucket, method: "PUT", request: "PUT /{bucket}?ownershipControls", action: "s3:PutBucketOwnershipControls"},
	opDeleteBucketOwnershipControls:               {name: "DeleteBucketOwnershipControls", scope: scopeBucket, method: "DELETE", request: "DELETE /{bucket}?ownershipControls", action: "s3:PutBucketOwnershipControls"},
	opGetBucketAccelerateConfiguration:            {name: "GetBucketAccelerateConfiguration", scope: scopeBucket, method: "GET", request: "GET /{bucket}?accelerate", action: "s3:GetAccelerateConfiguration"},
	opPutBucketAccelerateConfiguration:            {name: "PutBucketAccelerateConfiguration", scope: scopeBucket, method: "PUT", request: "PUT /{bucket}?accelerate", action: "s3:PutAccelerateConfiguration"},
	opGetBucketRequestPayment:                     {name: "GetBucketRequestPayment", scope: scopeBucket, method: "GET", request: "GET /{bucket}?requestPayment", action: "s3:GetBucketRequestPayment"},
	opPutBucketRequestPayment:                     {name: "PutBucketRequestPayment", scope: scopeBucket, method: "PUT", request: "PUT /{bucket}?requestPayment", action: "s3:PutBucketRequestPayment"},
	opGetBucketAnalyticsConfiguration:             {name: "GetBucketAnalyticsConfiguration", scope: scopeBucket, method: "GET", request: "GET /{bucket}?analytics&id=ID", action: "s3:GetAnalyticsConfiguration"},
	opListBucketAnalyticsConfigurations:           {name: "ListBucketAnalyticsConfigurations", scope: scopeBucket, method: "GET", request: "GET /{bucket}?analytics", action: "s3:GetAnalyticsConfiguration"},
	opPutBucketAnalyticsConfiguration:             {name: "PutBucketAnalyticsConfiguration", scope: scopeBucket, method: "PUT", request: "PUT /{bucket}?analytics&id=ID", action: "s3:PutAnalyticsConfiguration"},
	opDeleteBucketAnalyticsConfiguration:          {name: "DeleteBucketAnalyticsConfiguration", scope: scopeBucket, method: "DELETE", request: "DELETE /{bucket}?analytics&id=ID", action: "s3:PutAnalyticsConfiguration"},
	opGetBucketMetricsConfiguration:               {name: "GetBucketMetricsConfiguration", scope: scopeBucket, method: "GET", request: "GET /{bucket}?metrics&id=ID", action: "s3:GetMetricsConfiguration"},
	opListBucketMetricsConfigurations:             {name: "ListBucketMetricsConfigurations", scope: scopeBucket, method: "GET", request: "GET /{bucket}?metrics", action: "s3:GetMetricsConfiguration"},
	opPutBucketMetricsConfiguration:               {name: "PutBucketMetricsConfiguration", scope: scopeBucket, method: "PUT", request: "PUT /{bucket}?metrics&id=ID", action: "s3:PutMetricsConfiguration"},
	opDeleteBucketMetricsConfiguration:            {name: "DeleteBucketMetricsConfiguration", scope: scopeBucket, method: "DELETE", request: "DELETE /{bucket}?metrics&id=ID", action: "s3:PutMetricsConfiguration"},
	opGetBucketInventoryConfiguration:             {name: "GetBucketInventoryConfiguration", scope: scopeBucket, method: "GET", request: "GET /{bucket}?inventory&id=ID", action: "s3:GetInventoryConfiguration"},
	opListBucketInventoryConfigurations:           {name: "ListBucketInventoryConfigurations", scope: scopeBucket, method: "GET", request: "GET /{bucket}?inventory", action: "s3:GetInventoryConfiguration"},
	opPutBucketInventoryConfiguration:             {name: "PutBucketInventoryConfiguration", scope: scopeBucket, method: "PUT", request: "PUT /{bucket}?inventory&id=ID", action: "s3:PutInventoryConfiguration"},
	opDeleteBucketInventoryConfiguration:          {name: "DeleteBucketInventoryConfiguration", scope: scopeBucket, method: "DELETE", request: "DELETE /{bucket}?inventory&id=ID", action: "s3:PutInventoryConfiguration"},
	opGetBucketIntelligentTieringConfiguration:    {name: "GetBucketIntelligentTieringConfiguration", scope: scopeBucket, method: "GET", request: "GET /{bucket}?intelligent-tiering&id=ID", action: "s3:GetIntelligentTieringConfiguration"},
	opListBucketIntelligentTieringConfigurations:  {name: "ListBucketIntelligentTieringConfigurations", scope: scopeBucket, method: "GET", request: "GET /{bucket}?intelligent-tiering", action: "s3:GetIntelligentTieringConfiguration"},
	opPutBucketIntelligentTieringConfiguration:    {name: "PutBucketIntelligentTieringConfiguration", scope: scopeBucket, method: "PUT", request: "PUT /{bucket}?intelligent-tiering&id=ID", action: "s3:PutIntelligentTieringConfiguration"},
	opDeleteBucketIntelligentTieringConfiguration: {name: "DeleteBucketIntelligentTieringConfiguration", scope: scopeBucket, method: "DELETE", request: "DELETE /{bucket}?intelligent-tiering&id=ID", action: "s3:PutIntelligentTieringConfiguration"},
	opDeleteObjects:                               {name: "DeleteObjects", scope: scopeBucket, method: "POST", request: "POST /{bucket}?delete", extras: xPerKeyDelete},
	opPostObject:                                  {name: "PostObject", scope: scopeBucket, method: "POST", request: "POST /{bucket} (multipart/form-data)", extras: xPerKeyPost},
	opPutObject:                                   {name: "PutObject", scope: scopeObject, method: "PUT", request: "PUT /{bucket}/{key}", action: "s3:PutObject", keys: kPut | kObjectACL | kIfMatch | kIfNoneMatch, extras: xObjectHeaders},
	opCopyObject:                                  {name: "CopyObject", scope: scopeObject, method: "PUT", request: "PUT /{bucket}/{key} + x-amz-copy-source", action: "s3:PutObject", keys: kPut | kObjectACL | kCopySource | kMetadataDirective, extras: xObjectHeaders | xCopySource},
	opGetObject:                                   {name: "GetObject", scope: scopeObject, method: "GET", request: "GET /{bucket}/{key}", action: "s3:GetObject", versionAction: "s3:GetObjectVersion", keys: kVersion},
	opHeadObject:                                  {name: "HeadObject", scope: scopeObject, method: "HEAD", request: "HEAD /{bucket}/{key}", action: "s3:GetObject", versionAction: "s3:GetObjectVersion", keys: kVersion},
	opDeleteObject:                                {name: "DeleteObject", scope: scopeObject, method: "DELETE", request: "DELETE /{bucket}/{key}", action: "s3:DeleteObject", versionAction: "s3:DeleteObjectVersion", keys: kVersion | kIfMatch, extras: xBypass},
	opGetObjectAcl:                                {name: "GetObjectAcl", scope: scopeObject, method: "GET", request: "GET /{bucket}/{key}?acl", action: "s3:GetObjectAcl", versionAction: "s3:GetObjectVersionAcl", keys: kVersion},
	opPutObjectAcl:                                {name: "PutObjectAcl", scope: scopeObject, method: "PUT", request: "PUT /{bucket}/{key}?acl", action: "s3:PutObjectAcl", versionAction: "s3:PutObjectVersionAcl", keys: kVersion | kObjectACL | kStorageClass},
	opGetObjectTagging:                            {name: "GetObjectTagging", scope: scopeObject, method: "GET", request: "GET /{bucket}/{key}?tagging", action: "s3:GetObjectTagging", versionAction: "s3:GetObjectVersionTagging", keys: kVersion},
	opPutObjectTagging:                            {name: "PutObjectTagging", scope: scopeObject, method: "PUT", request: "PUT /{bucket}/{key}?tagging", action: "s3:PutObjectTagging", versionAction: "s3:PutObjectVersionTagging", keys: kVersion},
	opDeleteObjectTagging:                         {name: "DeleteObjectTagging", scope: scopeObject, method: "DELETE", request: "DELETE /{bucket}/{key}?tagging", action: "s3:DeleteObjectTagging", versionAction: "s3:DeleteObjectVersionTagging", keys: kVersion},
	opGetObjectAttributes:                         {name: "GetObjectAttributes", scope: scopeObject, method: "GET", request: "GET /{bucket}/{key}?attributes", action: "s3:GetObject", versionAction: "s3:GetObjectVersion", extra: "s3:GetObjectAttributes", versionExtra: "s3:GetObjectVersionAttributes", keys: kVersion},
	opGetObjectRetention:                          {name: "GetObjectRetention", scope: scopeObject, method: "GET", request: "GET /{bucket}/{key}?retention", action: "s3:GetObjectRetention"},
	opPutObjectRetention:                          {name: "PutObjectRetention", scope: scopeObject, method: "PUT", request: "PUT /{bucket}/{key}?retention", action: "s3:PutObjectRetention", extras: xBypass},
	opGetObjectLegalHold:                          {name: "GetObjectLegalHold", scope: scopeObject, method: "GET", request: "GET /{bucket}/{key}?legal-hold", action: "s3:GetObjectLegalHold"},
	opPutObjectLegalHold:                          {name: "PutObjectLegalHold", scope: scopeObject, method: "PUT", request: "PUT /{bucket}/{key}?legal-hold", action: "s3:PutObjectLegalHold"},
	opRestoreObject:                               {name: "RestoreObject", scope: scopeObject, method: "POST", request: "POST /{bucket}/{key}?restore", action: "s3:RestoreObject"},
	opSelectObjectContent:                         {name: "SelectObjectContent", scope: scopeObject, method: "POST", request: "POST /{bucket}/{key}?select&select-type=2", action: "s3:GetObject"},
	opGetObjectTorrent:                            {name: "GetObjectTorrent", scope: scopeObject, method: "GET", request: "GET /{bucket}/{key}?torrent", action: "s3:GetObjectTorrent", versionAction: "s3:GetObjectVersionTorrent", keys: kVersion},
	opCreateMultipartUpload:                       {name: "CreateMultipartUpload", scope: scopeObject, method: "POST", request: "POST /{bucket}/{key}?uploads", action: "s3:PutObject", keys: kPut | kObjectACL, extras: xObjectHeaders},
	opUploadPart:                                  {name: "UploadPart", scope: scopeObject, method: "PUT", request: "PUT /{bucket}/{key}?partNumber=N&uploadId=ID", action: "s3:PutObject"},
	opUploadPartCopy:                              {name: "UploadPartCopy", scope: scopeObject, method: "PUT", request: "PUT /{bucket}/{key}?partNumber=N&uploadId=ID + x-amz-copy-source", action: "s3:PutObject", keys: kCopySource, extras: xCopySource},
	opCompleteMultipartUpload:                     {name: "CompleteMultipartUpload", scope: scopeObject, method: "POST", request: "POST /{bucket}/{key}?uploadId=ID", action: "s3:PutObject", keys: kIfMatch | kIfNoneMatch},
	opAbortMultipartUpload:                        {name: "AbortMultipartUpload", scope: scopeObject, method: "DELETE", request: "DELETE /{bucket}/{key}?uploadId=ID", action: "s3:AbortMultipartUpload"},
	opListParts:                                   {name: "ListParts", scope: scopeObject, method: "GET", request: "GET /{bucket}/{key}?uploadId=ID", action: "s3:ListMultipartUploadParts"}}
