package app

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// aesKey43 is a well-formed EncodingAESKey (43 base64 characters).
const aesKey43 = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQ"

// allSecrets are distinctive values for every secret the example names, set in the
// environment by setSecrets.
var allSecrets = map[string]string{
	"FEISHU_APP_SECRET":         "feishu-app-secret-value",
	"FEISHU_VERIFICATION_TOKEN": "feishu-verification-token-value",
	"FEISHU_ENCRYPT_KEY":        "feishu-encrypt-key-value",
	"KSYUN_APP_SECRET":          "ksyun-app-secret-value",
	"WECOM_TOKEN":               "wecom-token-value",
	"WECOM_AES_KEY":             "Zq8Hy3Lk0Vb6Nm1Xc5Rt9Wp2Sd7Fg4Jh0Ka3Ub6Ie9O",
	"WECOM_BOT_SECRET":          "wecom-bot-secret-value",
	"WECOM_ROBOT_KEY_OPS":       "wecom-robot-key-value",
	"ALIYUN_ACCESS_KEY_SECRET":  "aliyun-access-key-secret-value",
	"WEIBAN_SECRET":             "weiban-secret-value",
	"WEIBAN_EVENT_TOKEN":        "weiban-event-token-value",
	"WEIBAN_EVENT_AES_KEY":      "Pq9Wo8Ei7Ru6Ty5Yu4Ui3Op2As1Df0Gh9Jk8Lz7Xc6V",
}

func setSecrets(t *testing.T) {
	t.Helper()
	for k, v := range allSecrets {
		t.Setenv(k, v)
	}
}

// unsetEnv removes variables for the test and restores them after.
func unsetEnv(t *testing.T, names ...string) {
	t.Helper()
	for _, n := range names {
		t.Setenv(n, "") // registers the restore
		os.Unsetenv(n)
	}
}

func writeConfig(t *testing.T, text string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "c.toml")
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// filledExample is config.toml.example with its two active placeholders filled in, as a
// new team would after copying it.
func filledExample(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("../../config.toml.example")
	if err != nil {
		t.Fatal(err)
	}
	s := strings.Replace(string(b), `app_id = "cli_xxx"`, `app_id = "cli_a1b2c3d4e5f6"`, 1)
	return strings.Replace(s, `app_id = "your-app-id"`, `app_id = "ks-app-1"`, 1)
}

// checkProblems runs `ticketbot check` on the text and returns the problems it lists.
func checkProblems(t *testing.T, path string) (problems []string, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	if code := Check(path, CheckOptions{}, &out, &errOut); code != 1 {
		t.Fatalf("exit %d, want 1\nstdout: %s\nstderr: %s", code, out.String(), errOut.String())
	}
	lines := strings.Split(strings.TrimRight(errOut.String(), "\n"), "\n")
	for _, l := range lines[1:] {
		problems = append(problems, strings.TrimPrefix(l, "  - "))
	}
	return problems, errOut.String()
}

func TestCheckReportsEveryProblemOnceInFileOrder(t *testing.T) {
	// A complete configuration that checks OK; each case changes it.
	const base = `
[server]
listen = "127.0.0.1:8080"
[store]
dsn = "ticketbot.db"
[bot]
default_provider = "ksyun"
[feishu]
app_id = "cli_a1b2c3d4e5f6"
app_secret = "${FEISHU_APP_SECRET}"
verification_token = "${FEISHU_VERIFICATION_TOKEN}"
encrypt_key = "${FEISHU_ENCRYPT_KEY}"
[providers.ksyun]
app_id = "ks-app-1"
app_secret = "${KSYUN_APP_SECRET}"
customer_organization_id = 1
customer_organization_name = "北京金山云网络技术有限公司"
repository_product_id = 36
type = 1
creator_id = 38361
creator_name = "姜程"
`
	edit := func(pairs ...string) string { return strings.NewReplacer(pairs...).Replace(base) }
	for _, tc := range []struct {
		name  string
		text  string
		unset []string
		want  []string
	}{
		{
			// The reported case: one vendor secret unset gave ten problems, seven of them
			// "unknown key" for valid keys, a different set each run.
			name:  "one unset variable is one problem",
			text:  base,
			unset: []string{"KSYUN_APP_SECRET"},
			want:  []string{"providers.ksyun.app_secret: environment variable KSYUN_APP_SECRET is not set"},
		},
		{
			name:  "every unset variable",
			text:  base,
			unset: []string{"KSYUN_APP_SECRET", "FEISHU_ENCRYPT_KEY", "FEISHU_APP_SECRET"},
			want: []string{
				"feishu.app_secret: environment variable FEISHU_APP_SECRET is not set",
				"feishu.encrypt_key: environment variable FEISHU_ENCRYPT_KEY is not set",
				"providers.ksyun.app_secret: environment variable KSYUN_APP_SECRET is not set",
			},
		},
		{
			name: "typos suggest the nearest key, without a cascade",
			text: edit(`listen =`, `lisen =`, `app_secret = "${FEISHU`, `app_secert = "${FEISHU`, `[providers.ksyun]`, "[providers.ksyn]\n[providers.ksyun]",
				`type = 1`, "tpye = 1\ncolour = \"blue\"") + "[feishuu]\nx = 1\n[providers.jira]\nurl = \"x\"\n",
			want: []string{
				"server.lisen: unknown key (did you mean listen?)",
				"feishu.app_secert: unknown key (did you mean app_secret?)",
				"providers.ksyn: unknown provider (did you mean ksyun?)",
				"providers.ksyun.tpye: unknown key (did you mean type?)",
				"providers.ksyun.colour: unknown key (known: app_id, app_secret, base_url, creator_id, creator_name, customer_organization_id, customer_organization_name, priority, product_lines, repository_product_id, sign_algo, sign_case, sign_template, success_codes, timeout, timestamp_unit, type)",
				"feishuu: unknown section (did you mean feishu?)",
				"providers.jira: unknown provider (known: aliyun, ksyun, weiban)",
			},
		},
		{
			// Read as the section meant: its own problems are named, placed where it is
			// written, and nothing follows from its absence ("no provider is configured").
			name: "a misspelt section is still checked",
			text: strings.Replace(edit("[feishu]", "[feishuu]", "[providers.ksyun]", "[providers.ksyn]", "customer_organization_id = 1\n", "",
				"creator_id = 38361", `creator_id = "38361"`), "encrypt_key", "encrypt_kee", 1) + "[log]\nlevle = \"loud\"\n",
			want: []string{
				"feishuu: unknown section (did you mean feishu?)",
				"feishuu.encrypt_kee: unknown key (did you mean encrypt_key?)",
				"providers.ksyn: unknown provider (did you mean ksyun?)",
				`providers.ksyn.creator_id: must be a whole number, not text "38361"`,
				"providers.ksyun.customer_organization_id: required",
				"log.levle: unknown key (did you mean level?)",
				`log.level: unknown level "loud"`,
			},
		},
		{
			name: "wrong types name the key and the type, never a secret",
			text: edit(`listen = "127.0.0.1:8080"`, "listen = 8080\nmax_body = \"1MB\"", `app_secret = "${FEISHU_APP_SECRET}"`, `app_secret = 123456`,
				`creator_id = 38361`, `creator_id = "38361"`) + "[watch]\nenabled = \"yes\"\n[[chats]]\nplatform = \"feishu\"\nchat_id = \"oc_1\"\nadmins = [\"ou_1\", 2]\n[bot.retry]\nbase = 2\n",
			want: []string{
				"server.listen: must be text in quotes, not the number 8080",
				"server.max_body: must be a whole number, not text \"1MB\"",
				"feishu.app_secret: must be text in quotes, not a number",
				"providers.ksyun.creator_id: must be a whole number, not text \"38361\"",
				"watch.enabled: must be true or false, not text \"yes\"",
				"chats[0].admins[1]: must be text in quotes, not the number 2",
				"bot.retry.base: must be a duration in quotes such as \"30s\", not the number 2",
			},
		},
		{
			name: "a section of the wrong shape is one problem",
			// No "feishu.app_id is required", no "no chat platform is configured".
			text: "feishu = 5\n" + edit("[feishu]\n", "[x]\n", "app_id = \"cli_a1b2c3d4e5f6\"\napp_secret = \"${FEISHU_APP_SECRET}\"\nverification_token = \"${FEISHU_VERIFICATION_TOKEN}\"\nencrypt_key = \"${FEISHU_ENCRYPT_KEY}\"\n", ""),
			want: []string{
				"feishu: must be a table ([feishu]), not the number 5",
				"x: unknown section (known: bot, chats, feishu, log, providers, retention, server, store, users, watch, wecom)",
			},
		},
		{
			name: "placeholders from the example",
			text: edit(`"cli_a1b2c3d4e5f6"`, `"cli_xxx"`, `"ks-app-1"`, `"your-app-id"`) +
				"[[chats]]\nplatform = \"feishu\"\nchat_id = \"oc_xxx\"\nmembers = [\"ou_yyy\"]\n[providers.aliyun]\naccess_key_id = \"LTAI...\"\naccess_key_secret = \"${ALIYUN_ACCESS_KEY_SECRET}\"\nali_uid = 1\nproduct_id = 4\n",
			want: []string{
				`feishu.app_id: "cli_xxx" is a placeholder from config.toml.example: put your own value here`,
				`providers.ksyun.app_id: "your-app-id" is a placeholder from config.toml.example: put your own value here`,
				`chats[0].chat_id: "oc_xxx" is a placeholder from config.toml.example: put your own value here`,
				`chats[0].members[0]: "ou_yyy" is a placeholder from config.toml.example: put your own value here`,
				`providers.aliyun.access_key_id: "LTAI..." is a placeholder from config.toml.example: put your own value here`,
				// The variable holds a placeholder: said without its value.
				`providers.aliyun.access_key_secret: the value is a placeholder, not a real one: set the real value`,
			},
		},
		{
			name: "mode-specific requirements say the mode",
			text: edit("encrypt_key = \"${FEISHU_ENCRYPT_KEY}\"\n", "") + "[wecom]\nmode = \"websocket\"\n",
			want: []string{
				"feishu.encrypt_key is required in webhook mode",
				"wecom.bot_id is required in websocket mode",
				"wecom.secret is required in websocket mode",
			},
		},
		{
			name: "missing keys follow their section's keys, in the section's order",
			text: edit("customer_organization_id = 1\n", "", "creator_name = \"姜程\"\n", "", "repository_product_id = 36\n", "") + "[log]\nlevel = \"loud\"\n",
			want: []string{
				"providers.ksyun.customer_organization_id: required",
				"providers.ksyun.repository_product_id: required",
				"providers.ksyun.creator_name: required",
				`log.level: unknown level "loud"`,
			},
		},
		{
			name: "whole-file problems come last",
			text: "[store]\ndriver = \"mysql\"\n[bot]\ndefault_provider = \"ksyun\"\n",
			want: []string{
				`store.driver: unknown driver "mysql" (sqlite or postgres)`,
				`bot.default_provider: "ksyun" is not a configured provider`,
				"no chat platform is configured: add a [feishu] or [wecom] section",
				"no provider is configured: add a [providers.ksyun], [providers.aliyun] or [providers.weiban] section",
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			setSecrets(t)
			t.Setenv("ALIYUN_ACCESS_KEY_SECRET", "your-aliyun-secret")
			unsetEnv(t, tc.unset...)
			path := writeConfig(t, tc.text)
			got, first := checkProblems(t, path)
			if !slices.Equal(got, tc.want) {
				t.Fatalf("problems:\n  %s\nwant:\n  %s", strings.Join(got, "\n  "), strings.Join(tc.want, "\n  "))
			}
			for _, v := range append(slices.Collect(mapValues(allSecrets)), "your-aliyun-secret", "123456") {
				if strings.Contains(first, v) {
					t.Errorf("check printed the secret %q", v)
				}
			}
			// Same file, same answer: nothing may depend on map order.
			for range 10 {
				if _, again := checkProblems(t, path); again != first {
					t.Fatalf("a second run differs:\n%s\nfirst:\n%s", again, first)
				}
			}
		})
	}
}

func mapValues(m map[string]string) func(func(string) bool) {
	return func(yield func(string) bool) {
		for _, v := range m {
			if !yield(v) {
				return
			}
		}
	}
}

// TestExampleKnowsEveryKeyAndOnlyPlaceholdersFail uncomments every key of
// config.toml.example: each must be known, and the only problems left are its placeholders,
// found by the one generic check.
func TestExampleKnowsEveryKeyAndOnlyPlaceholdersFail(t *testing.T) {
	setSecrets(t)
	b, err := os.ReadFile("../../config.toml.example")
	if err != nil {
		t.Fatal(err)
	}
	commented := regexp.MustCompile(`(?m)^# (\[|[A-Za-z0-9_"]+ = )`)
	text := commented.ReplaceAllString(string(b), "$1")
	got, _ := checkProblems(t, writeConfig(t, text))
	placeholder := regexp.MustCompile(`^(\S+): "[^"]*" is a placeholder from config.toml.example: put your own value here$`)
	var keys []string
	for _, p := range got {
		if strings.HasPrefix(p, "server.tls_cert: cannot load the certificate and key: open /etc/ticketbot/tls/cert.pem") {
			continue // the example's certificate is a path to show, not a file: check loads it
		}
		m := placeholder.FindStringSubmatch(p)
		if m == nil {
			t.Errorf("not a placeholder problem: %s", p)
			continue
		}
		keys = append(keys, m[1])
	}
	for _, want := range []string{"feishu.app_id", "feishu.bot_open_id", "wecom.bot_id", "providers.ksyun.app_id",
		"providers.aliyun.access_key_id", "providers.weiban.corp_id", "providers.weiban.staff_id",
		"chats[0].chat_id", "chats[0].admins[0]", "chats[0].members[0]", "users[0].ids.feishu"} {
		if !slices.Contains(keys, want) {
			t.Errorf("the placeholder of %s was not found; found %v", want, keys)
		}
	}
}

func TestIsPlaceholder(t *testing.T) {
	for _, s := range []string{"cli_xxx", "ou_xxx", "oc_xxx", "ou_yyy", "LTAI...", "aib...", "...", "…", "your-app-id",
		"Your_Secret", "<your app id>", "xxx", " cli_xxx "} {
		if !isPlaceholder(s) {
			t.Errorf("isPlaceholder(%q) = false", s)
		}
	}
	for _, s := range []string{"cli_a1b2c3d4e5f6", "ks-app", "693a91f6-7xxx", "oc_5ad11d72b830411d72b836c20", "姜程", "ticketbot.db",
		"https://open.feishu.cn", "{app_id}{timestamp}{app_secret}", "yours", "", "x"} {
		if isPlaceholder(s) {
			t.Errorf("isPlaceholder(%q) = true", s)
		}
	}
}

func TestNearestKey(t *testing.T) {
	names := []string{"app_id", "app_secret", "encrypt_key", "mode", "type", "listen", "base_url"}
	for in, want := range map[string]string{
		"app_secert": "app_secret", "appid": "app_id", "App_ID": "app_id", "app-id": "app_id", "mdoe": "mode",
		"tpye": "type", "encrypt": "encrypt_key", "lisetn": "listen", "baseurl": "base_url",
		"colour": "", "x": "", "timeout": "", "secret": "",
	} {
		if got := nearest(in, names); got != want {
			t.Errorf("nearest(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestMissingEnvSecretIsNamed(t *testing.T) {
	unsetEnv(t, "FEISHU_APP_SECRET")
	_, errs := parseConfig([]byte(`
[feishu]
app_id = "cli"
app_secret = "${FEISHU_APP_SECRET}"
`))
	if len(errs) == 0 || errs[0].Error() != "feishu.app_secret: environment variable FEISHU_APP_SECRET is not set" {
		t.Fatalf("want an error naming FEISHU_APP_SECRET first, got %v", errs)
	}
}

// TestCheckVerbosePrintsTheEffectiveConfiguration: defaults are filled in as the server will
// use them, the SQLite path is shown, and no secret is, though every one is set.
func TestCheckVerbosePrintsTheEffectiveConfiguration(t *testing.T) {
	setSecrets(t)
	db := filepath.Join(t.TempDir(), "team.db")
	text := filledExample(t) + `
[wecom]
token = "${WECOM_TOKEN}"
encoding_aes_key = "${WECOM_AES_KEY}"
[providers.aliyun]
access_key_id = "LTAI5tExample"
access_key_secret = "${ALIYUN_ACCESS_KEY_SECRET}"
ali_uid = 1234567890123456
product_id = 4
[providers.weiban]
corp_id = "ww1234567890"
secret = "${WEIBAN_SECRET}"
staff_id = "bot"
event_token = "${WEIBAN_EVENT_TOKEN}"
event_aes_key = "${WEIBAN_EVENT_AES_KEY}"
[[chats]]
platform = "feishu"
chat_id = "oc_5ad11d72b830411d72b836c20"
[[chats]]
platform = "wecom"
chat_id = "wrkSFfCgAA5ad11d72b830"
webhook_key = "${WECOM_ROBOT_KEY_OPS}"
`
	text = strings.Replace(text, `dsn = "ticketbot.db"`, `dsn = "`+db+`"`, 1)
	var out, errOut bytes.Buffer
	if code := Check(writeConfig(t, text), CheckOptions{Verbose: true}, &out, &errOut); code != 0 {
		t.Fatalf("check exit %d: %s", code, errOut.String())
	}
	got := out.String()
	for _, s := range allSecrets {
		if strings.Contains(got+errOut.String(), s) {
			t.Errorf("check -v printed the secret %q", s)
		}
	}
	for _, want := range []string{
		`dsn = "` + db + `"`,
		// [bot]: the dispatcher's, the rate limit's and the outbox's defaults.
		"workers = 8", "queue = 1024", `weekly_report = "mon 09:30"`, `action_wait = "2.5s"`, `command_timeout = "1m"`, "commands_per_minute = 20",
		`base = "2s"`, `max = "5m"`, `give_up_after = "24h"`, `lease = "2m"`, `every = "1s"`,
		// [watch]: the watcher's.
		"enabled = true", "concurrency = 4", "batch = 100", "closed_every = 10", `closed_for = "72h"`, "in_thread = true",
		// The platforms' and vendors' own.
		`app_secret = "<secret>"`, `mode = "webhook"`, `api_base_url = "https://qyapi.weixin.qq.com"`, "chat_type = 2",
		`webhook_key = "<secret>"`, `access_key_secret = "<secret>"`, `api_version = "2016-08-30"`, `param_names = "sdk"`,
		`event_aes_key = "<secret>"`, `base_url = "https://open.weibanzhushou.com"`, "notify_notes = true",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("check -v lacks %q:\n%s", want, got)
		}
	}
	// Nothing that has a default is shown as zero or empty.
	for _, zero := range regexp.MustCompile(`(?m)^\s*(\w+) = (0|""|\[\])$`).FindAllStringSubmatch(got, -1) {
		switch zero[1] {
		case "templates_dir", "bot_open_id", "bot_id", "secret", "handler_id", "template_id", "phone", "email",
			"sms_alert_time", "region_id", "customer_common_question_id", "category_id", "provider", "quiet_hours", "daily_summary", "weekly_report",
			"tls_cert", "tls_key":
			// Optional, no default: empty means unused.
		default:
			t.Errorf("check -v shows %s = %s, which has a default", zero[1], zero[2])
		}
	}
	// What is printed reads back as the same configuration.
	if _, errs := parseConfig([]byte(strings.SplitN(got, "\n\n", 2)[1])); len(errs) > 0 {
		for _, e := range errs {
			if !strings.Contains(e.Error(), "placeholder") { // "<secret>" reads as one
				t.Errorf("check -v output does not read back: %v", e)
			}
		}
	}
}

// [[users]] written the old way (feishu_open_id, ksyun_creator_id as a number) still maps the
// person, and check says how to write it now; a name in ids that is no platform or vendor is
// refused by name.
func TestUsersIDsAndTheirOldKeys(t *testing.T) {
	setSecrets(t)
	base := filledExample(t)
	old := base + "\n[[users]]\nname = \"张三\"\nfeishu_open_id = \"ou_zhang\"\nksyun_creator_id = 38361\n"
	cfg, errs := loadConfig(writeConfig(t, old))
	if len(errs) > 0 {
		t.Fatalf("old keys refused: %v", errs)
	}
	u := cfg.Users[0]
	if u.IDs["feishu"] != "ou_zhang" || u.VendorID("ksyun") != "38361" || u.Name != "张三" {
		t.Fatalf("old keys read as %+v", u)
	}
	want := []string{
		`users[0].feishu_open_id is still read, but write it as ids = { feishu = "ou_zhang" } (one ids table per person holds every platform and vendor)`,
		`users[0].ksyun_creator_id is still read, but write it as ids = { ksyun = "38361" } (one ids table per person holds every platform and vendor)`,
	}
	ws := warnings(cfg)
	for _, w := range want {
		if !slices.Contains(ws, w) {
			t.Errorf("warnings %q lack %q", ws, w)
		}
	}

	now := base + "\n[[users]]\nname = \"张三\"\nids = { feishu = \"ou_zhang\", ksyun = \"38361\" }\n"
	cfg, errs = loadConfig(writeConfig(t, now))
	if len(errs) > 0 || cfg.Users[0].VendorID("ksyun") != "38361" || len(cfg.legacy) != 0 {
		t.Fatalf("ids: %+v %v %v", cfg.Users, errs, cfg.legacy)
	}

	bad := base + "\n[[users]]\nids = { feishu = \"ou_zhang\", tencent = \"1\" }\n[[users]]\nids = { ksyun = \"2\" }\n"
	got, _ := checkProblems(t, writeConfig(t, bad))
	for _, w := range []string{
		`users[0].ids.tencent: no platform or vendor is called "tencent" (platforms: feishu, wecom; vendors: ksyun, aliyun, weiban)`,
		`users[1].ids: needs the person's id on a chat platform (feishu or wecom), e.g. ids = { feishu = "…" }`,
	} {
		if !slices.Contains(got, w) {
			t.Errorf("problems %q lack %q", got, w)
		}
	}
}

// TestCheckBotDeadlines: [bot] action_wait is the card answer deadline and must leave Feishu
// (3 s) room for the network; command_timeout is a positive duration. A refusal names the key
// and, for action_wait, the limit.
func TestCheckBotDeadlines(t *testing.T) {
	setSecrets(t)
	for _, tc := range []struct {
		key, value string
		want       string // a part of the one problem; "" for none
	}{
		{"action_wait", `"2.5s"`, ""},
		{"action_wait", `"2999ms"`, ""},
		{"action_wait", `"100ms"`, ""},
		{"action_wait", `"3s"`, "bot.action_wait: \"3s\" is too long: Feishu wants a card click answered within 3s"},
		{"action_wait", `"5s"`, "bot.action_wait: \"5s\" is too long"},
		{"action_wait", `"0s"`, "bot.action_wait: \"0s\" is not a positive duration"},
		{"action_wait", `"-1s"`, "bot.action_wait: \"-1s\" is not a positive duration"},
		{"action_wait", `"soon"`, `bot.action_wait: "soon" is not a duration`},
		{"command_timeout", `"60s"`, ""},
		{"command_timeout", `"5m"`, ""},
		{"command_timeout", `"0s"`, "bot.command_timeout: want a positive duration"},
		{"command_timeout", `"-5s"`, "bot.command_timeout: want a positive duration"},
		{"command_timeout", `"a minute"`, `bot.command_timeout: "a minute" is not a duration`},
	} {
		t.Run(tc.key+"="+tc.value, func(t *testing.T) {
			text := strings.Replace(filledExample(t), "[bot]\n", "[bot]\n"+tc.key+" = "+tc.value+"\n", 1)
			_, errs := parseConfig([]byte(text))
			var got []string
			for _, e := range errs {
				if strings.HasPrefix(e.Error(), "bot.") {
					got = append(got, e.Error())
				}
			}
			switch {
			case tc.want == "" && len(got) > 0:
				t.Errorf("refused: %v", got)
			case tc.want != "" && (len(got) != 1 || !strings.Contains(got[0], tc.want)):
				t.Errorf("got %q, want one problem containing %q", got, tc.want)
			}
		})
	}
}

// An escalate_to on a platform this configuration does not run is valid but would never be
// posted: check warns, naming the key; one on a platform it runs is not warned of.
func TestCheckWarnsOfAnEscalationChatNotRun(t *testing.T) {
	cfg, errs := parseConfig([]byte(`
[feishu]
mode = "webhook"
app_id = "cli_w"
app_secret = "s"
verification_token = "t"
encrypt_key = "k"
[providers.weiban]
corp_id = "corp"
secret = "s"
staff_id = "bot"
[bot.reminders]
escalate_to = "wecom:wrk_ops"
[[chats]]
platform = "feishu"
chat_id = "oc_1"
escalate_to = "feishu:oc_escalate"
[[chats]]
platform = "feishu"
chat_id = "oc_2"
escalate_to = "off"
`))
	if len(errs) > 0 {
		t.Fatalf("config: %v", errs)
	}
	var got []string
	for _, w := range warnings(cfg) {
		if strings.Contains(w, "escalate_to") {
			got = append(got, w)
		}
	}
	want := []string{`bot.reminders.escalate_to = "wecom:wrk_ops": [wecom] is not configured here, so escalations are not posted there`}
	if !slices.Equal(got, want) {
		t.Errorf("warnings %q, want %q", got, want)
	}
}
