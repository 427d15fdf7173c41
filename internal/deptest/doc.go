// Package deptest holds the tests that keep the code's shape: which of our
// packages may import which (dependencies point one way, leaves import
// nothing of ours), and that every package says what it is for.
package deptest
