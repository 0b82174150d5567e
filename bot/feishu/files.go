package feishu

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"

	larkcore "github.com/larksuite/oapi-sdk-go/v3/core"

	"github.com/ticketbot/ticketbot/bot"
)

// pathResource downloads a file or image of a message (DOC 获取消息中的资源文件; permission
// im:message or im:message:readonly).
const pathResource = "/open-apis/im/v1/messages/:message_id/resources/:file_key"

var _ bot.FileFetcher = (*Feishu)(nil)

// FetchFile downloads a file or image a person sent with a message. A file larger than max
// is refused before it is kept.
func (f *Feishu) FetchFile(ctx context.Context, messageID string, file bot.FileRef, max int64) ([]byte, error) {
	const op = "fetch file"
	kind := file.Kind
	if kind != "image" {
		kind = "file"
	}
	req := &larkcore.ApiReq{
		HttpMethod:                http.MethodGet,
		ApiPath:                   pathResource,
		PathParams:                larkcore.PathParams{"message_id": messageID, "file_key": file.Key},
		QueryParams:               larkcore.QueryParams{"type": []string{kind}},
		SupportedAccessTokenTypes: []larkcore.AccessTokenType{larkcore.AccessTokenTypeTenant},
	}
	for attempt := 0; ; attempt++ {
		tok, err := f.tenantToken(ctx, op)
		if err != nil {
			return nil, err
		}
		resp, err := f.lark.Do(ctx, req, larkcore.WithTenantAccessToken(tok))
		if err != nil {
			return nil, transportError(op, err)
		}
		if resp.StatusCode == http.StatusOK && !isJSON(resp.Header) {
			if int64(len(resp.RawBody)) > max {
				return nil, &APIError{Op: op, Msg: fmt.Sprintf("file is %d bytes, over the %d allowed", len(resp.RawBody), max)}
			}
			return resp.RawBody, nil
		}
		var env struct {
			Code int    `json:"code"`
			Msg  string `json:"msg"`
		}
		jsonErr := json.Unmarshal(resp.RawBody, &env)
		if jsonErr == nil && attempt == 0 && isTokenInvalid(env.Code) {
			f.token.drop(tok)
			continue
		}
		if apiErr := responseError(op, resp.StatusCode, resp.Header, env.Code, env.Msg, jsonErr); apiErr != nil {
			return nil, apiErr
		}
		return nil, &APIError{Op: op, Msg: "no file in the answer"}
	}
}

func isJSON(h http.Header) bool {
	ct := h.Get("Content-Type")
	return len(ct) >= 16 && ct[:16] == "application/json"
}
