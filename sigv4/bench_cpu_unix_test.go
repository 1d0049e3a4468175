//go:build unix

package sigv4_test

import (
	"syscall"
	"time"
)

// processCPU returns the user+system CPU time of the test process. The
// benchmarks report it per operation because wall time is meaningless on a
// shared, overloaded machine.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
