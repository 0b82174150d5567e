package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func setSecrets(t *testing.T) {
	t.Setenv("FEISHU_APP_SECRET", "feishu-app-secret-value")
	t.Setenv("FEISHU_VERIFICATION_TOKEN", "feishu-verification-token-value")
	t.Setenv("FEISHU_ENCRYPT_KEY", "feishu-encrypt-key-value")
	t.Setenv("KSYUN_APP_SECRET", "ksyun-app-secret-value")
}

var secretValues = []string{"feishu-app-secret-value", "feishu-verification-token-value", "feishu-encrypt-key-value", "ksyun-app-secret-value"}

func TestExampleConfigChecksOK(t *testing.T) {
	setSecrets(t)
	var out, errOut bytes.Buffer
	code := run([]string{"check", "-v", "--config", "../../config.toml.example"}, &out, &errOut)
	if code != 0 {
		t.Fatalf("check exit %d: %s", code, errOut.String())
	}
	if !strings.Contains(out.String(), "OK") {
		t.Errorf("check output: %s", out.String())
	}
	for _, s := range secretValues {
		if strings.Contains(out.String()+errOut.String(), s) {
			t.Errorf("check -v printed a secret %q", s)
		}
	}
	if !strings.Contains(out.String(), "<secret>") {
		t.Errorf("check -v should show redacted secrets:\n%s", out.String())
	}
}

func TestCheckNamesEveryProblem(t *testing.T) {
	setSecrets(t)
	cfg := `
[server]
listen = "127.0.0.1:0"
colour = "blue"
[feishu]
app_id = "cli_x"
app_secret = "${FEISHU_APP_SECRET}"
verification_token = "tok"
[providers.ksyun]
app_id = "a"
app_secret = "${KSYUN_APP_SECRET}"
creator_name = "x"
[providers.jira]
url = "x"
[[chats]]
platform = "slack"
chat_id = "oc_1"
`
	path := filepath.Join(t.TempDir(), "c.toml")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	if code := run([]string{"check", "--config", path}, &out, &errOut); code != 1 {
		t.Fatalf("exit %d, want 1", code)
	}
	msg := errOut.String()
	for _, want := range []string{
		"server.colour: unknown key",
		"providers.jira: unknown provider",
		"feishu.encrypt_key",
		"providers.ksyun.customer_organization_id",
		"providers.ksyun.customer_organization_name",
		"providers.ksyun.repository_product_id",
		"providers.ksyun.creator_id",
		"chats[0].platform",
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("check output lacks %q:\n%s", want, msg)
		}
	}
	for _, s := range secretValues {
		if strings.Contains(msg, s) {
			t.Errorf("check printed secret %q", s)
		}
	}
}

func TestMissingEnvSecretIsNamed(t *testing.T) {
	t.Setenv("KSYUN_APP_SECRET", "x")
	os.Unsetenv("FEISHU_APP_SECRET")
	_, errs := ParseConfig([]byte(`
[feishu]
app_id = "cli"
app_secret = "${FEISHU_APP_SECRET}"
`))
	if len(errs) == 0 || !strings.Contains(errs[0].Error(), "FEISHU_APP_SECRET") {
		t.Fatalf("want an error naming FEISHU_APP_SECRET, got %v", errs)
	}
}

func TestVersionAndUsage(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := run([]string{"version"}, &out, &errOut); code != 0 || !strings.HasPrefix(out.String(), "ticketbot ") {
		t.Fatalf("version: %d %q", code, out.String())
	}
	if code := run([]string{"frobnicate"}, &out, &errOut); code != 2 {
		t.Fatalf("unknown command exit %d, want 2", code)
	}
}
