package chromatest

import "syscall"

// procAttr makes the kernel stop the server if the test binary dies
// without running its cleanups (a panic, a timeout, a kill), so no server
// outlives its test.
func procAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
}
