// Package bench holds Sundial's benchmarks against the systems a user would
// otherwise pick (shared/workloads/README.md).
package bench
