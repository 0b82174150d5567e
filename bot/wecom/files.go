package wecom

import (
	"context"
	"fmt"
	"io"
	"net/http"

	"github.com/ticketbot/ticketbot/bot"
	"github.com/ticketbot/ticketbot/internal/msgcrypt"
)

var _ bot.FileFetcher = (*WeCom)(nil)

// FetchFile downloads an image or file a person sent (a mixed message's image, a quoted one)
// and decrypts it: with the link's own aeskey where the message gave one (the long
// connection), else with the robot's EncodingAESKey (the HTTP callback). The link is good for
// five minutes (DOC 100719), so a download later than that fails, and says so. A file larger
// than max is refused before it is decrypted.
func (w *WeCom) FetchFile(ctx context.Context, _ string, f bot.FileRef, max int64) ([]byte, error) {
	const op = "fetch file"
	fail := func(msg string) error { return &APIError{Channel: "file", Op: op, Msg: msg} }
	if f.AESKey == "" && w.crypt == nil {
		return nil, fail("no key to decrypt it: the message gave none and encoding_aes_key is not set")
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, f.Key, nil)
	if err != nil {
		return nil, fail("bad download link")
	}
	resp, err := w.hc.Do(req)
	if err != nil {
		return nil, transportError("file", op, err) // without the link
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fail(fmt.Sprintf("HTTP %d (the link lasts five minutes)", resp.StatusCode))
	}
	// The ciphertext is the file padded to a whole 32 bytes: at most 32 more than max.
	data, err := io.ReadAll(io.LimitReader(resp.Body, max+33))
	if err != nil {
		return nil, transportError("file", op, err)
	}
	if int64(len(data)) > max+32 {
		return nil, fail(fmt.Sprintf("file is over the %d bytes allowed", max))
	}
	var plain []byte
	if f.AESKey != "" {
		plain, err = msgcrypt.OpenFileWith(f.AESKey, data)
	} else {
		plain, err = w.crypt.OpenFile(data)
	}
	if err != nil {
		return nil, fail("cannot decrypt it: " + err.Error())
	}
	if int64(len(plain)) > max {
		return nil, fail(fmt.Sprintf("file is %d bytes, over the %d allowed", len(plain), max))
	}
	return plain, nil
}
