package demo

import (
	"bytes"
	"image/png"
	"io"
	"net/http"
	"strings"
	"testing"
)

// The page's icon is served, so the browser's /favicon.ico request finds it.
func TestDemoFavicon(t *testing.T) {
	base, _ := startDemo(t)
	resp, err := http.Get(base + "/favicon.ico")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "image/png" {
		t.Fatalf("/favicon.ico: %d %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	img, err := png.Decode(bytes.NewReader(body))
	if err != nil || img.Bounds().Dx() != 32 || img.Bounds().Dy() != 32 {
		t.Fatalf("favicon: %v %v", err, img)
	}
	// Transparent corners, the logo's blue inside.
	if _, _, _, a := img.At(0, 0).RGBA(); a != 0 {
		t.Error("the icon's corner is not transparent")
	}
	if r, g, b, _ := img.At(4, 16).RGBA(); !(b > r && b > g) {
		t.Errorf("the icon is not blue: %v", img.At(4, 16))
	}
	page, err := http.Get(base + "/")
	if err != nil {
		t.Fatal(err)
	}
	html, _ := io.ReadAll(page.Body)
	page.Body.Close()
	if !strings.Contains(string(html), `rel="icon"`) {
		t.Error("the page links no icon")
	}
}
