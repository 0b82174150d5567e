package demo

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"sync"
)

// demoFavicon is the page's icon, the top bar's logo: a white T on a rounded square shaded
// from #3370ff to #4ec3ff, 32×32. Browsers ask for /favicon.ico whatever the page says, and
// a 404 there is the first error a new user sees in the console.
var demoFavicon = sync.OnceValue(func() []byte {
	const size, radius = 32, 8
	img := image.NewNRGBA(image.Rect(0, 0, size, size))
	from, to := color.NRGBA{0x33, 0x70, 0xff, 0xff}, color.NRGBA{0x4e, 0xc3, 0xff, 0xff}
	mix := func(a, b uint8, k float64) uint8 { return uint8(float64(a) + (float64(b)-float64(a))*k) }
	for y := range size {
		for x := range size {
			if !inRoundedSquare(x, y, size, radius) {
				continue
			}
			k := float64(x+y) / float64(2*(size-1))
			c := color.NRGBA{mix(from.R, to.R, k), mix(from.G, to.G, k), mix(from.B, to.B, k), 0xff}
			// The T: a bar across the top and a stem down the middle.
			if (y >= 8 && y < 12 && x >= 8 && x < 24) || (y >= 8 && y < 25 && x >= 14 && x < 18) {
				c = color.NRGBA{0xff, 0xff, 0xff, 0xff}
			}
			img.SetNRGBA(x, y, c)
		}
	}
	var buf bytes.Buffer
	_ = png.Encode(&buf, img) // writing to memory does not fail
	return buf.Bytes()
})

// inRoundedSquare reports whether pixel (x, y) lies in a size×size square with corners of
// radius r.
func inRoundedSquare(x, y, size, r int) bool {
	cx, cy := min(max(x, r), size-1-r), min(max(y, r), size-1-r)
	dx, dy := x-cx, y-cy
	return dx*dx+dy*dy <= r*r
}

func serveFavicon(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "image/png")
	w.Header().Set("Cache-Control", "public, max-age=86400")
	_, _ = w.Write(demoFavicon())
}
