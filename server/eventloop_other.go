//go:build !linux

package server

import "net"

const defaultFastPath = FastPathGoroutine

// eventLoops are Linux's (eventloop_linux.go, over epoll); elsewhere
// FastPathLoop reads each connection in a goroutine, as FastPathGoroutine.
type eventLoops struct{}

func startEventLoops(*fastServer, int) (*eventLoops, error) { return nil, nil }

func (*eventLoops) take(net.Conn) bool { return false }
func (*eventLoops) wake()              {}
func (*eventLoops) closeAll()          {}
