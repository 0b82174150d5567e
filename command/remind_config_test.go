package command

import (
	"testing"
	"time"

	"github.com/ticketbot/ticketbot/bot"
)

// Working days are days and ranges, in English or Chinese, a range wrapping past Sunday;
// working hours are one window within a day. Anything else is refused.
func TestParseWorkingDaysAndHours(t *testing.T) {
	week := func(days ...time.Weekday) [7]bool {
		var w [7]bool
		for _, d := range days {
			w[d] = true
		}
		return w
	}
	for _, tc := range []struct {
		in   string
		want *[7]bool
		bad  bool
	}{
		{in: ""},
		{in: "mon-fri", want: &[7]bool{false, true, true, true, true, true, false}},
		{in: "Mon, wed,fri", want: ptrTo(week(time.Monday, time.Wednesday, time.Friday))},
		{in: "周一-周五，周日", want: ptrTo(week(time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday, time.Sunday))},
		{in: "sun-thu", want: ptrTo(week(time.Sunday, time.Monday, time.Tuesday, time.Wednesday, time.Thursday))},
		{in: "fri-mon", want: ptrTo(week(time.Friday, time.Saturday, time.Sunday, time.Monday))},
		{in: "saturday", want: ptrTo(week(time.Saturday))},
		{in: "mon-", bad: true}, {in: "weekdays", bad: true}, {in: ",", bad: true}, {in: "mon–fri", bad: true},
	} {
		got, err := parseWorkingDays(tc.in)
		if (err != nil) != tc.bad || (got == nil) != (tc.want == nil) || got != nil && *got != *tc.want {
			t.Errorf("parseWorkingDays(%q) = %v, %v; want %v (bad: %v)", tc.in, got, err, tc.want, tc.bad)
		}
	}
	for _, tc := range []struct {
		in   string
		want *bot.Window
		bad  bool
	}{
		{in: ""},
		{in: "09:00-18:00", want: &bot.Window{From: 9 * time.Hour, To: 18 * time.Hour}},
		{in: " 08:30 - 17:45 ", want: &bot.Window{From: 8*time.Hour + 30*time.Minute, To: 17*time.Hour + 45*time.Minute}},
		{in: "00:00-24:00", want: &bot.Window{To: 24 * time.Hour}},
		{in: "18:00-09:00", bad: true}, {in: "09:00-09:00", bad: true}, {in: "9-18", bad: true}, {in: "09:00", bad: true},
		{in: "24:00-24:00", bad: true},
	} {
		got, err := parseWorkingHours(tc.in)
		if (err != nil) != tc.bad || (got == nil) != (tc.want == nil) || got != nil && *got != *tc.want {
			t.Errorf("parseWorkingHours(%q) = %v, %v; want %v (bad: %v)", tc.in, got, err, tc.want, tc.bad)
		}
	}
}

func ptrTo[T any](v T) *T { return &v }
