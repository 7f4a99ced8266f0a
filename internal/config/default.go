package config

import (
	_ "embed"
	"fmt"
)

// DefaultText is the embedded default configuration (client.md §4).
//
//go:embed default.conf
var DefaultText []byte

// DefaultName is the file name the embedded configuration reports in messages.
const DefaultName = "default.conf"

// LoadDefault parses the embedded default configuration.
func LoadDefault() (*Config, error) {
	cfg, err := Parse(DefaultName, DefaultText)
	if err != nil {
		return nil, fmt.Errorf("embedded default config: %w", err)
	}
	cfg.File = ""
	return cfg, nil
}
