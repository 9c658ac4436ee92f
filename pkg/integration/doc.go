// Package integration is the domain core of a connection's configuration: the
// per-side document that says how the partner's changes land in this side's
// platform, its validation against live platform picklists, and the pure
// mapping engine that turns one partner change into commands for the receiving
// platform.
//
// It does no I/O. Callers fetch catalogs and tickets, store the document,
// resolve linked ticket ids and execute the plans; keeping that out makes every
// rule here a table test and lets the sync functions cache compiled rules.
package integration
