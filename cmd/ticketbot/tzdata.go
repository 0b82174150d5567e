package main

// The zone database is built in, so [bot] timezone loads on machines without one (scratch
// and distroless images, Windows).
import _ "time/tzdata"
