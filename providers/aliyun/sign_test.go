package aliyun

import (
	"net/url"
	"testing"
)

// The vectors of reference/ticket-providers.md §2.7, AccessKeyId testid, AccessKeySecret
// testsecret. V1-a is Aliyun's published example (签名机制 pages,
// Signature=CT9X0VtwR86fNWSnsc6v8YGOjuE%3D); V1-b exercises UTF-8, space, '*', '~' and the
// mixed-case sort.

func v1aParams(timestampKey string) map[string]string {
	return map[string]string{
		"Action":           "DescribeRegions",
		"Format":           "XML",
		"Version":          "2014-05-26",
		"AccessKeyId":      "testid",
		"SignatureMethod":  "HMAC-SHA1",
		"SignatureVersion": "1.0",
		"SignatureNonce":   "3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf",
		timestampKey:       "2016-02-23T12:46:24Z",
	}
}

func TestSignOfficialVector(t *testing.T) {
	// The published example spells the key TimeStamp; the published signature is over that.
	_, sig := signRequest("GET", "testsecret", v1aParams("TimeStamp"))
	if sig != "CT9X0VtwR86fNWSnsc6v8YGOjuE=" {
		t.Errorf("Signature = %s, want the published CT9X0VtwR86fNWSnsc6v8YGOjuE=", sig)
	}
	if got := percentEncode(sig); got != "CT9X0VtwR86fNWSnsc6v8YGOjuE%3D" {
		t.Errorf("encoded Signature = %s, want CT9X0VtwR86fNWSnsc6v8YGOjuE%%3D", got)
	}
}

func TestSignCorrectTimestampVector(t *testing.T) {
	canonical, sig := signRequest("GET", "testsecret", v1aParams("Timestamp"))
	wantSTS := "GET&%2F&AccessKeyId%3Dtestid%26Action%3DDescribeRegions%26Format%3DXML%26SignatureMethod%3DHMAC-SHA1%26SignatureNonce%3D3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf%26SignatureVersion%3D1.0%26Timestamp%3D2016-02-23T12%253A46%253A24Z%26Version%3D2014-05-26"
	if got := stringToSign("GET", canonical); got != wantSTS {
		t.Errorf("StringToSign =\n%s\nwant\n%s", got, wantSTS)
	}
	if sig != "OLeaidS1JvxuMvnyHOwuJ+uX5qY=" {
		t.Errorf("Signature = %s, want OLeaidS1JvxuMvnyHOwuJ+uX5qY=", sig)
	}
}

func TestSignCanonicalizationVector(t *testing.T) {
	params := map[string]string{
		"Action":           "QuestionReply",
		"questionContent":  "你好 world*~",
		"questionId":       "ABC",
		"AccessKeyId":      "testid",
		"Format":           "JSON",
		"SignatureMethod":  "HMAC-SHA1",
		"SignatureNonce":   "n1",
		"SignatureVersion": "1.0",
		"Timestamp":        "2024-01-01T00:00:00Z",
		"Version":          "2016-08-30",
	}
	canonical, sig := signRequest("POST", "testsecret", params)
	want := "AccessKeyId=testid&Action=QuestionReply&Format=JSON&SignatureMethod=HMAC-SHA1&SignatureNonce=n1&SignatureVersion=1.0&Timestamp=2024-01-01T00%3A00%3A00Z&Version=2016-08-30&questionContent=%E4%BD%A0%E5%A5%BD%20world%2A~&questionId=ABC"
	if canonical != want {
		t.Errorf("canonical =\n%s\nwant\n%s", canonical, want)
	}
	if sig != "PR+AFVWg16HD5eH2IVoa2peB2v0=" {
		t.Errorf("Signature = %s, want PR+AFVWg16HD5eH2IVoa2peB2v0=", sig)
	}
	// A Signature parameter already present is not signed.
	params["Signature"] = "stale"
	if c2, sig2 := signRequest("POST", "testsecret", params); c2 != want || sig2 != sig {
		t.Errorf("Signature was signed: %s", c2)
	}
}

func TestPercentEncode(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"AZaz09-_.~", "AZaz09-_.~"},
		{" ", "%20"},
		{"*", "%2A"},
		{"+", "%2B"},
		{"/", "%2F"},
		{"=&", "%3D%26"},
		{"%", "%25"},
		{":", "%3A"},
		{",", "%2C"},
		{"你", "%E4%BD%A0"},
		{"\n\t", "%0A%09"},
		{"😀", "%F0%9F%98%80"},
		{"\x00\xff", "%00%FF"},
	}
	for _, tt := range tests {
		if got := percentEncode(tt.in); got != tt.want {
			t.Errorf("percentEncode(%q) = %q, want %q", tt.in, got, tt.want)
		}
		// What Aliyun's encoding keeps apart from url.QueryEscape is exactly space, '*' and '~'.
		if got, err := url.PathUnescape(percentEncode(tt.in)); err != nil || got != tt.in {
			t.Errorf("percentEncode(%q) does not decode back: %q %v", tt.in, got, err)
		}
	}
}

func TestCanonicalQuerySortsBytewise(t *testing.T) {
	got := canonicalQuery(map[string]string{"b": "1", "B": "2", "a": "3", "A_": "4", "A": "5", "a b": "6"})
	want := "A=5&A_=4&B=2&a=3&a%20b=6&b=1"
	if got != want {
		t.Errorf("canonicalQuery = %s, want %s", got, want)
	}
}

func BenchmarkSign(b *testing.B) {
	params := map[string]string{
		"Action": "QuestionList", "Version": Version2016, "Format": "JSON", "AccessKeyId": "testid",
		"SignatureMethod": signatureMethod, "SignatureVersion": signatureVersion,
		"SignatureNonce": "3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf", "Timestamp": "2024-01-01T00:00:00Z",
		"Ids": "0005PYGCW,0005PYGCX,0005PYGCY", "PageSize": "100", "QuestionContent": "你好 world*~",
	}
	b.ReportAllocs()
	for b.Loop() {
		_, _ = signRequest("POST", "testsecret", params)
	}
}
