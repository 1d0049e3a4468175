// Package loadgen is a small, bounded HTTP load generator for loopback
// benchmarks of the reference server, and a reader of Go CPU profiles that
// tells how much of a server's CPU went to authentication.
//
// # Load
//
// [Run] sends requests built by a [RequestFunc] from a fixed number of
// workers until a request count or a duration is reached, whichever comes
// first, and reports requests per second, errors, status codes and latency
// percentiles in a [Result]. Every request must go to a loopback address
// (127.0.0.0/8, ::1 or "localhost"): Run refuses anything else, so a
// benchmark can never load a remote machine by mistake.
//
// # CPU profiles
//
// [AnalyzeCPU] reads a CPU profile as runtime/pprof writes it (gzipped
// protocol buffer) and splits its CPU time: the samples whose stack holds a
// scope frame (the server's goroutines: net/http.(*conn).serve), and among
// them those charged to a class of functions. A sample is charged to the
// innermost frame that belongs to the module (see [Options.Module]), so
// crypto/sha256 under sigv4 counts as sigv4, and an object handler called
// from inside an auth middleware still counts as the handler.
//
// # Not supported
//
//   - HTTP/2 and TLS load (the point is the server's auth cost on
//     loopback, not transport cost), open-loop (fixed-rate) load, and
//     coordinated-omission correction: latencies are measured closed-loop.
//   - Profiles other than CPU profiles, and the legacy text profile format.
package loadgen
