package clienttest

import (
	"encoding/json"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// callScript calls one botocore operation: argv is ENDPOINT SERVICE OP
// PARAMS-JSON. It prints the response as JSON, or "ERRORCODE <code>" and
// exits 3 on a service error. A "Body" parameter is sent as bytes.
const callScript = `import sys, json, datetime
import boto3, botocore.exceptions
from botocore.config import Config
ep, service, op, params = sys.argv[1], sys.argv[2], sys.argv[3], json.loads(sys.argv[4])
cfg = Config(signature_version="s3v4", s3={"addressing_style": "path"}, retries={"max_attempts": 1})
c = boto3.session.Session().client(service, endpoint_url=ep, config=cfg)
if "Body" in params:
    params["Body"] = params["Body"].encode()
try:
    r = getattr(c, op)(**params)
except botocore.exceptions.ClientError as e:
    print("ERRORCODE " + e.response["Error"]["Code"])
    sys.exit(3)
r.pop("ResponseMetadata", None)
if "Body" in r:
    r["Body"] = r["Body"].read().decode("latin-1")
print(json.dumps(r, default=str))
`

// suiteScript is the boto3 client suite: phase "up" creates the bucket,
// uploads through upload_file (multipart above 8 MiB) and put_object,
// downloads a range and the whole object, lists and presigns; phase
// "down" deletes everything.
const suiteScript = `import sys, json, os
import boto3
from botocore.config import Config
ep, phase, bucket, d = sys.argv[1:5]
cfg = Config(signature_version="s3v4", s3={"addressing_style": "path"}, retries={"max_attempts": 1})
s3 = boto3.session.Session().client("s3", endpoint_url=ep, config=cfg)
if phase == "up":
    s3.create_bucket(Bucket=bucket)
    s3.upload_file(os.path.join(d, "small.txt"), bucket, "small.txt")
    s3.upload_file(os.path.join(d, "large.bin"), bucket, "dir/large.bin")
    with open(os.path.join(d, "large.bin"), "rb") as f:
        s3.put_object(Bucket=bucket, Key="put-large.bin", Body=f)
    r = s3.get_object(Bucket=bucket, Key="dir/large.bin", Range="bytes=100-1048675")
    with open(os.path.join(d, "range.out"), "wb") as f:
        f.write(r["Body"].read())
    s3.download_file(bucket, "dir/large.bin", os.path.join(d, "large.out"))
    s3.download_file(bucket, "put-large.bin", os.path.join(d, "put-large.out"))
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]]
    v1 = s3.list_objects(Bucket=bucket, Prefix="dir/", Delimiter="/")
    url = s3.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": "small.txt"}, ExpiresIn=300)
    print(json.dumps({"keys": keys, "url": url, "contentRange": r["ContentRange"],
                      "v1keys": [o["Key"] for o in v1.get("Contents", [])]}))
else:
    s3.delete_object(Bucket=bucket, Key="small.txt")
    r = s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": "dir/large.bin"}, {"Key": "put-large.bin"}]})
    if r.get("Errors"):
        raise SystemExit("delete_objects errors: %r" % r["Errors"])
    left = s3.list_objects_v2(Bucket=bucket).get("Contents", [])
    s3.delete_bucket(Bucket=bucket)
    print(json.dumps({"left": len(left)}))
`

// Boto3 calls one operation of a boto3 client (service "s3" or "sts";
// op in snake case such as "put_object") with params, against endpoint.
// On success Stdout is the response as JSON; on a service error
// [Result.Code] is the error code.
func (tl *Tool) Boto3(endpoint, service, op string, params map[string]any) Result {
	if params == nil {
		params = map[string]any{}
	}
	p, _ := json.Marshal(params)
	return tl.Run(nil, "-c", callScript, endpoint, service, op, string(p))
}

func runBoto3(t *testing.T, s *suite) {
	tl := NewTool(t, "boto3", s.target)
	tl.Timeout = s.opts.Timeout
	tl.WriteFile(t, "small.txt", s.small)
	tl.WriteFile(t, "large.bin", s.large)
	r := tl.Run(nil, "-c", suiteScript, s.target.Endpoint, "up", s.bucket, tl.Dir)
	if r.Err != nil {
		t.Fatalf("boto3 suite (up): %s", r)
	}
	var up struct {
		Keys, V1Keys []string
		URL          string
		ContentRange string
	}
	if err := json.Unmarshal([]byte(lastLine(r.Stdout)), &up); err != nil {
		t.Fatalf("boto3 suite output %q: %v", r.Stdout, err)
	}
	SameBytes(t, "boto3 get_object Range", readFile(t, filepath.Join(tl.Dir, "range.out")), s.large[100:1048676])
	SameBytes(t, "boto3 download_file", readFile(t, filepath.Join(tl.Dir, "large.out")), s.large)
	SameBytes(t, "boto3 download_file of put_object", readFile(t, filepath.Join(tl.Dir, "put-large.out")), s.large)
	if want := []string{"dir/large.bin", "put-large.bin", "small.txt"}; !slices.Equal(up.Keys, want) {
		t.Errorf("list_objects_v2 = %v, want %v", up.Keys, want)
	}
	if want := []string{"dir/large.bin"}; !slices.Equal(up.V1Keys, want) {
		t.Errorf("list_objects prefix dir/ = %v, want %v", up.V1Keys, want)
	}
	if !strings.HasPrefix(up.ContentRange, "bytes 100-1048675/") {
		t.Errorf("ContentRange = %q", up.ContentRange)
	}
	if st, body := Fetch(t, up.URL, ""); st != 200 {
		t.Errorf("GET presigned %s: %d %s", up.URL, st, body)
	} else {
		SameBytes(t, "boto3 presigned GET", body, s.small)
	}
	s.stored(t, "small.txt", s.small)
	s.stored(t, "dir/large.bin", s.large)
	s.stored(t, "put-large.bin", s.large)
	r = tl.Run(nil, "-c", suiteScript, s.target.Endpoint, "down", s.bucket, tl.Dir)
	if r.Err != nil || !strings.Contains(r.Stdout, `"left": 0`) {
		t.Fatalf("boto3 suite (down): %s", r)
	}
}

func lastLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		return s[i+1:]
	}
	return s
}
