package server

import "time"

// SetFastPathTimeouts sets readHeaderTimeout, idleTimeout and the event
// loops' sweep interval, so that tests of the timeouts take a second, not
// minutes. Call it before Serve and restore after Serve has returned.
func SetFastPathTimeouts(header, idle, sweep time.Duration) (restore func()) {
	h, i, s := readHeaderTimeout, idleTimeout, loopSweep
	readHeaderTimeout, idleTimeout, loopSweep = header, idle, sweep
	return func() { readHeaderTimeout, idleTimeout, loopSweep = h, i, s }
}

// SetFastPathBodyWriteTimeouts sets bodyTimeout and writeTimeout, as
// SetFastPathTimeouts does the others.
func SetFastPathBodyWriteTimeouts(body, write time.Duration) (restore func()) {
	b, w := bodyTimeout, writeTimeout
	bodyTimeout, writeTimeout = body, write
	return func() { bodyTimeout, writeTimeout = b, w }
}

// SetFastAnswerHook makes f run before every answer of the fast path (see
// testHookAnswer), under the same rules.
func SetFastAnswerHook(f func()) (restore func()) {
	old := testHookAnswer
	testHookAnswer = f
	return func() { testHookAnswer = old }
}

// SetFastPathSendBuffer sets the send buffer of the connections Serve
// accepts (see testSendBuffer).
func SetFastPathSendBuffer(n int) (restore func()) {
	old := testSendBuffer
	testSendBuffer = n
	return func() { testSendBuffer = old }
}
