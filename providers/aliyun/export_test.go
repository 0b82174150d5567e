package aliyun

import "context"

// What the external tests (package aliyun_test: they use the fake in aliyuntest, which imports
// this package, so they cannot be in it) need of the package's internals and of the internal
// tests' helpers. Test builds only; not part of the package's API.

const (
	FindPageSize    = findPageSize
	MaxResponse     = maxResponse
	ReadAttempts    = readAttempts
	TimestampLayout = timestampLayout
)

var (
	FixedNow        = fixedNow
	FixedClock      = fixedClock
	NoteEqual       = noteEqual
	ValidConfig     = validConfig
	PercentEncode   = percentEncode
	SignRequest     = signRequest
	NewNonce        = newNonce
	SleepCtx        = sleepCtx
	UnitName        = unitName
	LegacySpellings = legacySpellings
)

// OSSGrant is what getOSSTempAuthor and GetAttachmentUploadUrl answer.
type OSSGrant = ossGrant

// RawStatusValue is the 2021 Status.Value of a raw status in any accepted form.
func RawStatusValue(raw string) string { return statusIndex[normalizeStatus(raw)].value }

// Is2021 reports whether p speaks the 2021-06-10 API.
func (p *Provider) Is2021() bool { return p.v2021 }

// Call sends one signed RPC call.
func (p *Provider) Call(ctx context.Context, action string, params map[string]string, out any) error {
	return p.c.call(ctx, rpc{action: action, params: params}, out)
}

// OSSSend sends one OSS request.
func (p *Provider) OSSSend(ctx context.Context, op, method, target, contentType string, body []byte) error {
	return p.ossSend(ctx, op, method, target, contentType, body)
}
