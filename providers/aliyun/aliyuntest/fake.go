package aliyuntest

import (
	"cmp"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"sync"
	"time"

	"github.com/ticketbot/ticketbot/providers"
	"github.com/ticketbot/ticketbot/providers/aliyun"
)

// Identities and defaults of the fake. ProductID is the product of help.aliyun 143231's
// example ticket; the others are invented.
const (
	AliUID     = 1234567890123456
	ProductID  = 1273
	CategoryID = 2101
	// StaffName is the Aliyun engineer who writes AddOfficialNote's notes (2021 User.Name).
	StaffName = "阿里云小二"
)

// The fake's error codes. The 2016 codes are documented (help.aliyun 143228/143229), as are
// the gateway codes (the POP error shape: HTTP 4xx, Code, Message) and the 2021 illegal.param;
// ErrState is invented, because the real code for closing a closed ticket is unknown.
const (
	ErrAuth       = "-121" // ILLEGAL_AUTH
	ErrParam      = "-101" // ILLEGAL_PARAM
	ErrParamEmpty = "-104" // ILLEGAL_PARAM_EMPTY
	ErrBusy       = "-153" // SYSTEM_BUSY
	ErrParam21    = "illegal.param"
	ErrState      = "illegal.status" // invented
	ErrSignature  = "SignatureDoesNotMatch"
	ErrNonce      = "SignatureNonceUsed"
	ErrTimestamp  = "InvalidTimeStamp.Expired"
	ErrAccessKey  = "InvalidAccessKeyId.NotFound"
)

// fakeSkew is how far Timestamp may be from the fake's clock: Aliyun's documented window is
// 15 minutes.
const fakeSkew = 15 * time.Minute

// Ticket is a ticket as the fake stores it.
type Ticket struct {
	ID string
	// Version is the API version that created it.
	Version string
	Title   string
	Content string
	// Status is the raw status: a 2016 code as the fake's own flow sets it (assigned,
	// feedback, confirmed), or whatever SetStatus stored. 2016 actions serve it verbatim;
	// 2021 actions serve a known code as its value ("wait_feedback" as "3").
	Status           string
	ProductID        int64
	CommonQuestionID int64
	CategoryID       int64
	Severity         int
	AliUID           int64
	Phone            string
	Email            string
	SMSAlertTime     string
	CreatedAt        time.Time
	UpdatedAt        time.Time
	Notes            []Note
}

// Note is one entry of a fake ticket's conversation.
type Note struct {
	ID       string
	Content  string
	Secret   bool // 2016 sec_chat, 2021 Encrypt=true
	Official bool
	Author   string
	At       time.Time
	// AttachIDs name stored objects (Object), as the 2016 notes' attachIds do.
	AttachIDs []string
}

// Object is a file stored in the fake OSS.
type Object struct {
	Key      string
	Name     string
	Data     []byte
	AttachID string // the id a note lists it by, once attached
}

// File is a file for AddOfficialNote.
type File struct {
	Name string
	Data []byte
}

// Call is one request the fake received, recorded before any check.
type Call struct {
	Method string
	Path   string
	// Action and Version are the RPC's; empty for the OSS endpoints.
	Action  string
	Version string
	// Params are every parameter received, query and form body; for an OSS PostObject the
	// form fields, the file given by its name.
	Params url.Values
	Header http.Header
}

type fakeFailure struct {
	httpStatus    int // a bare HTTP status to answer with, or 0 for a vendor error
	code, message string
	action        string // only calls of this Action fail; "" for any
}

// fakeGrant is an OSS upload grant (getOSSTempAuthor).
type fakeGrant struct {
	secret string
	dir    string
	expire time.Time
}

// Server is an in-memory Aliyun 工单 API, 2016-08-30 and 2021-06-10, with a fake OSS, on one
// loopback httptest server. It checks what Aliyun is documented to check: signature v1
// recomputed from the received parameters (the POP error shape, HTTP 400
// SignatureDoesNotMatch, when wrong), a Timestamp within 15 minutes, a SignatureNonce used
// once, the AccessKeyId, the Version and the action, required parameters and their values,
// and the aliUid of add (-121 ILLEGAL_AUTH for another account). Its lists apply every filter
// they document and check their limits: QuestionList ids ≤ 200, productIds ≤ 100, pageSize
// 20–100; ListTickets PageNumber ≥ 1, PageSize 10–100, StatusList ≤ 11, StartDate with EndDate.
// A time documented in milliseconds that is a time in seconds is refused as a bad parameter
// (Aliyun would read it as January 1970 and list everything since). Put stores a ticket as
// if opened in Aliyun's console, at any creation time. Its OSS checks PostObject as
// OSS does: the policy (base64 JSON with expiration and conditions content-length-range and a
// key prefix), its signature (base64 HMAC-SHA1 with the grant's secret), the file last, and
// 2 MB.
//
// It is stricter than Aliyun on one point: unknown parameters are refused, so a misspelt or
// miscased name (questionId for QuestionId) fails a test instead of being ignored silently.
// The spelling it accepts for the 2016 parameters is SetParamNames's, "sdk" by default.
// It is safe for concurrent use.
type Server struct {
	keyID, secret string
	srv           *httptest.Server
	ossSecret     string // signs the fake's own OSS GET and PUT URLs

	mu          sync.Mutex
	now         func() time.Time
	spelling    string
	names       legacyNames
	nonces      map[string]time.Time
	nextID      int
	nextNote    int
	nextReq     int
	sent        []string // request ids answered, RPC and OSS, in order
	nextGrant   int
	nextAttach  int
	tickets     map[string]*Ticket
	objects     map[string]*Object
	attachIndex map[string]string // attach id → object key
	grants      map[string]fakeGrant
	calls       []Call
	failures    []fakeFailure
	// listUnit is the unit QuestionList reads addStartTime/addEndTime in (SetListTimeUnit).
	listUnit time.Duration
	// lose is how many RPC answers to lose after the call took effect (LoseAnswers).
	lose int
	// removed are the products and categories taken off the catalog (RemoveProduct).
	removed map[int64]bool
}

// New starts a fake accepting the AccessKey accessKeyID / accessKeySecret. Close it when
// done.
func New(accessKeyID, accessKeySecret string) *Server {
	var b [16]byte
	_, _ = rand.Read(b[:])
	f := &Server{
		keyID:       accessKeyID,
		secret:      accessKeySecret,
		ossSecret:   hex.EncodeToString(b[:]),
		now:         time.Now,
		spelling:    aliyun.DefaultParamNames,
		listUnit:    time.Millisecond,
		names:       legacySpellings[aliyun.DefaultParamNames],
		nonces:      map[string]time.Time{},
		nextID:      1,
		nextNote:    1,
		tickets:     map[string]*Ticket{},
		objects:     map[string]*Object{},
		attachIndex: map[string]string{},
		grants:      map[string]fakeGrant{},
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /{$}", f.serveRPC)
	mux.HandleFunc("GET /{$}", f.serveRPC) // RPC may be a GET with the parameters in the query
	mux.HandleFunc("POST /oss", f.servePostObject)
	mux.HandleFunc("PUT /oss/{key...}", f.servePutObject)
	mux.HandleFunc("GET /oss/{key...}", f.serveGetObject)
	f.srv = httptest.NewServer(mux)
	return f
}

// URL is the fake's base URL, for Config.BaseURL.
func (f *Server) URL() string { return f.srv.URL }

// Close stops the server.
func (f *Server) Close() { f.srv.Close() }

// Config returns a valid 2016-08-30 configuration pointing at the fake, in the fake's
// parameter spelling. Set APIVersion to Version2021 for the current API: CategoryID is set too.
func (f *Server) Config() aliyun.Config {
	f.mu.Lock()
	spelling := f.spelling
	f.mu.Unlock()
	c := aliyun.Config{
		BaseURL:         f.URL(),
		AccessKeyID:     f.keyID,
		AccessKeySecret: providers.Secret(f.secret),
		AliUID:          AliUID,
		ProductID:       ProductID,
		CategoryID:      CategoryID,
		ParamNames:      spelling,
	}
	c.Defaults()
	return c
}

// SetClock sets the fake's clock, used for the Timestamp check and the times it records.
func (f *Server) SetClock(now func() time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.now = now
}

// SetParamNames sets the spelling of the 2016 parameters the fake accepts: "sdk" or "doc"
// (Config.ParamNames).
func (f *Server) SetParamNames(spelling string) error {
	n, ok := legacySpellings[spelling]
	if !ok {
		return fmt.Errorf("aliyun fake: unknown spelling %q (sdk or doc)", spelling)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.spelling, f.names = spelling, n
	return nil
}

// SetListTimeUnit sets the unit 2016 QuestionList reads addStartTime and addEndTime in:
// time.Millisecond (the default, as the V1.3 document's table says) or time.Second (as its
// example and help.aliyun 143231's AddTime suggest). Aliyun's own pages disagree, so the
// provider must find its tickets either way. Reading milliseconds, the fake refuses a bound in
// seconds (-101); reading seconds, a bound in milliseconds lies tens of thousands of years
// ahead and matches nothing, as it would at Aliyun.
func (f *Server) SetListTimeUnit(unit time.Duration) error {
	if unit != time.Millisecond && unit != time.Second {
		return fmt.Errorf("aliyun fake: list time unit %v (ms or s)", unit)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.listUnit = unit
	return nil
}

// LoseAnswers makes the next n RPC calls take effect and then lose their answer: the
// connection is closed before a byte is written, as when a network or a process fails
// mid-call. A create then has an unknown outcome.
func (f *Server) LoseAnswers(n int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.lose += n
}

var errFakeUnknown = errors.New("aliyun fake: unknown ticket")

// update runs fn on a stored ticket and stamps UpdatedAt.
func (f *Server) update(id string, fn func(t *Ticket, now time.Time)) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	t, ok := f.tickets[id]
	if !ok {
		return fmt.Errorf("%w %s", errFakeUnknown, id)
	}
	now := f.now()
	fn(t, now)
	t.UpdatedAt = now
	return nil
}

// SetStatus sets a ticket's raw status: a 2016 code ("wait_feedback"), a 2021 value ("3"),
// a label, or anything else to test unknown values.
func (f *Server) SetStatus(id, raw string) error {
	return f.update(id, func(t *Ticket, _ time.Time) { t.Status = raw })
}

// AddOfficialNote adds a note by Aliyun staff, with files attached.
func (f *Server) AddOfficialNote(id, text string, files ...File) error {
	return f.update(id, func(t *Ticket, now time.Time) {
		n := Note{Content: text, Official: true, Author: StaffName, At: now}
		for _, file := range files {
			key := fmt.Sprintf("official/%s/%d_%s", id, f.nextNote, file.Name)
			f.objects[key] = &Object{Key: key, Name: file.Name, Data: slices.Clone(file.Data)}
			n.AttachIDs = append(n.AttachIDs, f.attach(key))
		}
		f.addNote(t, n)
	})
}

// FailNext makes the next n RPC calls fail with the vendor error code and message, shaped as
// the called version answers errors: 2016 HTTP 200 with success false and code (a number when
// numeric, as "-153"), 2021 HTTP 400 (500 for a busy code) with Success false, Code, Message.
func (f *Server) FailNext(n int, code, message string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for range n {
		f.failures = append(f.failures, fakeFailure{code: code, message: message})
	}
}

// FailHTTP makes the next n RPC calls answer the HTTP status with a plain-text body.
func (f *Server) FailHTTP(n, status int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for range n {
		f.failures = append(f.failures, fakeFailure{httpStatus: status})
	}
}

// FailAction makes the next n calls of one RPC Action answer the HTTP status; other calls
// (the watcher's reads, say) are answered as usual.
func (f *Server) FailAction(action string, n, status int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for range n {
		f.failures = append(f.failures, fakeFailure{httpStatus: status, action: action})
	}
}

// Calls returns every request received so far, in order.
func (f *Server) Calls() []Call {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.calls)
}

// RequestIDs returns the request id of every answer so far, in order: the RPC answers'
// RequestId (also sent as the x-acs-request-id header, bare FailHTTP answers included) and
// the OSS answers' x-oss-request-id.
func (f *Server) RequestIDs() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.sent)
}

// CallsTo returns the RPC calls of one action, in order.
func (f *Server) CallsTo(action string) []Call {
	var out []Call
	for _, c := range f.Calls() {
		if c.Action == action {
			out = append(out, c)
		}
	}
	return out
}

// Ticket returns a copy of a stored ticket.
func (f *Server) Ticket(id string) (Ticket, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	t, ok := f.tickets[id]
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

// Object returns a copy of a stored file by its key.
func (f *Server) Object(key string) (Object, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	o, ok := f.objects[key]
	if !ok {
		return Object{}, false
	}
	c := *o
	c.Data = slices.Clone(o.Data)
	return c, true
}

// Put stores t as the vendor's next ticket: its ID is the next id, its Status, when empty,
// "assigned", and its CreatedAt and UpdatedAt, when zero, the fake's clock. Nothing else is
// checked or filled in, unlike a create through the API. Tests use it to seed many tickets, or
// tickets at chosen times. It returns the ticket's id.
func (f *Server) Put(t Ticket) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	status, created, updated := t.Status, t.CreatedAt, t.UpdatedAt
	f.newTicket(&t)
	if status != "" {
		t.Status = status
	}
	if !created.IsZero() {
		t.CreatedAt = created
	}
	if !updated.IsZero() {
		t.UpdatedAt = updated
	}
	return t.ID
}

// newTicket stores a ticket with the next id. The caller holds f.mu.
func (f *Server) newTicket(t *Ticket) {
	t.ID = fmt.Sprintf("%05dFK", f.nextID)
	f.nextID++
	now := f.now()
	t.Status, t.CreatedAt, t.UpdatedAt = "assigned", now, now
	f.tickets[t.ID] = t
}

// addNote appends a note with the next id. The caller holds f.mu.
func (f *Server) addNote(t *Ticket, n Note) {
	n.ID = fmt.Sprintf("%d", 100000+f.nextNote)
	f.nextNote++
	if n.At.IsZero() {
		n.At = f.now()
	}
	t.Notes = append(t.Notes, n)
	t.UpdatedAt = n.At
}

// attach gives a stored object its attachment id. The caller holds f.mu.
func (f *Server) attach(key string) string {
	o := f.objects[key]
	if o.AttachID == "" {
		o.AttachID = fmt.Sprintf("att%04d", f.nextAttach+1)
		f.nextAttach++
		f.attachIndex[o.AttachID] = key
	}
	return o.AttachID
}

func (t *Ticket) clone() Ticket {
	c := *t
	c.Notes = slices.Clone(t.Notes)
	for i := range c.Notes {
		c.Notes[i].AttachIDs = slices.Clone(c.Notes[i].AttachIDs)
	}
	return c
}
