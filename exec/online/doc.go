// Package online is the request-mode executor: a deployed query answers one
// request row at a time. The row is not stored; its windows are built from
// the rows the store holds for its key (SEMANTICS §2: every stored row with
// ts <= the request's is earlier than it), and its LAST JOINs look the right
// table up by index. Frames, aggregates and expressions are the same kernels
// the batch engine runs (exec/window, exec/agg, exec/expr), computed afresh
// over the frame, so that a request gives, bit for bit, the batch answer for
// the same row over the same earlier rows.
package online
