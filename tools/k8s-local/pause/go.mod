module pgscale.dev/offline/k8s-local-pause

go 1.22.0
