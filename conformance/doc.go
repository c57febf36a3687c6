// Package conformance owns Sundial's OpenMLDB conformance corpus: it loads the
// OpenMLDB-format test cases of testdata/conformance/cases.jsonl (one case per
// line, described in testdata/conformance/FORMAT.md) into Go values and
// prepares them for runners: it resolves the placeholders of the case texts
// ({0}, {auto}, {root_path}, {currentTime}-N, ...) and lists, in order, every
// SQL statement a case runs together with whether OpenMLDB expects that
// statement to succeed.
//
// The package does not parse or execute SQL; the tests of this package feed
// the statements to the sql package's parser (parse_test.go), and engine
// runners are expected to build on Load and Case.Statements.
//
// The case data is derived from the OpenMLDB project (Apache License 2.0);
// see testdata/conformance/NOTICE.
package conformance
