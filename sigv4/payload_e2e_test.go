package sigv4_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awscreds "github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
	"github.com/s3auth/s3auth/sigv4"
)

// upload is what the fake S3 server saw of one verified request body.
type upload struct {
	method, query string
	mode          sigv4.PayloadMode
	info          sigv4.PayloadInfo
	data          []byte
}

// fakeS3 verifies every request with sigv4 and reads the body through the
// verifying reader, answering just enough of S3 (PutObject and multipart
// upload) for real clients. A request whose body does not reach a clean
// EOF gets the S3 error and is not recorded.
type fakeS3 struct {
	v       *sigv4.Verifier
	mu      sync.Mutex
	uploads []upload
	errs    []error
}

func (s *fakeS3) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	res, err := s.v.Verify(r)
	if err == nil && res.Type != sigv4.AuthHeader {
		err = fmt.Errorf("unexpected auth type %v", res.Type)
	}
	var data []byte
	if err == nil {
		data, err = io.ReadAll(r.Body)
	}
	if err != nil {
		s.mu.Lock()
		s.errs = append(s.errs, err)
		s.mu.Unlock()
		sigv4.WriteError(w, err, r.URL.Path, "req-1")
		return
	}
	u := upload{method: r.Method, query: r.URL.RawQuery, mode: res.Payload, data: data}
	if res.Body != nil {
		u.info = res.Body.Verified()
	}
	s.mu.Lock()
	s.uploads = append(s.uploads, u)
	s.mu.Unlock()
	q := r.URL.Query()
	w.Header().Set("Content-Type", "application/xml")
	switch {
	case r.Method == http.MethodPost && q.Has("uploads"):
		fmt.Fprint(w, `<InitiateMultipartUploadResult><Bucket>bucket</Bucket><Key>key</Key><UploadId>up1</UploadId></InitiateMultipartUploadResult>`)
	case r.Method == http.MethodPost && q.Has("uploadId"):
		fmt.Fprint(w, `<CompleteMultipartUploadResult><Bucket>bucket</Bucket><Key>key</Key><ETag>"etag"</ETag></CompleteMultipartUploadResult>`)
	default:
		w.Header().Set("ETag", `"etag"`)
	}
}

func newFakeS3(t *testing.T, useTLS bool) (*fakeS3, *httptest.Server) {
	t.Helper()
	s := &fakeS3{v: sigv4.NewVerifier(postLookup())}
	var srv *httptest.Server
	if useTLS {
		srv = httptest.NewTLSServer(s)
	} else {
		srv = httptest.NewServer(s)
	}
	t.Cleanup(srv.Close)
	return s, srv
}

// objectData concatenates the verified PUT bodies (single PUT or parts,
// in part-number order: clients upload parts concurrently).
func (s *fakeS3) objectData() []byte {
	puts := s.puts()
	part := func(u upload) int {
		q, _ := url.ParseQuery(u.query)
		n, _ := strconv.Atoi(q.Get("partNumber"))
		return n
	}
	sort.SliceStable(puts, func(i, j int) bool { return part(puts[i]) < part(puts[j]) })
	var out []byte
	for _, u := range puts {
		out = append(out, u.data...)
	}
	return out
}

func (s *fakeS3) puts() []upload {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []upload
	for _, u := range s.uploads {
		if u.method == http.MethodPut {
			out = append(out, u)
		}
	}
	return out
}

func e2ePayload(n int) []byte {
	p := make([]byte, n)
	for i := range p {
		p[i] = byte(i*131 + 7)
	}
	return p
}

// nonSeekable hides Seek so the SDK cannot hash the body up front.
type nonSeekable struct{ io.Reader }

// aws-sdk-go-v2 with its default checksum setting (WhenSupported): over
// http it signs the payload hash and sends x-amz-checksum-crc32 as a
// header; over https it sends STREAMING-UNSIGNED-PAYLOAD-TRAILER with a
// trailing CRC32. With checksums off (WhenRequired) it falls back to the
// signed hash (http) or UNSIGNED-PAYLOAD (https).
func TestPayloadE2EAWSSDKPutObject(t *testing.T) {
	t.Parallel()
	payload := e2ePayload(300 << 10)
	tests := []struct {
		name     string
		tls      bool
		seekable bool
		calc     aws.RequestChecksumCalculation
		wantMode sigv4.PayloadMode
		wantAlg  string
	}{
		{"http seekable", false, true, aws.RequestChecksumCalculationWhenSupported, sigv4.PayloadSigned, "CRC32"},
		{"https seekable", true, true, aws.RequestChecksumCalculationWhenSupported, sigv4.PayloadStreamingUnsignedTrailer, "CRC32"},
		{"https non-seekable", true, false, aws.RequestChecksumCalculationWhenSupported, sigv4.PayloadStreamingUnsignedTrailer, "CRC32"},
		{"http no checksum", false, true, aws.RequestChecksumCalculationWhenRequired, sigv4.PayloadSigned, ""},
		{"https no checksum", true, true, aws.RequestChecksumCalculationWhenRequired, sigv4.PayloadUnsigned, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			fake, srv := newFakeS3(t, tc.tls)
			client := s3.New(s3.Options{
				Region:       "us-east-1",
				Credentials:  awscreds.NewStaticCredentialsProvider(postAccessKey, postSecret, ""),
				BaseEndpoint: aws.String(srv.URL),
				UsePathStyle: true,
				HTTPClient:   srv.Client(),

				RequestChecksumCalculation: tc.calc,
			})
			var body io.Reader = bytes.NewReader(payload)
			if !tc.seekable {
				body = nonSeekable{body}
			}
			_, err := client.PutObject(context.Background(), &s3.PutObjectInput{
				Bucket:        aws.String("bucket"),
				Key:           aws.String("key"),
				Body:          body,
				ContentLength: aws.Int64(int64(len(payload))),
			})
			if err != nil {
				t.Fatalf("PutObject: %v (server errors: %v)", err, fake.errs)
			}
			if !bytes.Equal(fake.objectData(), payload) {
				t.Fatal("server stored different bytes")
			}
			for _, u := range fake.puts() {
				if !u.info.Complete {
					t.Fatalf("body not complete: %+v", u.info)
				}
				if u.mode != tc.wantMode || u.info.ChecksumAlgorithm != tc.wantAlg {
					t.Fatalf("aws-sdk-go-v2 sent mode %v checksum %q, want %v %q", u.mode, u.info.ChecksumAlgorithm, tc.wantMode, tc.wantAlg)
				}
			}
		})
	}
}

func TestPayloadE2EMinioGoPutObject(t *testing.T) {
	t.Parallel()
	// minio-go over plain http always signs its chunks. Its trailing
	// checksum (TrailingHeaders) is used for multipart uploads of a known
	// size from an io.ReaderAt; an unknown size (-1) sends the part
	// checksum as a signed x-amz-checksum-crc32c header instead.
	tests := []struct {
		name     string
		size     int
		known    bool
		readerAt bool
		partSize uint64
		trailers bool
		wantMode sigv4.PayloadMode
		wantAlg  string
	}{
		{"known size single put", 200 << 10, true, false, 0, false, sigv4.PayloadStreamingSigned, ""},
		{"unknown size", 200 << 10, false, false, 0, false, sigv4.PayloadStreamingSigned, ""},
		{"unknown size with checksums", 200 << 10, false, false, 0, true, sigv4.PayloadStreamingSigned, "CRC32C"},
		{"known size multipart signed trailer", 5<<20 + 70<<10 + 3, true, true, 5 << 20, true, sigv4.PayloadStreamingSignedTrailer, "CRC32C"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			fake, srv := newFakeS3(t, false)
			client, err := minio.New(strings.TrimPrefix(srv.URL, "http://"), &minio.Options{
				Creds:           credentials.NewStaticV4(postAccessKey, postSecret, ""),
				Region:          "us-east-1",
				TrailingHeaders: tc.trailers,
			})
			if err != nil {
				t.Fatal(err)
			}
			payload := e2ePayload(tc.size)
			size := int64(-1)
			if tc.known {
				size = int64(len(payload))
			}
			var r io.Reader = nonSeekable{bytes.NewReader(payload)}
			if tc.readerAt {
				r = bytes.NewReader(payload)
			}
			_, err = client.PutObject(context.Background(), "bucket", "key", r, size, minio.PutObjectOptions{PartSize: tc.partSize})
			if err != nil {
				t.Fatalf("PutObject: %v (server errors: %v)", err, fake.errs)
			}
			if !bytes.Equal(fake.objectData(), payload) {
				t.Fatal("server stored different bytes")
			}
			for _, u := range fake.puts() {
				if !u.info.Complete {
					t.Fatalf("body not complete: %+v", u.info)
				}
				if u.mode != tc.wantMode || u.info.ChecksumAlgorithm != tc.wantAlg {
					t.Fatalf("minio-go sent mode %v checksum %q, want %v %q", u.mode, u.info.ChecksumAlgorithm, tc.wantMode, tc.wantAlg)
				}
			}
		})
	}
}

// A proxy that alters one byte of a streaming upload in flight: the
// server must answer with an S3 error and never see a clean EOF.
func TestPayloadE2ETamperedStreamRejected(t *testing.T) {
	t.Parallel()
	fake, srv := newFakeS3(t, false)
	tamper := &tamperTransport{base: http.DefaultTransport, at: 70 << 10}
	client, err := minio.New(strings.TrimPrefix(srv.URL, "http://"), &minio.Options{
		Creds:     credentials.NewStaticV4(postAccessKey, postSecret, ""),
		Region:    "us-east-1",
		Transport: tamper,
	})
	if err != nil {
		t.Fatal(err)
	}
	payload := e2ePayload(200 << 10)
	_, err = client.PutObject(context.Background(), "bucket", "key", bytes.NewReader(payload), int64(len(payload)), minio.PutObjectOptions{DisableMultipart: true})
	if err == nil {
		t.Fatal("tampered upload succeeded")
	}
	if !strings.Contains(err.Error(), "signature") && !strings.Contains(err.Error(), "Signature") {
		t.Logf("client error: %v", err)
	}
	if len(fake.puts()) != 0 {
		t.Fatal("server recorded a tampered upload")
	}
	if len(fake.errs) == 0 {
		t.Fatal("no server-side error recorded")
	}
}

// tamperTransport flips one body byte of PUT requests at offset at.
type tamperTransport struct {
	base http.RoundTripper
	at   int64
}

func (tt *tamperTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Method == http.MethodPut && r.Body != nil {
		r2 := r.Clone(r.Context())
		r2.Body = &flipReader{rc: r.Body, at: tt.at}
		r = r2
	}
	return tt.base.RoundTrip(r)
}

type flipReader struct {
	rc  io.ReadCloser
	at  int64
	off int64
}

func (f *flipReader) Read(p []byte) (int, error) {
	n, err := f.rc.Read(p)
	if f.at >= f.off && f.at < f.off+int64(n) {
		p[f.at-f.off] ^= 0x01
	}
	f.off += int64(n)
	return n, err
}

func (f *flipReader) Close() error { return f.rc.Close() }
