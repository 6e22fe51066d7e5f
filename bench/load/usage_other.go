//go:build !unix

package load

import "time"

// processCPU returns zero: the process's CPU time is not read on this platform.
func processCPU() time.Duration { return 0 }
