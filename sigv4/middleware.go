package sigv4

import (
	"context"
	"net/http"
)

type ctxKey struct{}

// NewContext returns ctx carrying res; [FromContext] returns it.
func NewContext(ctx context.Context, res *Result) context.Context {
	return context.WithValue(ctx, ctxKey{}, res)
}

// FromContext returns the [Result] stored by [Middleware] or [NewContext].
func FromContext(ctx context.Context) (*Result, bool) {
	res, ok := ctx.Value(ctxKey{}).(*Result)
	return res, ok && res != nil
}

// Middleware verifies every request with v before calling next. A request
// that fails verification gets an S3 XML error (see [WriteError]) and never
// reaches next. Otherwise next sees the [Result] through [FromContext] and,
// when the request has a body, reads the verifying [Body] as r.Body.
// Anonymous requests are passed on with a Result of [AuthAnonymous]; next
// decides whether to serve them.
//
// The Resource element of an error is the request path; the RequestId is
// the X-Amz-Request-Id response header if an outer handler already set it.
func Middleware(v *Verifier, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		res, err := v.Verify(r)
		if err != nil {
			WriteError(w, err, r.URL.Path, w.Header().Get("X-Amz-Request-Id"))
			return
		}
		next.ServeHTTP(w, r.WithContext(NewContext(r.Context(), res)))
	})
}
