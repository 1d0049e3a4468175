//go:build unix

package sigv4

import (
	"syscall"
	"time"
)

// payloadProcessCPU returns the user+system CPU time of the test process:
// the payload benchmarks report throughput per CPU second as well, because
// wall time is meaningless on a shared, overloaded machine.
func payloadProcessCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
