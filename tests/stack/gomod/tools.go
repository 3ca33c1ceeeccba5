//go:build tools

// Package teststack records the commands this module builds, so that
// go mod tidy keeps their dependencies in go.mod and go.sum.
package teststack

import (
	_ "go.etcd.io/etcd/server/v3"
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kubectl"
)
