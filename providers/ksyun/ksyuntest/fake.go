package ksyuntest

import (
	"cmp"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/ticketbot/ticketbot/providers"
	"github.com/ticketbot/ticketbot/providers/ksyun"
)

// The fake's error codes. Kingsoft publishes only 10000 (success) and 23000; the others are
// invented for the fake, because the real codes for these failures are unknown.
const (
	ErrSign       = 40001 // invented: AppId, Timestamp or Sign rejected ("sign error")
	ErrParam      = 40002 // invented: a required field is missing or malformed
	ErrNotFound   = 40400 // invented: 工单不存在
	ErrNotCreator = 23001 // invented: 仅工单的创建人可关闭工单
	ErrState      = 23000 // documented: 工单状态不允许关闭
)

// Identities the fake uses. CreatorID and CreatorName are the creator of the doc's own
// example ticket; StaffID and StaffName are the Kingsoft engineer every new ticket is
// assigned to.
const (
	CreatorID   = 38361
	CreatorName = "姜程"
	StaffID     = 90001
	StaffName   = "值班工程师"
)

// fakeSkew is how far the Timestamp header may be from the fake's clock (ASSUME: the real
// tolerance is unpublished).
const fakeSkew = 5 * time.Minute

// Ticket is a ticket as the fake stores it. Times are Unix seconds, 0 when unset.
type Ticket struct {
	ID                       int64
	Title                    string
	Detail                   string
	Type                     int
	Priority                 int
	Status                   int
	CreatorID                int64
	CreatorName              string
	CustomerOrganizationID   int64
	CustomerOrganizationName string
	RepositoryProductID      int64
	ProductGroupID           int64
	ReportedTime             int64
	CreatedTime              int64
	UpdatedTime              int64
	StartedTime              int64
	FinishedTime             int64
	SolvedTime               int64
	ClosedTime               int64
	SuspendedTime            int64
	Suspended                bool
	IsSolved                 bool
	Assigns                  []Assign
	// Attachments are the files the ticket was created with.
	Attachments []ksyun.Attachment
}

// Assign is one product line's assignment of a fake ticket.
type Assign struct {
	ID               int64
	ProductGroupID   int64
	ProductGroupName string
	Status           int
	IsHandler        bool
	UserID           int64
	UserName         string
	History          []History
}

// History is one history entry of an assignment. Action codes are the fake's own (the real
// 工单字典表 is unpublished): 1 comment, 2 staff note, 3 reject, 4 close.
type History struct {
	ID          int64
	Action      int
	CreatorID   int64
	CreatorName string
	Detail      string
	CreatedTime int64
}

// Call is one request the fake received, recorded before any check.
type Call struct {
	Method string
	Path   string
	Query  url.Values
	Header http.Header
	// Body is the decoded JSON body (numbers as json.Number), or for an upload the file's
	// name, size and type; nil when there is none.
	Body map[string]any
}

type fakeFailure struct {
	httpStatus int // HTTP status to answer with, or 0 for an envelope error
	errno      int
	errmsg     string
}

// Server is an in-memory Kingsoft workorder API on a loopback httptest server. It checks what the
// real one is documented (or assumed) to check: the AppId, a Timestamp within ±5 minutes, the
// Sign under the default rule (lower-case hex MD5 of AppId + Timestamp + AppSecret) or the
// one ExpectSign set, required
// fields, unknown tickets, and that only the creator closes. list_tickets applies every filter
// it documents (status one value 1–4, creator_id, customer_organization_name exactly,
// product_group_id, created_start and created_end in seconds: a time in milliseconds is
// refused) and pages by page and page_size. Put stores a ticket as if opened in Kingsoft's
// console, at any creation time. It is stricter than the vendor
// probably is on one point: unknown JSON fields are refused, so a misspelt key
// (product_group_id for productGroupId) fails a test instead of being ignored silently.
// It is safe for concurrent use.
type Server struct {
	appID, secret string
	srv           *httptest.Server
	rule          SignRule // guarded by mu

	mu       sync.Mutex
	now      func() time.Time
	nextID   int64
	nextSub  int64 // ids of assignments and history entries
	nextReq  int64
	sent     []string // request ids answered, in order
	tickets  map[int64]*Ticket
	calls    []Call
	failures []fakeFailure
	// hold is set while Hold keeps every request waiting; held are those requests, in the
	// order they came, and waiting how many of them are not yet answered.
	hold    bool
	held    []heldRequest
	waiting int
	// gate keeps requests that come while Hold's release runs behind the held ones.
	gate sync.RWMutex
	// hang, when not nil, withholds the answers of applied writes (HangAfterWrite); hanging
	// counts them.
	hang    chan struct{}
	hanging int
	// uploaded are the files upload_file stored, by file_path: a create may attach only those.
	uploaded map[string]bool
	// listCap is the largest page list_tickets answers (SetListPageCap); 0 for none.
	listCap int
}

// Hold makes the fake stop answering: every request waits until release is called, as a
// vendor that hangs would; release returns once the held requests are answered, in front of
// any that came meanwhile. Tests use it to prove the bot acks chat platforms without waiting
// for the vendor.
func (f *Server) Hold() (release func()) {
	f.mu.Lock()
	f.hold = true
	f.mu.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			// The held requests are answered one at a time in the order they came, and
			// before any request that comes after: a vendor that was slow still applies
			// what it got first, which is what the bot's check "was this create filed?"
			// must find (answered all at once, a later list could overtake the create).
			f.gate.Lock()
			defer f.gate.Unlock()
			f.mu.Lock()
			f.hold = false
			held := f.held
			f.held = nil
			f.mu.Unlock()
			for _, h := range held {
				close(h.turn)
				<-h.done
			}
		})
	}
}

// heldRequest is a request Hold keeps: turn lets it be answered, done says it was.
type heldRequest struct {
	turn, done chan struct{}
}

// Waiting reports how many requests are held by Hold right now.
func (f *Server) Waiting() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.waiting
}

// New starts a fake accepting appID and appSecret. Close it when done.
func New(appID, appSecret string) *Server {
	f := &Server{
		appID:   appID,
		secret:  appSecret,
		now:     time.Now,
		nextID:  1204,
		nextSub: 1,
		tickets: map[int64]*Ticket{},
	}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serveMaybeHang))
	return f
}

// URL is the fake's base URL, for Config.BaseURL.
func (f *Server) URL() string { return f.srv.URL }

// Close stops the server.
func (f *Server) Close() { f.srv.Close() }

// Config returns a valid provider configuration pointing at the fake, with CreatorID as the
// default creator.
func (f *Server) Config() ksyun.Config {
	c := ksyun.Config{
		BaseURL:                  f.URL(),
		AppID:                    f.appID,
		AppSecret:                providers.Secret(f.secret),
		CustomerOrganizationID:   1,
		CustomerOrganizationName: "北京金山云网络技术有限公司",
		RepositoryProductID:      36,
		CreatorID:                CreatorID,
		CreatorName:              CreatorName,
	}
	c.Defaults()
	return c
}

// SetListPageCap makes list_tickets answer at most n tickets a page, whatever page_size asks,
// and say so in pagination.page_size, as a vendor whose maximum is undocumented might (the
// doc gives only the default, 10); 0 takes the cap away.
func (f *Server) SetListPageCap(n int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.listCap = n
}

// SetClock sets the fake's clock, used for the Timestamp check and the times it records.
func (f *Server) SetClock(now func() time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.now = now
}

var errFakeUnknown = errors.New("ksyun fake: unknown ticket")

// update runs fn on a stored ticket and stamps updated_time.
func (f *Server) update(id string, fn func(t *Ticket, now int64)) error {
	n, _ := strconv.ParseInt(id, 10, 64)
	f.mu.Lock()
	defer f.mu.Unlock()
	t, ok := f.tickets[n]
	if !ok {
		return fmt.Errorf("%w %s", errFakeUnknown, id)
	}
	now := f.now().Unix()
	fn(t, now)
	t.UpdatedTime = now
	return nil
}

// SetStatus sets a ticket's raw status (1 待处理, 2 处理中, 3 已关闭, 4 已取消).
func (f *Server) SetStatus(id string, status int) error {
	return f.update(id, func(t *Ticket, now int64) {
		t.Status = status
		if status == statusProcessing && t.StartedTime == 0 {
			t.StartedTime = now
		}
		if status == statusClosed && t.ClosedTime == 0 {
			t.ClosedTime = now
		}
	})
}

// Finish marks a ticket done by Kingsoft: status 处理中, finished_time set, every product line
// 处理完毕, solved_time still 0 (the customer has not confirmed).
func (f *Server) Finish(id string) error {
	return f.update(id, func(t *Ticket, now int64) {
		t.Status = statusProcessing
		t.FinishedTime = now
		for i := range t.Assigns {
			t.Assigns[i].Status = 3
		}
	})
}

// AddNote adds a note by Kingsoft staff, named author, to the ticket's first product line.
func (f *Server) AddNote(id, author, text string) error {
	return f.update(id, func(t *Ticket, now int64) {
		f.addHistory(t, 0, History{Action: 2, CreatorID: StaffID, CreatorName: author, Detail: text, CreatedTime: now})
	})
}

// Suspend sets or clears the ticket's suspension (是否挂起).
func (f *Server) Suspend(id string, on bool) error {
	return f.update(id, func(t *Ticket, now int64) {
		t.Suspended = on
		t.SuspendedTime = 0
		if on {
			t.SuspendedTime = now
		}
	})
}

// FailNext makes the next n requests answer HTTP 200 with the given errno and errmsg.
func (f *Server) FailNext(n, errno int, errmsg string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for range n {
		f.failures = append(f.failures, fakeFailure{errno: errno, errmsg: errmsg})
	}
}

// FailHTTP makes the next n requests answer with the HTTP status and no envelope.
func (f *Server) FailHTTP(n, status int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for range n {
		f.failures = append(f.failures, fakeFailure{httpStatus: status})
	}
}

// Ticket returns a copy of a stored ticket.
func (f *Server) Ticket(id string) (Ticket, bool) {
	n, _ := strconv.ParseInt(id, 10, 64)
	f.mu.Lock()
	defer f.mu.Unlock()
	t, ok := f.tickets[n]
	if !ok {
		return Ticket{}, false
	}
	return t.clone(), true
}

// Tickets returns copies of every stored ticket, by id.
func (f *Server) Tickets() []Ticket {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]Ticket, 0, len(f.tickets))
	for _, t := range f.tickets {
		out = append(out, t.clone())
	}
	slices.SortFunc(out, func(a, b Ticket) int { return cmp.Compare(a.ID, b.ID) })
	return out
}

// Put stores t as the vendor's next ticket, as given: its ID is the next id, and nothing else is
// checked or filled in (no assignment, no history), unlike a create through the API. Tests use
// it to seed tickets at chosen times. It returns the ticket's id.
func (f *Server) Put(t Ticket) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	t.ID = f.nextID
	f.nextID++
	c := t.clone()
	f.tickets[c.ID] = &c
	return strconv.FormatInt(c.ID, 10)
}

// RequestIDs returns the request_id of every envelope answered so far, in order. Bare HTTP
// failures (FailHTTP) carry none.
func (f *Server) RequestIDs() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.sent)
}

// Calls returns every request received so far, in order.
func (f *Server) Calls() []Call {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.calls)
}

// addHistory appends an entry to the assignment of productGroupID (the first one for 0). The
// caller holds f.mu. It reports false when no assignment matches.
func (f *Server) addHistory(t *Ticket, productGroupID int64, h History) bool {
	i := t.assign(productGroupID)
	if i < 0 {
		return false
	}
	h.ID = f.nextSub
	f.nextSub++
	t.Assigns[i].History = append(t.Assigns[i].History, h)
	return true
}

// assign returns the index of the assignment of productGroupID, the first for 0, or -1.
func (t *Ticket) assign(productGroupID int64) int {
	for i, a := range t.Assigns {
		if productGroupID == 0 || a.ProductGroupID == productGroupID {
			return i
		}
	}
	return -1
}

func (t *Ticket) clone() Ticket {
	c := *t
	c.Attachments = slices.Clone(t.Attachments)
	c.Assigns = slices.Clone(t.Assigns)
	for i := range c.Assigns {
		c.Assigns[i].History = slices.Clone(c.Assigns[i].History)
	}
	return c
}
