package bot

// WithDefaults returns c with every unset knob at the value the dispatcher will use, so the
// configuration can show its effective values (`ticketbot check -v`) without repeating them.
func (c DispatcherConfig) WithDefaults() DispatcherConfig {
	c.defaults()
	return c
}

// WithDefaults returns c with every unset knob at the value the watcher will use, for the
// same reason.
func (c WatchConfig) WithDefaults() WatchConfig {
	c.defaults()
	return c
}
