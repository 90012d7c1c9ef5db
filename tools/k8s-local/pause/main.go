// The pod sandbox ("pause") process of the local Kubernetes: holds the pod's namespaces, reaps
// orphaned children (it is PID 1 of pods sharing a PID namespace) and exits on SIGINT/SIGTERM.
// Same job as upstream's pause.c, which needs a C toolchain and a registry to ship.
package main

import (
	"os"
	"os/signal"
	"syscall"
)

func main() {
	sigs := make(chan os.Signal, 8)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM, syscall.SIGCHLD)
	for s := range sigs {
		if s != syscall.SIGCHLD {
			os.Exit(0)
		}
		for {
			var ws syscall.WaitStatus
			if pid, err := syscall.Wait4(-1, &ws, syscall.WNOHANG, nil); pid <= 0 || err != nil {
				break
			}
		}
	}
}
