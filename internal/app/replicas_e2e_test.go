package app

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver, for the test's schema

	"github.com/ticketbot/ticketbot/bot/feishu/feishutest"
	"github.com/ticketbot/ticketbot/internal/testbin"
	"github.com/ticketbot/ticketbot/providers"
	"github.com/ticketbot/ticketbot/providers/ksyun"
	"github.com/ticketbot/ticketbot/providers/ksyun/ksyuntest"
	"github.com/ticketbot/ticketbot/store"
)

// postgresDSN is a fresh, empty schema of the test PostgreSQL (TICKETBOT_TEST_POSTGRES) as a
// DSN whose search_path points at it; the schema is dropped after the test. Without the
// variable the test is skipped (.ci/run always sets it).
func postgresDSN(t testing.TB) string {
	t.Helper()
	base := os.Getenv("TICKETBOT_TEST_POSTGRES")
	if base == "" {
		t.Skip("needs PostgreSQL: set TICKETBOT_TEST_POSTGRES (.ci/run does)")
	}
	if testing.Short() {
		t.Skip("runs three ticketbot processes")
	}
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	schema := fmt.Sprintf("ticketbot_e2e_%d_%d", os.Getpid(), time.Now().UnixNano()%1e9)
	if _, err := admin.Exec(`CREATE SCHEMA ` + schema); err != nil {
		admin.Close()
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		if _, err := admin.Exec(`DROP SCHEMA ` + schema + ` CASCADE`); err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
		}
		admin.Close()
	})
	sep := "?"
	if strings.Contains(base, "?") {
		sep = "&"
	}
	return base + sep + "search_path=" + schema
}

// buildBinary builds ticketbot into dir.
func buildBinary(t *testing.T, dir string) string {
	t.Helper()
	return testbin.Build(t, dir)
}

// replicaSet is n ticketbot processes on one PostgreSQL database, against one pair of fakes.
type replicaSet struct {
	t      *testing.T
	ksyun  *ksyuntest.Server
	feishu *feishutest.Server
	dsn    string
	bin    string
	config string
	procs  []*process
	hs     []*harness // one per process: its URL and logs
}

func startReplicas(t *testing.T, n int, botExtra, extra string) *replicaSet {
	t.Helper()
	return startReplicasDSN(t, n, postgresDSN(t), botExtra, extra)
}

// startReplicasDSN is startReplicas on the database at dsn.
func startReplicasDSN(t *testing.T, n int, dsn, botExtra, extra string) *replicaSet {
	t.Helper()
	dir := t.TempDir()
	rs := &replicaSet{t: t, dsn: dsn, bin: buildBinary(t, dir), config: filepath.Join(dir, "config.toml"),
		ksyun: ksyuntest.New("ks-app", "ks-secret-e2e"), feishu: feishutest.New("cli_e2e", "feishu-secret-e2e")}
	t.Cleanup(rs.ksyun.Close)
	t.Cleanup(rs.feishu.Close)
	text := harnessConfig(dsn, botExtra, extra, rs.feishu, rs.ksyun)
	text = strings.Replace(text, "[store]\n", "[store]\ndriver = \"postgres\"\n", 1)
	if err := os.WriteFile(rs.config, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	for range n {
		rs.start()
	}
	return rs
}

// start runs one more replica.
func (rs *replicaSet) start() *harness {
	p, url := startProcess(rs.t, rs.bin, rs.config)
	h := &harness{t: rs.t, ksyun: rs.ksyun, feishu: rs.feishu, logs: p.logs, url: url, admin: p.admin}
	rs.procs, rs.hs = append(rs.procs, p), append(rs.hs, h)
	return h
}

// logs are every replica's logs, for a failure.
func (rs *replicaSet) logs() string {
	var b strings.Builder
	for i, h := range rs.hs {
		fmt.Fprintf(&b, "--- replica %d\n%s\n", i, h.logs)
	}
	return b.String()
}

// health is one replica's /healthz answer.
type health struct {
	Status string          `json:"status"`
	Leader bool            `json:"leader"`
	Roles  map[string]bool `json:"roles"`
}

func (rs *replicaSet) health(i int) (health, bool) {
	resp, err := http.Get(rs.hs[i].admin + "/healthz")
	if err != nil {
		return health{}, false
	}
	defer resp.Body.Close()
	var h health
	return h, json.NewDecoder(resp.Body).Decode(&h) == nil && resp.StatusCode == http.StatusOK
}

// watcher is the replica that leads the watcher among alive, or -1.
func (rs *replicaSet) watcher(alive []int) int {
	found := -1
	for _, i := range alive {
		if h, ok := rs.health(i); ok && h.Roles["watcher"] {
			if found >= 0 {
				rs.t.Fatalf("replicas %d and %d both lead the watcher\n%s", found, i, rs.logs())
			}
			found = i
		}
	}
	return found
}

func (rs *replicaSet) waitFor(what string, limit time.Duration, cond func() bool) time.Duration {
	rs.t.Helper()
	start := time.Now()
	for !cond() {
		if time.Since(start) > limit {
			rs.t.Fatalf("timed out waiting for %s\n%s", what, rs.logs())
		}
		time.Sleep(10 * time.Millisecond)
	}
	return time.Since(start)
}

// cards are the ticket cards in the group for a title.
func (rs *replicaSet) cards(title string) int {
	n := 0
	for _, m := range rs.feishu.Messages() {
		if m.MsgType == "interactive" && strings.Contains(m.Content, `"content":"`+title+`"`) {
			n++
		}
	}
	return n
}

func (rs *replicaSet) tickets(title string) []ksyuntest.Ticket {
	var out []ksyuntest.Ticket
	for _, tk := range rs.ksyun.Tickets() {
		if tk.Title == title {
			out = append(out, tk)
		}
	}
	return out
}

// Three replicas behind a load balancer, each handed the same Feishu event (a platform
// redelivers to whichever replica it reaches): at once and one after another, the command
// runs once, one ticket and one card. The same click delivered to all three closes once.
func TestReplicasHandleEachDeliveryOnce(t *testing.T) {
	rs := startReplicas(t, 3, "", "")

	// The same event at all three at once.
	var wg sync.WaitGroup
	for _, h := range rs.hs {
		wg.Go(func() {
			h.say("ev-at-once", "om_at-once", "建单 ksyun 三副本同时收到\n同一事件同时到达三个副本。")
		})
	}
	wg.Wait()
	// And another, one replica after the other.
	for _, h := range rs.hs {
		h.say("ev-in-turn", "om_in-turn", "建单 ksyun 三副本依次收到\n同一事件依次到达三个副本。")
	}
	for _, title := range []string{"三副本同时收到", "三副本依次收到"} {
		rs.waitFor("the card of "+title, 30*time.Second, func() bool { return rs.cards(title) >= 1 })
	}
	time.Sleep(time.Second) // room for a wrong second ticket or card to show
	for _, title := range []string{"三副本同时收到", "三副本依次收到"} {
		if n := len(rs.tickets(title)); n != 1 {
			t.Errorf("%s: %d tickets at the vendor, want 1\n%s", title, n, rs.logs())
		}
		if n := rs.cards(title); n != 1 {
			t.Errorf("%s: %d cards in the group, want 1", title, n)
		}
	}

	// One click, delivered to all three: it closes once.
	tk := rs.tickets("三副本同时收到")[0]
	var card feishutest.Message
	for _, m := range rs.feishu.Messages() {
		if m.MsgType == "interactive" && strings.Contains(m.Content, `"content":"三副本同时收到"`) {
			card = m
		}
	}
	st, err := store.OpenPostgres(context.Background(), rs.dsn, store.PoolOptions{MaxConns: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	rs.waitFor("the card recorded", 30*time.Second, func() bool {
		_, err := st.CardByMessage(context.Background(), "feishu", card.ID)
		return err == nil
	})
	// The card's own close button carries the ticket's version; any version the store holds
	// is the one a person would have clicked.
	cmd := fmt.Sprintf("close ksyun:%d", tk.ID)
	answers := make([]cardAnswer, len(rs.hs))
	for i, h := range rs.hs {
		wg.Go(func() { answers[i] = h.click("ev-click-close", card.ID, cmd, nil) })
	}
	wg.Wait()
	rs.waitFor("the ticket closed", 30*time.Second, func() bool {
		got, _ := rs.ksyun.Ticket(fmt.Sprint(tk.ID))
		return got.Status == 3
	})
	time.Sleep(500 * time.Millisecond)
	closes := 0
	for _, c := range rs.ksyun.Calls() {
		if strings.HasSuffix(c.Path, "/close_ticket") {
			closes++
		}
	}
	if closes != 1 {
		t.Errorf("the vendor was asked to close %d times, want 1\n%s", closes, rs.logs())
	}
}

// The replica that runs the watcher is killed with SIGKILL while it delivers 50 notices:
// another replica leads within 10 seconds, and every notice reaches its group exactly once
// (the notices the dead one had leased are taken over after their lease; a send it made
// before dying is not repeated, thanks to the platform's idempotency key).
func TestLeaderKilledMidSweepEveryNoticeOnce(t *testing.T) {
	const n = 50
	retry := "[bot.retry]\nbase = \"100ms\"\nmax = \"1s\"\nevery = \"50ms\"\nlease = \"2s\"\n"
	rs := startReplicas(t, 3, "", retry+fastWatch)
	ctx := context.Background()
	st, err := store.OpenPostgres(ctx, rs.dsn, store.PoolOptions{MaxConns: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	kp, err := ksyun.New(rs.ksyun.Config())
	if err != nil {
		t.Fatal(err)
	}
	// 50 tickets, each followed by a group of its own (so no notices are merged), with the
	// state the bot last saw.
	ids := make([]string, n)
	for i := range n {
		tk, err := kp.Create(ctx, providers.CreateRequest{Title: fmt.Sprintf("主备切换演练 %02d", i)})
		if err != nil {
			t.Fatal(err)
		}
		ids[i] = tk.ID
		snap, _ := json.Marshal(tk)
		if err := st.SaveTicket(ctx, store.TicketState{Provider: "ksyun", TicketID: tk.ID, Status: string(tk.Status),
			RawStatus: tk.RawStatus, CreatorUserID: "feishu:" + e2eUser, Snapshot: snap, UpdatedAt: time.Now()}); err != nil {
			t.Fatal(err)
		}
		if err := st.Follow(ctx, store.Follow{Platform: "feishu", ChatID: fmt.Sprintf("oc_group_%02d", i), Provider: "ksyun",
			TicketID: tk.ID, By: "feishu:" + e2eUser, CreatedAt: time.Now()}); err != nil {
			t.Fatal(err)
		}
	}
	all := []int{0, 1, 2}
	rs.waitFor("a watcher leader", 15*time.Second, func() bool { return rs.watcher(all) >= 0 })
	leader := rs.watcher(all)

	// Kingsoft cancels all 50 at once: 50 notices, one per group.
	for _, id := range ids {
		if err := rs.ksyun.SetStatus(id, 4); err != nil {
			t.Fatal(err)
		}
	}
	notices := func() map[string]int {
		per := map[string]int{}
		for _, m := range rs.feishu.Messages() {
			if strings.HasPrefix(m.ChatID, "oc_group_") && strings.Contains(m.Content, "已取消") {
				per[m.ChatID]++
			}
		}
		return per
	}
	rs.waitFor("the first notices", 30*time.Second, func() bool { return len(notices()) >= 1 })
	if err := rs.procs[leader].cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	killed := time.Now()
	<-rs.procs[leader].done
	sent := len(notices())
	t.Logf("killed the leader (replica %d) after %d of %d notices", leader, sent, n)

	var alive []int
	for _, i := range all {
		if i != leader {
			alive = append(alive, i)
		}
	}
	rs.waitFor("a new watcher leader", 15*time.Second, func() bool { return rs.watcher(alive) >= 0 })
	if took := time.Since(killed); took > 10*time.Second {
		t.Errorf("a new leader took %v after the kill, want within 10 s", took)
	}
	rs.waitFor("every notice", 60*time.Second, func() bool { return len(notices()) == n })
	time.Sleep(2 * time.Second) // room for a wrong second notice to show
	for chat, c := range notices() {
		if c != 1 {
			t.Errorf("%s got %d notices, want exactly 1", chat, c)
		}
	}
}

// pgProxy stands between the replicas and PostgreSQL, so a test can take the database away
// from them (every connection cut, new ones refused) and bring it back.
type pgProxy struct {
	ln     net.Listener
	target string
	mu     sync.Mutex
	down   bool
	conns  map[net.Conn]bool
	wg     sync.WaitGroup
}

func startPGProxy(t *testing.T, target string) *pgProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &pgProxy{ln: ln, target: target, conns: map[net.Conn]bool{}}
	p.wg.Go(p.accept)
	t.Cleanup(func() {
		ln.Close()
		p.cut()
		p.wg.Wait()
	})
	return p
}

func (p *pgProxy) accept() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		down := p.down
		p.mu.Unlock()
		if down {
			c.Close()
			continue
		}
		s, err := net.Dial("tcp", p.target)
		if err != nil {
			c.Close()
			continue
		}
		p.mu.Lock()
		p.conns[c], p.conns[s] = true, true
		p.mu.Unlock()
		for _, pair := range [][2]net.Conn{{c, s}, {s, c}} {
			p.wg.Go(func() {
				_, _ = io.Copy(pair[0], pair[1])
				pair[0].Close()
				pair[1].Close()
			})
		}
	}
}

// cut drops every connection and refuses new ones until restore.
func (p *pgProxy) cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.down = true
	for c := range p.conns {
		c.Close()
		delete(p.conns, c)
	}
}

func (p *pgProxy) restore() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.down = false
}

// The database goes away for 20 s under a steady trickle of commands to three replicas:
// while it is away the replicas answer 503 (the platform redelivers, here to the next
// replica); when it is back every command has run exactly once, none lost, none doubled.
func TestDatabaseAwayLosesAndDoublesNothing(t *testing.T) {
	base := os.Getenv("TICKETBOT_TEST_POSTGRES")
	dsn := postgresDSN(t)
	u, err := url.Parse(base)
	if err != nil || u.Host == "" {
		t.Skipf("TICKETBOT_TEST_POSTGRES is not a URL with a host: %v", err)
	}
	proxy := startPGProxy(t, u.Host)
	proxied := strings.Replace(dsn, u.Host, proxy.ln.Addr().String(), 1)

	rs := startReplicasDSN(t, 3, proxied, "commands_per_minute = -1\n", "")
	const events = 40
	title := func(i int) string { return fmt.Sprintf("断库演练 %02d", i) }
	var wg sync.WaitGroup
	var refused atomic.Int32
	for i := range events {
		if i == 8 {
			proxy.cut()
			t.Log("database away")
			time.AfterFunc(20*time.Second, func() { proxy.restore(); t.Log("database back") })
		}
		wg.Go(func() {
			// Delivered like a platform does: again, to the next replica, until one says 200.
			ev := feishutest.TextMessageEvent(fmt.Sprintf("ev-db-%02d", i), fmt.Sprintf("om_db-%02d", i), e2eChat, e2eUser,
				"建单 ksyun "+title(i)+"\n数据库断开期间的建单。", feishutest.WithVerificationToken(e2eToken))
			deadline := time.Now().Add(90 * time.Second)
			for try := 0; ; try++ {
				code, _ := rs.hs[(i+try)%len(rs.hs)].post(ev)
				if code == http.StatusOK {
					return
				}
				refused.Add(1)
				if time.Now().After(deadline) {
					t.Errorf("event %d never accepted", i)
					return
				}
				time.Sleep(time.Second)
			}
		})
		time.Sleep(300 * time.Millisecond)
	}
	wg.Wait()
	if refused.Load() == 0 {
		t.Error("no delivery was refused while the database was away")
	}
	rs.waitFor("every ticket", 90*time.Second, func() bool {
		for i := range events {
			if len(rs.tickets(title(i))) == 0 {
				return false
			}
		}
		return true
	})
	time.Sleep(2 * time.Second) // room for a wrong second ticket to show
	for i := range events {
		if n := len(rs.tickets(title(i))); n != 1 {
			t.Errorf("%s: %d tickets at the vendor, want exactly 1", title(i), n)
		}
	}
	t.Logf("%d deliveries refused while the database was away", refused.Load())
}

// check connects to a PostgreSQL store: a database that answers is OK, one that does not is a
// problem naming the host and the reason, never the password, and exit 1.
func TestCheckReachesPostgres(t *testing.T) {
	kf, ff := ksyuntest.New("ks-app", "ks-secret-e2e"), feishutest.New("cli_e2e", "feishu-secret-e2e")
	t.Cleanup(kf.Close)
	t.Cleanup(ff.Close)
	t.Setenv("E2E_FEISHU_SECRET", "feishu-secret-e2e")
	t.Setenv("E2E_KSYUN_SECRET", "ks-secret-e2e")
	configFor := func(dsn string) string {
		text := harnessConfig(dsn, "", "", ff, kf)
		return writeConfig(t, strings.Replace(text, "[store]\n", "[store]\ndriver = \"postgres\"\nconnect_timeout = \"2s\"\n", 1))
	}
	var out, errOut strings.Builder
	if code := Check(configFor("postgres://ticketbot:hunter2-secret@127.0.0.1:1/ticketbot?sslmode=disable"), CheckOptions{}, &out, &errOut); code != 1 ||
		!strings.Contains(errOut.String(), "store.dsn: cannot reach PostgreSQL at 127.0.0.1:1/ticketbot") || strings.Contains(errOut.String()+out.String(), "hunter2") {
		t.Errorf("unreachable: exit %d\n%s%s", code, out.String(), errOut.String())
	}
	if os.Getenv("TICKETBOT_TEST_POSTGRES") == "" {
		t.Skip("the reachable half needs TICKETBOT_TEST_POSTGRES")
	}
	out.Reset()
	errOut.Reset()
	if code := Check(configFor(os.Getenv("TICKETBOT_TEST_POSTGRES")), CheckOptions{}, &out, &errOut); code != 0 || !strings.Contains(out.String(), ": OK") {
		t.Errorf("reachable: exit %d\n%s%s", code, out.String(), errOut.String())
	}
}

// serve stops at once when its PostgreSQL store cannot be reached: exit 1, with the host and
// the reason (never the password), before it takes any delivery.
func TestServeStopsWhenPostgresIsUnreachable(t *testing.T) {
	kf, ff := ksyuntest.New("ks-app", "ks-secret-e2e"), feishutest.New("cli_e2e", "feishu-secret-e2e")
	t.Cleanup(kf.Close)
	t.Cleanup(ff.Close)
	t.Setenv("E2E_FEISHU_SECRET", "feishu-secret-e2e")
	t.Setenv("E2E_KSYUN_SECRET", "ks-secret-e2e")
	text := harnessConfig("postgres://ticketbot:hunter2-secret@127.0.0.1:1/ticketbot?sslmode=disable", "", "", ff, kf)
	path := writeConfig(t, strings.Replace(text, "[store]\n", "[store]\ndriver = \"postgres\"\nconnect_timeout = \"1s\"\n", 1))
	var stderr syncBuffer
	start := time.Now()
	code := ServeFile(context.Background(), path, ServeOptions{Stderr: &stderr, Ready: func(Addrs) { t.Error("served without its store") }})
	if code != 1 || !strings.Contains(stderr.String(), "cannot reach PostgreSQL at 127.0.0.1:1/ticketbot") || strings.Contains(stderr.String(), "hunter2") {
		t.Errorf("exit %d, stderr:\n%s", code, stderr.String())
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("took %v to give up", d)
	}
}
