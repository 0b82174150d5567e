package wecom

import (
	"fmt"
	"strings"

	"github.com/ticketbot/ticketbot/bot"
)

// UseChats takes WeCom's [[chats]] entries from the app: each group's own robot key becomes
// Robots, and the entries are kept for Warnings (Config is a bot.ChatsSection).
func (c *Config) UseChats(chats []bot.ChatEntry) {
	c.chats = chats
	c.Robots = map[string]bot.Secret{}
	for _, ch := range chats {
		if ch.WebhookKey != "" {
			c.Robots[ch.ChatID] = ch.WebhookKey
		}
	}
}

// Warnings names the WeCom groups that watcher notices cannot reach on their own: in webhook
// mode only a group's own robot (webhook_key in its [[chats]] entry) can post when nobody
// has written to the bot there within the hour; until then notices wait.
func (c Config) Warnings() []string {
	if c.Mode != ModeWebhook {
		return nil
	}
	var ws []string
	groups := 0
	for _, ch := range c.chats {
		if strings.HasPrefix(ch.ChatID, singlePrefix) {
			continue
		}
		groups++
		if ch.WebhookKey == "" {
			ws = append(ws, fmt.Sprintf("chats[%d]: WeCom group %s has no webhook_key: its notices wait until someone there writes to the bot (an answer window lasts an hour); add the group's robot key, or use mode = \"websocket\"", ch.Index, ch.ChatID))
		}
	}
	if groups == 0 {
		ws = append(ws, "wecom: in webhook mode notices reach a group only through its own robot: list each WeCom group in [[chats]] with its webhook_key, or use mode = \"websocket\"; until then notices wait for someone in the group to write to the bot")
	}
	return ws
}
