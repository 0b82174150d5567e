package bot

import "time"

// PlatformDescriptor is what the core knows of a chat platform: its package contributes it
// and the app registers it (one line). The core names no platform.
type PlatformDescriptor struct {
	// Name is the platform's name in config ([<name>], [[chats]] platform, [[users]] ids):
	// the Name of its Platform.
	Name string
	// Label and LabelZh are its name for people, in English and in Chinese.
	Label, LabelZh string
	// ChatInterval spaces the watcher's messages to one chat, so the platform's per-chat
	// limit holds in a burst; AppInterval spaces them across all chats (0: no app limit).
	ChatInterval, AppInterval time.Duration
	// Robots says a chat may name its own webhook robot ([[chats]] webhook_key).
	Robots bool
	// OneConnection says the platform keeps one long connection per bot and drops the older
	// one when another opens: of several replicas, only the one that leads the connection's
	// role may hold it. Without it every replica connects (the platform hands each event to
	// one of them).
	OneConnection bool
	// LegacyUserKey is the [[users]] key that held a person's id here before ids = {…}
	// ("<platform>_open_id"): still read, and check says how to rewrite it.
	LegacyUserKey string
	// CardAnswerLimit is how long the platform waits for a card click's answer before it
	// shows an error (0: no limit); [bot] action_wait must stay below it.
	CardAnswerLimit time.Duration
	// Config returns a new, empty section of the platform's own type (a pointer), which the
	// app decodes [<name>] into: so adding a platform needs no field in the app.
	Config func() PlatformSection
	// New builds the platform from a section Config returned, defaults filled in and
	// checked.
	New func(cfg PlatformSection, env PlatformEnv) (PlatformRun, error)
}

// Pacing is the watcher's spacing of each platform in ds.
func Pacing(ds []PlatformDescriptor) (chat, app map[string]time.Duration) {
	chat, app = map[string]time.Duration{}, map[string]time.Duration{}
	for _, d := range ds {
		chat[d.Name] = d.ChatInterval
		if d.AppInterval > 0 {
			app[d.Name] = d.AppInterval
		}
	}
	return chat, app
}
