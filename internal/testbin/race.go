//go:build race

package testbin

// race is true when this package is compiled with -race, as the test that imports it is.
const race = true
