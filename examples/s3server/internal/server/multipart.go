package server

import (
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/s3auth/s3auth/internal/fsobj"
	"github.com/s3auth/s3auth/internal/s3api"
)

func (s *Server) createUpload(rq *request) error {
	meta, err := metadataFrom(rq.r.Header)
	if err != nil {
		return err
	}
	var algs []string
	if alg := rq.r.Header.Get("x-amz-checksum-algorithm"); alg != "" {
		algs = append(algs, alg)
	}
	id, err := s.be.CreateUpload(rq.bucket, rq.key, meta, s.posixOwner(rq), algs)
	if err != nil {
		return err
	}
	return s3api.WriteXML(rq.w, 0, s3api.InitiateMultipartUploadResult{Xmlns: s3api.Namespace,
		Bucket: rq.bucket, Key: rq.key, UploadID: id})
}

func partNumber(v string) (int, error) {
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, &s3api.Error{Code: s3api.CodeInvalidArgument, Message: "Part number must be an integer between 1 and 10000, inclusive.",
			Extra: [][2]string{{"ArgumentName", "partNumber"}, {"ArgumentValue", v}}}
	}
	return n, nil
}

func (s *Server) uploadPart(rq *request) error {
	r := rq.r
	n, err := partNumber(rq.q.Get("partNumber"))
	if err != nil {
		return err
	}
	id := rq.q.Get("uploadId")
	if rq.op.Name == "UploadPartCopy" {
		return s.uploadPartCopy(rq, id, n)
	}
	if err := checkLength(r); err != nil {
		return err
	}
	var md5 []byte
	if h := r.Header.Get("Content-MD5"); h != "" {
		if md5, err = decodeMD5(h); err != nil {
			return err
		}
	}
	p, err := s.be.PutPart(rq.bucket, rq.key, id, n, io.LimitReader(rq.body, s.opts.MaxObjectSize+1), md5)
	if err != nil {
		return err
	}
	rq.w.Header().Set("ETag", `"`+p.ETag+`"`)
	rq.w.WriteHeader(http.StatusOK)
	return nil
}

func (s *Server) uploadPartCopy(rq *request, id string, n int) error {
	if _, err := s.be.UploadInfo(rq.bucket, rq.key, id); err != nil {
		return err
	}
	src, err := s.be.Open(rq.op.SourceBucket, rq.op.SourceKey)
	if err != nil {
		return err
	}
	defer src.Close()
	if err := preconditions(rq.r.Header, "x-amz-copy-source-", src.ObjectInfo, false); err != nil {
		return err
	}
	start, length := int64(0), src.Size
	if v := rq.r.Header.Get("x-amz-copy-source-range"); v != "" {
		rng, err := parseRange(v, src.Size)
		if rng == nil && err == nil {
			err = s3api.Errorf(s3api.CodeInvalidArgument, "The x-amz-copy-source-range value %q must be of the form bytes=first-last.", v)
		}
		if err != nil {
			e := s3api.AsError(err)
			return s3api.Errorf(s3api.CodeInvalidRange, "The x-amz-copy-source-range is not satisfiable: %s", e.Message)
		}
		start, length = rng.start, rng.end-rng.start+1
	}
	p, err := s.be.PutPart(rq.bucket, rq.key, id, n, io.NewSectionReader(src.File, start, length), nil)
	if err != nil {
		return err
	}
	return s3api.WriteXML(rq.w, 0, s3api.CopyPartResult{Xmlns: s3api.Namespace,
		LastModified: s3api.Time(p.ModTime), ETag: `"` + p.ETag + `"`})
}

func (s *Server) completeUpload(rq *request) error {
	id := rq.q.Get("uploadId")
	if _, err := s.be.UploadInfo(rq.bucket, rq.key, id); err != nil {
		return err
	}
	var c s3api.CompleteMultipartUpload
	if err := s.readXML(rq, &c); err != nil {
		return err
	}
	parts := make([]fsobj.CompletePart, 0, len(c.Parts))
	for _, p := range c.Parts {
		parts = append(parts, fsobj.CompletePart{Number: p.PartNumber, ETag: p.ETag})
	}
	info, err := s.be.Complete(rq.bucket, rq.key, id, parts)
	if err != nil {
		return err
	}
	scheme := "http"
	if rq.r.TLS != nil {
		scheme = "https"
	}
	loc := scheme + "://" + rq.r.Host + "/" + rq.bucket + "/" + rq.key
	return s3api.WriteXML(rq.w, 0, s3api.CompleteMultipartUploadResult{Xmlns: s3api.Namespace,
		Location: loc, Bucket: rq.bucket, Key: rq.key, ETag: `"` + info.ETag + `"`})
}

func (s *Server) abortUpload(rq *request) error {
	if err := s.be.Abort(rq.bucket, rq.key, rq.q.Get("uploadId")); err != nil {
		return err
	}
	rq.w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) listParts(rq *request) error {
	id := rq.q.Get("uploadId")
	maxParts, err := parseMax(rq.q, "max-parts", 1000)
	if err != nil {
		return err
	}
	marker := 0
	if v := rq.q.Get("part-number-marker"); v != "" {
		if marker, err = strconv.Atoi(strings.TrimSpace(v)); err != nil || marker < 0 {
			return s3api.Errorf(s3api.CodeInvalidArgument, "part-number-marker must be a non-negative integer, got %q.", v)
		}
	}
	parts, truncated, err := s.be.ListParts(rq.bucket, rq.key, id, marker, maxParts)
	if err != nil {
		return err
	}
	o := s.owner(rq)
	res := s3api.ListPartsResult{Xmlns: s3api.Namespace, Bucket: rq.bucket, Key: rq.key, UploadID: id,
		Initiator: o, Owner: o, StorageClass: "STANDARD", PartNumberMarker: marker, MaxParts: maxParts,
		IsTruncated: truncated, Parts: []s3api.Part{}}
	for _, p := range parts {
		res.Parts = append(res.Parts, s3api.Part{PartNumber: p.Number, LastModified: s3api.Time(p.ModTime),
			ETag: `"` + p.ETag + `"`, Size: p.Size})
		res.NextPartNumberMarker = p.Number
	}
	return s3api.WriteXML(rq.w, 0, res)
}
