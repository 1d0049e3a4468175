// Package s3authtest provides fixtures for tests of code that uses s3auth,
// in the manner of net/http/httptest.
//
// # Clock
//
// [Clock] is a settable, concurrency-safe fake [s3auth.Clock]: tests move
// time with [Clock.Set] and [Clock.Advance] instead of sleeping, so expiry
// and clock-skew tests run in parallel and never flake.
//
// # Not supported
//
// Timers and tickers: Clock only answers Now.
package s3authtest
