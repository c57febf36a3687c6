// Package session is one user's connection to a Sundial instance: the current
// database, the settings (execute_mode, time zone), and the dispatcher that
// runs each statement: DDL against the catalog, INSERT (and LOAD DATA in
// online mode) into the tables' online stores, LOAD DATA in offline mode
// binding files, queries through the batch engine (offline mode) over the
// bound files and then the stored rows, read from the stores themselves (a
// row stored online is kept once, in its store), deployments and requests
// through the online engine over the same stores.
//
// An Instance is in memory (NewInstance) or durable (OpenInstance, or
// Recover on a new one; see durable.go): a durable instance appends every
// write to a write-ahead log before applying and acknowledging it — the rows
// stored by INSERT, InsertRows (the server's PUT) and LOAD DATA in online
// mode, and, once they succeed, CREATE DATABASE, CREATE/DROP TABLE, DEPLOY (so
// the indexes it adds) and DROP DEPLOYMENT — takes snapshots of the catalog
// and of every table's store, and recovers from the newest snapshot and the
// log's tail. Not durable: files bound by LOAD DATA in offline mode, rows
// given to AppendRows, indexes created by a request-mode SELECT, settings.
package session
