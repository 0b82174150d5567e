// Package layout holds no code: its tests check the rules of the repository's layout that the
// compiler does not, so a change that breaks one fails CI rather than a review. See
// ARCHITECTURE.md ("Invariants") for why each rule matters.
package layout
